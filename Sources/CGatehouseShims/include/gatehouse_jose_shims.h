// C wrappers for the OpenSSL 3 key APIs JOSE needs: variadic key generation, OSSL_PARAM
// builders and ECDSA signature encodings, which Swift cannot call (or call comfortably).
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

/// A fresh RSA key of `bits` bits (public exponent 65537), or NULL.
EVP_PKEY *gh_jose_generate_rsa(unsigned int bits);
/// A fresh P-256 key, or NULL.
EVP_PKEY *gh_jose_generate_p256(void);

/// The private key as PKCS#8 PEM ("BEGIN PRIVATE KEY"), unencrypted. Writes up to `capacity`
/// bytes to `out` and returns the full length (call again with a bigger buffer when it is
/// larger than `capacity`); 0 on failure.
size_t gh_jose_private_key_pem(EVP_PKEY *pkey, char *out, size_t capacity);
/// Reads an unencrypted private key from PEM (never prompts for a password), or NULL.
EVP_PKEY *gh_jose_private_key_from_pem(const char *pem, size_t length);

/// An RSA public key from big-endian modulus and exponent, or NULL.
EVP_PKEY *gh_jose_rsa_public_key(const uint8_t *n, size_t n_length, const uint8_t *e, size_t e_length);
/// A P-256 public key from 32-byte big-endian coordinates; NULL unless the point is on the curve.
EVP_PKEY *gh_jose_p256_public_key(const uint8_t *x, const uint8_t *y);

/// Big-endian modulus and exponent of an RSA key (minimal length). Returns 1 on success,
/// 0 on failure or when a buffer is too small.
int gh_jose_rsa_public_numbers(EVP_PKEY *pkey, uint8_t *n, size_t n_capacity, size_t *n_length,
                               uint8_t *e, size_t e_capacity, size_t *e_length);
/// 1 when `pkey` is an EC key on P-256 (prime256v1), else 0.
int gh_jose_is_p256(EVP_PKEY *pkey);
/// The 32-byte coordinates of a P-256 public key. Returns 1 on success.
int gh_jose_p256_public_xy(EVP_PKEY *pkey, uint8_t *x, uint8_t *y);

/// DER ECDSA-Sig-Value to JOSE's fixed r||s (2 × 32 bytes). Returns 1 on success, 0 when
/// the DER is malformed or r or s is longer than 32 bytes.
int gh_jose_ecdsa_der_to_raw(const uint8_t *der, size_t der_length, uint8_t *raw64);
/// JOSE r||s (64 bytes) to DER. Writes up to `capacity` bytes; returns the DER length, 0 on failure.
size_t gh_jose_ecdsa_raw_to_der(const uint8_t *raw64, uint8_t *out, size_t capacity);
