#include "gatehouse_jose_shims.h"
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

EVP_PKEY *gh_jose_generate_rsa(unsigned int bits) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

EVP_PKEY *gh_jose_generate_p256(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

size_t gh_jose_private_key_pem(EVP_PKEY *pkey, char *out, size_t capacity) {
    if (pkey == NULL) return 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return 0;
    size_t length = 0;
    if (PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0 && data != NULL) {
            length = (size_t)n;
            if (out != NULL && length <= capacity) memcpy(out, data, length);
        }
    }
    BIO_free(bio);
    return length;
}

/// Refuses to ask for a password: an encrypted key is simply not readable here.
static int gh_no_password(char *buf, int size, int rwflag, void *u) {
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

EVP_PKEY *gh_jose_private_key_from_pem(const char *pem, size_t length) {
    if (pem == NULL || length == 0 || length > 64 * 1024) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)length);
    if (bio == NULL) return NULL;
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, gh_no_password, NULL);
    BIO_free(bio);
    return pkey;
}

static EVP_PKEY *gh_from_params(const char *type, OSSL_PARAM_BLD *bld) {
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params != NULL && ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

EVP_PKEY *gh_jose_rsa_public_key(const uint8_t *n, size_t n_length, const uint8_t *e, size_t e_length) {
    if (n == NULL || e == NULL || n_length == 0 || e_length == 0 || n_length > 2048 || e_length > 2048) return NULL;
    BIGNUM *bn_n = BN_bin2bn(n, (int)n_length, NULL);
    BIGNUM *bn_e = BN_bin2bn(e, (int)e_length, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;
    if (bn_n != NULL && bn_e != NULL && bld != NULL
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1
        && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1) {
        pkey = gh_from_params("RSA", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return pkey;
}

EVP_PKEY *gh_jose_p256_public_key(const uint8_t *x, const uint8_t *y) {
    if (x == NULL || y == NULL) return NULL;
    uint8_t point[65];
    point[0] = 0x04; // uncompressed
    memcpy(point + 1, x, 32);
    memcpy(point + 33, y, 32);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = NULL;
    if (bld != NULL
        && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1
        && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) == 1) {
        pkey = gh_from_params("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    if (pkey == NULL) return NULL;
    // Decoding already refuses points off the curve; check again rather than trust that.
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

static int gh_bn_param(EVP_PKEY *pkey, const char *name, uint8_t *out, size_t capacity, size_t *length) {
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || bn == NULL) return 0;
    int size = BN_num_bytes(bn);
    int ok = size > 0 && (size_t)size <= capacity && BN_bn2bin(bn, out) == size;
    if (ok) *length = (size_t)size;
    BN_free(bn);
    return ok;
}

int gh_jose_rsa_public_numbers(EVP_PKEY *pkey, uint8_t *n, size_t n_capacity, size_t *n_length,
                               uint8_t *e, size_t e_capacity, size_t *e_length) {
    if (pkey == NULL || EVP_PKEY_is_a(pkey, "RSA") != 1) return 0;
    return gh_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, n, n_capacity, n_length)
        && gh_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, e, e_capacity, e_length);
}

int gh_jose_is_p256(EVP_PKEY *pkey) {
    if (pkey == NULL || EVP_PKEY_is_a(pkey, "EC") != 1) return 0;
    char group[64];
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &length) != 1) return 0;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

int gh_jose_p256_public_xy(EVP_PKEY *pkey, uint8_t *x, uint8_t *y) {
    if (!gh_jose_is_p256(pkey)) return 0;
    BIGNUM *bx = NULL, *by = NULL;
    int ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1
        && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1
        && BN_bn2binpad(bx, x, 32) == 32
        && BN_bn2binpad(by, y, 32) == 32;
    BN_free(bx);
    BN_free(by);
    return ok;
}

int gh_jose_ecdsa_der_to_raw(const uint8_t *der, size_t der_length, uint8_t *raw64) {
    if (der == NULL || raw64 == NULL || der_length == 0 || der_length > 256) return 0;
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_length);
    if (sig == NULL) return 0;
    int ok = p == der + der_length
        && BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw64, 32) == 32
        && BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw64 + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok;
}

size_t gh_jose_ecdsa_raw_to_der(const uint8_t *raw64, uint8_t *out, size_t capacity) {
    if (raw64 == NULL || out == NULL) return 0;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw64, 32, NULL);
    BIGNUM *s = BN_bin2bn(raw64 + 32, 32, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return 0;
    }
    size_t length = 0;
    int needed = i2d_ECDSA_SIG(sig, NULL);
    if (needed > 0 && (size_t)needed <= capacity) {
        unsigned char *p = out;
        length = i2d_ECDSA_SIG(sig, &p) == needed ? (size_t)needed : 0;
    }
    ECDSA_SIG_free(sig);
    return length;
}
