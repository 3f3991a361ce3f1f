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
public func formEncode(_ pairs: [(String, String)]) -> String {
    pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
}

public func percentEncode(_ text: String) -> String {
    var out = ""
    for b in text.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            out += "%" + String(UnicodeScalar(hex[Int(b >> 4)])) + String(UnicodeScalar(hex[Int(b & 15)]))
        }
    }
    return out
}
