import HTTP
/// One answer from an upstream endpoint.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// The outbound HTTPS calls federation makes (discovery, JWKS, token, Graph). The App room
/// implements it over `Net.HTTPClient` (connect 5 s, total 15 s); tests use a fake, so the
/// whole upstream logic runs without sockets. Every failure to get an answer (DNS, connect,
/// timeout, TLS, garbage) is thrown as `FederationError.upstreamUnreachable`.
public protocol UpstreamTransport: Sendable {
    func get(_ url: String, bearer: String?) throws(FederationError) -> UpstreamResponse
    func postForm(_ url: String, _ form: [(String, String)]) throws(FederationError) -> UpstreamResponse
}

/// application/x-www-form-urlencoded / query component encoding (RFC 3986 unreserved kept).
public func formEncode(_ pairs: [(String, String)]) -> String { PercentEncoding.query(pairs) }

