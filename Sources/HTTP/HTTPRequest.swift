/// HTTP protocol version of a message. Only 1.0 and 1.1 are spoken.
public enum HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    case http10, http11
    public var description: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// A fully received request, as the parser hands it to a server.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as sent (origin-form, absolute-form or `*`).
    public var target: String
    /// The path part of the target, still percent-encoded (always starts with `/`, or is `*`).
    public var path: String
    /// The query string without `?`, still percent-encoded; nil when absent.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http11,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        (self.path, self.query) = HTTPRequest.splitTarget(target)
    }

    /// The authority the client addressed: the host of an absolute-form target, else Host.
    public var host: String? {
        if let start = HTTPRequest.authorityStart(Substring(target)) {
            let rest = target[start...]
            return String(rest.prefix { $0 != "/" && $0 != "?" })
        }
        return headers["Host"]
    }

    /// Whether the connection may be reused after this request (RFC 9112 §9.3).
    public var keepAlive: Bool {
        if headers.listContains("Connection", token: "close") { return false }
        if version == .http10 { return headers.listContains("Connection", token: "keep-alive") }
        return true
    }

    /// Splits a request-target into its encoded path and query.
    static func splitTarget(_ target: String) -> (String, String?) {
        var rest = Substring(target)
        if let start = HTTPRequest.authorityStart(rest) {
            // absolute-form: drop scheme and authority
            let afterScheme = rest[start...]
            if let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = afterScheme[slash...]
            } else {
                rest = "/"
            }
            if rest.first == "?" { rest = "/" + rest }
        }
        if let q = rest.firstIndex(of: "?") {
            return (String(rest[..<q]), String(rest[rest.index(after: q)...]))
        }
        return (String(rest), nil)
    }

    /// For an absolute-form target (`scheme://authority/...`), the index just past `://`.
    static func authorityStart(_ s: Substring) -> Substring.Index? {
        guard s.first != "/" else { return nil }
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == ":" {
                let rest = s[i...]
                if rest.hasPrefix("://") { return s.index(i, offsetBy: 3) }
                return nil
            }
            guard c.isLetter || c.isNumber || c == "+" || c == "-" || c == "." else { return nil }
            i = s.index(after: i)
        }
        return nil
    }
}
