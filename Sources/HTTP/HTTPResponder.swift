/// What the server knows about the socket a request arrived on. The web layer decides,
/// from its trusted-proxy list, whether forwarded headers may override any of this.
public struct ConnectionInfo: Sendable, Equatable {
    /// Peer IP address as text (IPv4 dotted or IPv6 without brackets).
    public var remoteAddress: String
    public var remotePort: Int
    public var localPort: Int
    /// True when the request came over TLS terminated by this process.
    public var isTLS: Bool

    public init(remoteAddress: String, remotePort: Int = 0, localPort: Int = 0, isTLS: Bool = false) {
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.localPort = localPort
        self.isTLS = isTLS
    }
}

/// The one entry point the HTTP server calls for each complete request. It runs on the
/// connection's serial queue and may block (database calls); answers leave in request order.
/// It must not throw: the web layer maps every error to a response before returning.
public typealias HTTPResponder = @Sendable (HTTPRequest, ConnectionInfo) -> HTTPResponse
