// Thin C wrappers for OpenSSL and hiredis macros that Swift cannot import.
#pragma once
#include <openssl/ssl.h>
#include <hiredis.h>

int gh_ssl_ctx_set_min_tls12(SSL_CTX *ctx);
long gh_ssl_ctx_set_mode_partial_writes(SSL_CTX *ctx);
int gh_ssl_set_sni(SSL *ssl, const char *hostname);
long gh_ssl_ctx_set_session_cache_server(SSL_CTX *ctx);
/// hiredis version numbers are macros.
int gh_hiredis_version_major(void);
int gh_hiredis_version_minor(void);
int gh_hiredis_version_patch(void);
/// Server hardening options (macros with 64-bit casts): no renegotiation, no compression,
/// server cipher preference. Returns the new option mask.
unsigned long long gh_ssl_ctx_set_server_options(SSL_CTX *ctx);
/// Server side ALPN: selects "http/1.1" when the client offers it, else no ALPN (not fatal).
void gh_ssl_ctx_enable_alpn_http11(SSL_CTX *ctx);
