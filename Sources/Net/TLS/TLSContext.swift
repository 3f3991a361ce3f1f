import COpenSSL
import CGatehouseShims

/// A TLS failure, with OpenSSL's error-queue detail (never key material).
public struct TLSError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "TLS: \(message)" }

    /// `message` followed by every entry of the calling thread's OpenSSL error queue, which is emptied.
    static func fromQueue(_ message: String) -> TLSError {
        let detail = drainErrorQueue()
        return TLSError(detail.isEmpty ? message : "\(message): \(detail)")
    }

    /// Pops the thread's OpenSSL error queue into one line (ERR_error_string_n per entry).
    static func drainErrorQueue() -> String {
        var parts: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if parts.count >= 8 { continue }
            buffer.withUnsafeMutableBufferPointer { ERR_error_string_n(code, $0.baseAddress, $0.count) }
            parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.joined(separator: "; ")
    }
}

/// An OpenSSL SSL_CTX: configuration shared by many TLS sessions. Immutable after creation,
/// and OpenSSL allows one SSL_CTX to be used by sessions on many threads.
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    /// Client contexts verify the peer; sessions created from them must name the server.
    let isClient: Bool

    private init(ctx: OpaquePointer, isClient: Bool) {
        self.ctx = ctx
        self.isClient = isClient
    }

    deinit { SSL_CTX_free(ctx) }

    /// TLS 1.2 ciphers: forward secret AEAD only. TLS 1.3 suites stay at OpenSSL's defaults (all AEAD).
    static let tls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

    private static func makeContext(_ method: OpaquePointer?) throws(TLSError) -> OpaquePointer {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(method) else { throw .fromQueue("SSL_CTX_new failed") }
        guard gh_ssl_ctx_set_min_tls12(ctx) == 1 else {
            SSL_CTX_free(ctx)
            throw .fromQueue("cannot set minimum protocol version")
        }
        guard SSL_CTX_set_cipher_list(ctx, tls12Ciphers) == 1 else {
            SSL_CTX_free(ctx)
            throw .fromQueue("cannot set cipher list")
        }
        _ = gh_ssl_ctx_set_mode_partial_writes(ctx)
        return ctx
    }

    /// Server side: PEM certificate chain file (leaf first) and PEM private key file.
    /// TLS 1.2 minimum, forward-secret AEAD ciphers, no renegotiation, ALPN "http/1.1" when offered.
    public static func server(certificatePath: String, keyPath: String) throws(TLSError) -> TLSContext {
        let ctx = try makeContext(TLS_server_method())
        let context = TLSContext(ctx: ctx, isClient: false)  // frees ctx on every error path below
        guard SSL_CTX_use_certificate_chain_file(ctx, certificatePath) == 1 else {
            throw .fromQueue("cannot load certificate chain from \(certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyPath, SSL_FILETYPE_PEM) == 1 else {
            // The queue names the failing step only; it never carries key bytes.
            throw .fromQueue("cannot load private key from \(keyPath)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw .fromQueue("private key does not match the certificate")
        }
        _ = gh_ssl_ctx_set_server_options(ctx)
        _ = gh_ssl_ctx_set_session_cache_server(ctx)
        gh_ssl_ctx_enable_alpn_http11(ctx)
        return context
    }

    /// Client side: verifies the peer's chain against the system default trust store, or only
    /// against `caFile` (PEM, one or more certificates) when given. Sessions also verify the
    /// host name they are given. There is no way to turn verification off.
    public static func client(caFile: String? = nil) throws(TLSError) -> TLSContext {
        let ctx = try makeContext(TLS_client_method())
        let context = TLSContext(ctx: ctx, isClient: true)
        if let caFile {
            guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                throw .fromQueue("cannot load CA file \(caFile)")
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw .fromQueue("cannot load the default trust store")
            }
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        let alpn: [UInt8] = [8] + Array("http/1.1".utf8)
        // SSL_CTX_set_alpn_protos returns 0 on success.
        guard alpn.withUnsafeBufferPointer({ SSL_CTX_set_alpn_protos(ctx, $0.baseAddress, UInt32($0.count)) }) == 0 else {
            throw .fromQueue("cannot set ALPN protocols")
        }
        return context
    }
}
