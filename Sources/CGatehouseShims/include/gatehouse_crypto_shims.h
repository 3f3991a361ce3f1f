// C wrappers for OpenSSL key derivation whose headers the COpenSSL module does not include.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// HKDF-SHA256 (RFC 5869), extract then expand, through EVP_PKEY_HKDF. An empty salt means
/// the RFC's default (a block of zeros); an empty info is allowed. `out_len` must be 1...8160.
/// Returns 1 on success, 0 on failure.
int gh_hkdf_sha256(const uint8_t *ikm, size_t ikm_len,
                   const uint8_t *salt, size_t salt_len,
                   const uint8_t *info, size_t info_len,
                   uint8_t *out, size_t out_len);
