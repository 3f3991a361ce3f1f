#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import HTTP

/// Why an outbound request failed. Garbage from the network ends up here, never in a crash.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    /// The request could not be encoded (CR/LF in a header, a header the client sets itself…).
    case invalidRequest(String)
    case dnsFailure(String)
    /// Every address refused or was unreachable.
    case connectionFailed(String)
    case connectTimeout
    /// The total deadline passed.
    case timeout
    case tlsFailure(String)
    case responseTooLarge
    case malformedResponse(String)
    /// The peer closed (or reset) the connection before a complete response.
    case connectionClosed
    /// A redirect to another scheme than the same or an upgrade to https, or without a usable Location.
    case redirectRefused(String)
    case tooManyRedirects

    public var description: String {
        switch self {
        case .invalidURL(let m): return "invalid URL: \(m)"
        case .invalidRequest(let m): return "invalid request: \(m)"
        case .dnsFailure(let m): return "DNS lookup failed: \(m)"
        case .connectionFailed(let m): return "connection failed: \(m)"
        case .connectTimeout: return "connect timed out"
        case .timeout: return "request timed out"
        case .tlsFailure(let m): return "TLS failure: \(m)"
        case .responseTooLarge: return "response too large"
        case .malformedResponse(let m): return "malformed response: \(m)"
        case .connectionClosed: return "connection closed before the response was complete"
        case .redirectRefused(let m): return "redirect refused: \(m)"
        case .tooManyRedirects: return "too many redirects"
        }
    }
}

/// Outbound HTTP/1.1 client for upstream federation (token endpoints, JWKS, discovery, metadata).
///
/// Synchronous: `send` blocks the calling thread, but every wait is bounded. DNS and connect
/// are bounded by `connectTimeout`, and everything (redirects included) by `totalTimeout`.
/// One connection per request (`Connection: close`). `https` always verifies the certificate
/// chain and the host name; `caFile` replaces the system trust store for private CAs.
public final class HTTPClient: Sendable {
    /// Gatehouse release reported in User-Agent.
    public static let gatehouseVersion = "0.1.0"
    public static let defaultUserAgent = "Gatehouse/\(gatehouseVersion)"

    public struct Options: Sendable {
        public var connectTimeout: Duration
        public var totalTimeout: Duration
        public var maxResponseBytes: Int
        /// 0 (the default) returns 3xx responses as they are.
        public var maxRedirects: Int
        /// PEM file of trusted CA certificates; nil uses the system trust store.
        public var caFile: String?
        public var userAgent: String

        public init(connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(15),
                    maxResponseBytes: Int = 4 * 1024 * 1024, maxRedirects: Int = 0, caFile: String? = nil,
                    userAgent: String = HTTPClient.defaultUserAgent) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maxResponseBytes = maxResponseBytes
            self.maxRedirects = maxRedirects
            self.caFile = caFile
            self.userAgent = userAgent
        }
    }

    public struct Response: Sendable {
        public var status: HTTPStatus
        public var headers: HTTPHeaders
        public var body: [UInt8]
        /// The URL that produced this response (differs from the request's after redirects).
        public var url: HTTPClientURL

        public init(status: HTTPStatus, headers: HTTPHeaders, body: [UInt8], url: HTTPClientURL) {
            self.status = status
            self.headers = headers
            self.body = body
            self.url = url
        }
    }

    public let options: Options
    private let tls: TLSContext

    /// Fails only when the TLS trust store (or `caFile`) cannot be loaded.
    public init(options: Options = Options()) throws(HTTPClientError) {
        self.options = options
        do {
            tls = try TLSContext.client(caFile: options.caFile)
        } catch {
            throw .tlsFailure(error.message)
        }
    }

    public func get(_ url: String, headers: HTTPHeaders = HTTPHeaders()) throws(HTTPClientError) -> Response {
        try send(.get, url, headers: headers)
    }

    public func post(_ url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]) throws(HTTPClientError) -> Response {
        try send(.post, url, headers: headers, body: body)
    }

    /// Sends one request and reads the whole response. Adds `Connection: close`,
    /// `Accept-Encoding: identity` and User-Agent (unless given); Host and Content-Length are
    /// computed and may not be given.
    public func send(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = HTTPHeaders(),
                     body: [UInt8] = []) throws(HTTPClientError) -> Response {
        let deadline = Deadline(after: options.totalTimeout)
        var current = try HTTPClientURL(url)
        var method = method
        var headers = headers
        var body = body
        var redirects = 0
        while true {
            let response = try exchange(method, current, headers: headers, body: body, deadline: deadline)
            let code = response.status.code
            guard options.maxRedirects > 0, [301, 302, 303, 307, 308].contains(code) else { return response }
            guard redirects < options.maxRedirects else { throw .tooManyRedirects }
            redirects += 1
            guard let location = response.headers["Location"] else { return response }
            let next: HTTPClientURL
            do {
                next = try current.resolving(String(location.trimmingOWS()))
            } catch {
                throw .redirectRefused("invalid Location")
            }
            guard next.scheme == current.scheme || (current.scheme == .http && next.scheme == .https) else {
                throw .redirectRefused("https to http")
            }
            if !next.sameOrigin(current) {
                for name in ["Authorization", "Proxy-Authorization", "Cookie"] { headers.remove(name) }
            }
            if code == 303 || ((code == 301 || code == 302) && method == .post) {
                if method != .head { method = .get }
                body = []
            }
            current = next
        }
    }

    // MARK: - One exchange

    private func exchange(_ method: HTTPMethod, _ url: HTTPClientURL, headers: HTTPHeaders, body: [UInt8],
                          deadline: Deadline) throws(HTTPClientError) -> Response {
        var fields = headers
        fields.set("Connection", "close")
        fields.set("Accept-Encoding", "identity")
        fields.setIfAbsent("User-Agent", options.userAgent)
        let wire: [UInt8]
        do {
            wire = try HTTPRequestEncoder.encode(
                HTTPRequest(method: method, target: url.target, headers: fields, body: body), host: url.authority)
        } catch {
            throw .invalidRequest(error.reason)
        }

        let connectDeadline = deadline.earlier(Deadline(after: options.connectTimeout))
        let addresses = try resolve(url, deadline: connectDeadline)
        let fd = try connect(addresses, totalDeadline: deadline)
        defer { close(fd) }
        var transport = ClientTransport(fd: fd, tls: nil)
        if url.scheme == .https {
            do {
                transport.tls = try TLSSession(context: tls, fd: fd, accept: false, serverName: url.host)
            } catch {
                throw .tlsFailure(error.message)
            }
            defer { transport.tls?.shutdown() }
            try handshake(transport.tls!, fd: fd, deadline: deadline)
            return try roundTrip(transport, wire: wire, method: method, url: url, deadline: deadline)
        }
        return try roundTrip(transport, wire: wire, method: method, url: url, deadline: deadline)
    }

    private func handshake(_ session: TLSSession, fd: Int32, deadline: Deadline) throws(HTTPClientError) {
        while true {
            switch session.handshake() {
            case .bytes: return
            case .wantRead: try wait(fd, POLLIN, deadline)
            case .wantWrite: try wait(fd, POLLOUT, deadline)
            case .closed: throw .tlsFailure("peer closed the connection during the handshake")
            case .failed(let message): throw .tlsFailure(message)
            }
        }
    }

    private func roundTrip(_ transport: ClientTransport, wire: [UInt8], method: HTTPMethod, url: HTTPClientURL,
                           deadline: Deadline) throws(HTTPClientError) -> Response {
        var offset = 0
        while offset < wire.count {
            let r = wire.withUnsafeBytes { transport.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch r {
            case .bytes(let n): offset += n
            case .wantRead: try wait(transport.fd, POLLIN, deadline)
            case .wantWrite: try wait(transport.fd, POLLOUT, deadline)
            case .closed: throw .connectionClosed
            case .failed(let m): throw transport.tls == nil ? .connectionClosed : .tlsFailure(m)
            }
        }

        var parser = HTTPResponseParser(requestMethod: method,
                                        limits: .init(maxResponseBytes: options.maxResponseBytes))
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let r = buffer.withUnsafeMutableBytes { transport.read(into: $0) }
            do {
                switch r {
                case .bytes(let n):
                    if n == 0 { continue }
                    if let response = try parser.feed(buffer[0..<n]) {
                        return Response(status: response.status, headers: response.headers,
                                        body: response.body, url: url)
                    }
                case .wantRead: try wait(transport.fd, POLLIN, deadline)
                case .wantWrite: try wait(transport.fd, POLLOUT, deadline)
                case .closed:
                    let response = try parser.finish()
                    return Response(status: response.status, headers: response.headers, body: response.body, url: url)
                case .failed(let m):
                    throw transport.tls == nil ? HTTPClientError.connectionClosed : .tlsFailure(m)
                }
            } catch let error as HTTPResponseParseError {
                switch error {
                case .tooLarge: throw .responseTooLarge
                case .truncated: throw .connectionClosed
                case .malformed(let m): throw .malformedResponse(m)
                }
            } catch let error as HTTPClientError {
                throw error
            } catch {
                throw .malformedResponse("\(error)")
            }
        }
    }

    // MARK: - DNS and connect

    private func resolve(_ url: HTTPClientURL, deadline: Deadline) throws(HTTPClientError) -> [SocketAddress] {
        if url.hostIsIPAddress {
            return try SocketAddress.lookup(host: url.host, port: url.port, numericOnly: true)
        }
        // getaddrinfo has no timeout of its own: run it aside and stop waiting at the deadline
        // (an abandoned lookup finishes in the background and frees its own result).
        let box = LookupBox()
        let done = DispatchSemaphore(value: 0)
        let host = url.host, port = url.port
        DispatchQueue.global().async {
            box.result = Result { () throws(HTTPClientError) in
                try SocketAddress.lookup(host: host, port: port, numericOnly: false)
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + .milliseconds(Int(deadline.remainingMilliseconds()))) == .success,
              let result = box.result else {
            throw .dnsFailure("lookup of \(host) timed out")
        }
        return try result.get()
    }

    private func connect(_ addresses: [SocketAddress], totalDeadline: Deadline) throws(HTTPClientError) -> Int32 {
        var lastError: HTTPClientError = .connectionFailed("no address")
        for address in addresses {
            let attemptDeadline = totalDeadline.earlier(Deadline(after: options.connectTimeout))
            let fd = socket(Int32(address.family), Int32(SOCK_STREAM_VALUE), 0)
            guard fd >= 0 else {
                lastError = .connectionFailed("socket: \(errnoText())")
                continue
            }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            #if canImport(Darwin)
            _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            #endif
            var storage = address.storage
            let r = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc_connect(fd, $0, address.length) }
            }
            if r == 0 { return fd }
            let err = errno
            guard err == EINPROGRESS || err == EINTR else {
                close(fd)
                lastError = .connectionFailed(String(cString: strerror(err)))
                continue
            }
            do {
                try wait(fd, POLLOUT, attemptDeadline)
            } catch {
                close(fd)
                if totalDeadline.remainingMilliseconds() == 0 { throw .timeout }
                lastError = .connectTimeout
                continue
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length) == 0, soError == 0 else {
                close(fd)
                lastError = .connectionFailed(String(cString: strerror(soError != 0 ? soError : errno)))
                continue
            }
            return fd
        }
        throw lastError
    }

    /// Waits until `fd` is ready for `events` or the deadline passes (then `.timeout`).
    private func wait(_ fd: Int32, _ events: Int32, _ deadline: Deadline) throws(HTTPClientError) {
        while true {
            let ms = deadline.remainingMilliseconds()
            if ms == 0 { throw .timeout }
            var pfd = pollfd(fd: fd, events: Int16(events), revents: 0)
            let r = poll(&pfd, 1, ms)
            if r > 0 { return }  // readable, writable, or an error the next call reports
            if r == 0 { throw .timeout }
            if errno != EINTR { throw .connectionFailed("poll: \(errnoText())") }
        }
    }
}

// MARK: - Plumbing

/// A point in time that bounds every wait of one request.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(after duration: Duration) { instant = ContinuousClock.now.advanced(by: duration) }
    private init(instant: ContinuousClock.Instant) { self.instant = instant }

    func earlier(_ other: Deadline) -> Deadline { Deadline(instant: min(instant, other.instant)) }

    /// Milliseconds left, rounded up so a wait never spins on 0; 0 once passed.
    func remainingMilliseconds() -> Int32 {
        let left = instant - ContinuousClock.now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
        return Int32(clamping: ms)
    }
}

/// One resolved socket address.
struct SocketAddress: @unchecked Sendable {
    var storage: sockaddr_storage
    var length: socklen_t
    var family: Int32

    static func lookup(host: String, port: Int, numericOnly: Bool) throws(HTTPClientError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM_VALUE)
        hints.ai_flags = AI_NUMERICSERV | (numericOnly ? AI_NUMERICHOST : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw .dnsFailure("\(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var result: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let n = node {
            let info = n.pointee
            if let addr = info.ai_addr, (info.ai_family == AF_INET || info.ai_family == AF_INET6),
               Int(info.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: Int(info.ai_addrlen)))
                }
                result.append(SocketAddress(storage: storage, length: info.ai_addrlen, family: info.ai_family))
            }
            node = info.ai_next
        }
        guard !result.isEmpty else { throw .dnsFailure("\(host): no IPv4 or IPv6 address") }
        return result
    }
}

/// Written by the lookup task before it signals the semaphore; read only after a successful wait.
private final class LookupBox: @unchecked Sendable {
    var result: Result<[SocketAddress], HTTPClientError>?
}

/// The byte stream of one connection: the socket itself, or TLS over it.
private struct ClientTransport {
    let fd: Int32
    var tls: TLSSession?

    func read(into buffer: UnsafeMutableRawBufferPointer) -> TLSSession.IOResult {
        if let tls { return tls.read(into: buffer) }
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            let err = errno
            if err == EINTR { continue }
            if err == EAGAIN || err == EWOULDBLOCK { return .wantRead }
            return .failed(String(cString: strerror(err)))
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> TLSSession.IOResult {
        if let tls { return tls.write(bytes) }
        while true {
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(SEND_FLAGS))
            if n >= 0 { return .bytes(n) }
            let err = errno
            if err == EINTR { continue }
            if err == EAGAIN || err == EWOULDBLOCK { return .wantWrite }
            return .failed(String(cString: strerror(err)))
        }
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

#if canImport(Glibc)
private let SOCK_STREAM_VALUE = Int32(SOCK_STREAM.rawValue)
private let SEND_FLAGS = Int32(MSG_NOSIGNAL)
private func Glibc_connect(_ fd: Int32, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> Int32 {
    Glibc.connect(fd, addr, len)
}
#else
private let SOCK_STREAM_VALUE = SOCK_STREAM
private let SEND_FLAGS: Int32 = 0
private func Glibc_connect(_ fd: Int32, _ addr: UnsafePointer<sockaddr>, _ len: socklen_t) -> Int32 {
    Darwin.connect(fd, addr, len)
}
#endif
