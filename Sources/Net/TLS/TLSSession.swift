#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COpenSSL
import CGatehouseShims

/// One TLS connection over a non-blocking socket. The caller owns the fd (and closes it
/// after `shutdown()`); the session owns the SSL object. Not for concurrent use: one thread
/// (or one serial queue) drives a session at a time.
public final class TLSSession: @unchecked Sendable {
    public enum IOResult: Equatable, Sendable {
        /// Bytes read or written; `.bytes(0)` from `handshake()` means it completed.
        case bytes(Int)
        /// Poll the fd for readability, then call again.
        case wantRead
        /// Poll the fd for writability, then call again.
        case wantWrite
        /// The peer sent close_notify.
        case closed
        /// A protocol, verification or socket error; the session is unusable.
        case failed(String)
    }

    private let ssl: OpaquePointer
    private let context: TLSContext  // keeps the SSL_CTX alive as long as the SSL
    private var handshakeDone = false
    private var broken = false
    private var shutDown = false

    /// - Parameters:
    ///   - accept: true for the server side, false for a client.
    ///   - serverName: client side only, required there: sent as SNI (unless an IP literal) and
    ///     checked against the certificate (DNS name, or IP address for an IP literal).
    public init(context: TLSContext, fd: Int32, accept: Bool, serverName: String? = nil) throws(TLSError) {
        ignoreSIGPIPE()
        ERR_clear_error()
        if accept == context.isClient {
            throw TLSError(accept ? "a client context cannot accept connections" : "a server context cannot connect")
        }
        guard let ssl = SSL_new(context.ctx) else { throw .fromQueue("SSL_new failed") }
        self.ssl = ssl
        self.context = context
        guard SSL_set_fd(ssl, fd) == 1 else { throw .fromQueue("SSL_set_fd failed") }
        if accept {
            SSL_set_accept_state(ssl)
            return
        }
        guard var name = serverName, !name.isEmpty else {
            throw TLSError("a client session needs the server name to verify")
        }
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if TLSSession.isIPLiteral(name) {
            // No SNI for addresses (RFC 6066 §3); the certificate must list the IP.
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                throw .fromQueue("cannot set the expected IP address")
            }
        } else {
            guard name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw TLSError("invalid server name") }
            guard gh_ssl_set_sni(ssl, name) == 1 else { throw .fromQueue("cannot set SNI") }
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard SSL_set1_host(ssl, name) == 1 else { throw .fromQueue("cannot set the expected host name") }
        }
        SSL_set_connect_state(ssl)
    }

    deinit { SSL_free(ssl) }

    /// Drives the handshake. `.bytes(0)` once it is complete (and on every later call).
    public func handshake() -> IOResult {
        if handshakeDone { return .bytes(0) }
        if broken { return .failed("session already failed") }
        ERR_clear_error()
        let r = SSL_do_handshake(ssl)
        if r == 1 {
            handshakeDone = true
            return .bytes(0)
        }
        return failure(r, during: "handshake")
    }

    /// Reads decrypted bytes; drives the handshake first when it is not complete.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        if !handshakeDone {
            let h = handshake()
            guard h == .bytes(0) else { return h }
        }
        if broken { return .failed("session already failed") }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .bytes(0) }
        ERR_clear_error()
        let r = SSL_read(ssl, base, Int32(clamping: buffer.count))
        if r > 0 { return .bytes(Int(r)) }
        return failure(r, during: "read")
    }

    /// Writes (part of) `bytes`; drives the handshake first when it is not complete. After
    /// `.wantRead`/`.wantWrite`, call again with the same bytes (moving the buffer is allowed).
    public func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        if !handshakeDone {
            let h = handshake()
            guard h == .bytes(0) else { return h }
        }
        if broken { return .failed("session already failed") }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .bytes(0) }
        ERR_clear_error()
        let r = SSL_write(ssl, base, Int32(clamping: bytes.count))
        if r > 0 { return .bytes(Int(r)) }
        return failure(r, during: "write")
    }

    /// Decrypted bytes buffered inside OpenSSL that `read` returns without touching the socket.
    public var pendingBytes: Int { Int(SSL_pending(ssl)) }

    /// The ALPN protocol agreed in the handshake, if any.
    public var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// Best-effort close_notify: one non-blocking attempt, never after a fatal error.
    public func shutdown() {
        guard handshakeDone, !broken, !shutDown else { return }
        shutDown = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    private func failure(_ r: Int32, during operation: String) -> IOResult {
        let code = SSL_get_error(ssl, r)
        switch code {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case SSL_ERROR_SYSCALL:
            let err = errno
            broken = true
            let queue = TLSError.drainErrorQueue()
            if !queue.isEmpty { return .failed("\(operation): \(queue)") }
            if err != 0 { return .failed("\(operation): \(String(cString: strerror(err)))") }
            return .failed("\(operation): connection closed without close_notify")
        default:
            broken = true
            var message = "\(operation) failed"
            if !handshakeDone {
                let verify = SSL_get_verify_result(ssl)
                if verify != Int(X509_V_OK) {
                    message += ": certificate verification: " + String(cString: X509_verify_cert_error_string(verify))
                }
            }
            let queue = TLSError.drainErrorQueue()
            return .failed(queue.isEmpty ? message : "\(message): \(queue)")
        }
    }

    static func isIPLiteral(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }
}

/// Writes to a socket whose peer has gone must fail with EPIPE, not kill the process:
/// OpenSSL writes with write(2), which cannot pass MSG_NOSIGNAL.
private let sigpipeIgnored: Bool = {
    signal(SIGPIPE, SIG_IGN)
    return true
}()

func ignoreSIGPIPE() { _ = sigpipeIgnored }
