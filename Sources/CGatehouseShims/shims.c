#include "gatehouse_shims.h"

int gh_ssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

long gh_ssl_ctx_set_mode_partial_writes(SSL_CTX *ctx) {
    // Non-blocking sockets: a write may be retried with a moved buffer and may complete partially.
    return SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

int gh_ssl_set_sni(SSL *ssl, const char *hostname) {
    return (int)SSL_set_tlsext_host_name(ssl, hostname);
}

long gh_ssl_ctx_set_session_cache_server(SSL_CTX *ctx) {
    return SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
}

int gh_hiredis_version_major(void) { return HIREDIS_MAJOR; }
int gh_hiredis_version_minor(void) { return HIREDIS_MINOR; }
int gh_hiredis_version_patch(void) { return HIREDIS_PATCH; }

unsigned long long gh_ssl_ctx_set_server_options(SSL_CTX *ctx) {
    // IGNORE_UNEXPECTED_EOF: a client that closes without close_notify is an ordinary close
    // for a server (HTTP framing, not TLS EOF, delimits requests), so answers already queued
    // for a half-closed client are still sent.
    return (unsigned long long)SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION
                                                        | SSL_OP_CIPHER_SERVER_PREFERENCE
                                                        | SSL_OP_IGNORE_UNEXPECTED_EOF);
}

static int gh_alpn_select_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                 const unsigned char *in, unsigned int inlen, void *arg) {
    static const unsigned char http11[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    unsigned char *selected = NULL;
    unsigned char selectedLength = 0;
    (void)ssl; (void)arg;
    if (SSL_select_next_proto(&selected, &selectedLength, http11, sizeof(http11), in, inlen)
            == OPENSSL_NPN_NEGOTIATED) {
        *out = selected;
        *outlen = selectedLength;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

void gh_ssl_ctx_enable_alpn_http11(SSL_CTX *ctx) {
    SSL_CTX_set_alpn_select_cb(ctx, gh_alpn_select_http11, NULL);
}
