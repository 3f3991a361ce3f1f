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
