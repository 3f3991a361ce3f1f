#include "gatehouse_crypto_shims.h"
#include <openssl/evp.h>
#include <openssl/kdf.h>

int gh_hkdf_sha256(const uint8_t *ikm, size_t ikm_len,
                   const uint8_t *salt, size_t salt_len,
                   const uint8_t *info, size_t info_len,
                   uint8_t *out, size_t out_len) {
    if (ikm == NULL || ikm_len == 0 || out == NULL || out_len == 0 || out_len > 255 * 32) return 0;
    if (ikm_len > INT32_MAX || salt_len > INT32_MAX || info_len > 1024) return 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    if (ctx == NULL) return 0;
    int ok = EVP_PKEY_derive_init(ctx) == 1
        && EVP_PKEY_CTX_set_hkdf_mode(ctx, EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND) == 1
        && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1
        && EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm, (int)ikm_len) == 1;
    // Leaving the salt unset gives HashLen zero bytes, which RFC 5869 §2.2 prescribes for "no salt".
    if (ok && salt_len > 0) ok = salt != NULL && EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, (int)salt_len) == 1;
    if (ok && info_len > 0) ok = info != NULL && EVP_PKEY_CTX_add1_hkdf_info(ctx, info, (int)info_len) == 1;
    size_t len = out_len;
    if (ok) ok = EVP_PKEY_derive(ctx, out, &len) == 1 && len == out_len;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 1 : 0;
}
