import FoundationEssentials
import HTTP

/// One request as handlers see it: the raw message plus what the web layer worked out
/// (client address behind trusted proxies, scheme, host, decoded path and query, cookies,
/// language, route parameters). It lives on one connection queue for one request.
public final class Request {
    public let http: HTTPRequest
    public let connection: ConnectionInfo
    public let context: WebContext

    /// The client's address: the socket peer, or from `X-Forwarded-For` when the peer is a trusted proxy.
    public let clientIP: String
    /// `http` or `https`.
    public let scheme: String
    /// host[:port] the client addressed (lower-cased), or the external URL's host.
    public let host: String
    /// Whether the socket peer is one of the trusted proxies.
    public let peerIsTrustedProxy: Bool

    /// The path as sent, still percent-encoded.
    public let rawPath: String
    /// The percent-decoded path. Requests whose path has a malformed escape, invalid UTF-8,
    /// NUL, an encoded `/`, or a `.`/`..` segment are answered 400 before routing.
    public let path: String
    /// The query string as sent, without `?`.
    public let rawQuery: String?
    /// Decoded query parameters (`+` is a space), every value kept.
    public let queryItems: [String: [String]]
    public let cookies: [String: String]
    public let locale: Language

    /// Set by the router: the matched pattern (e.g. `/application/o/:slug/jwks/`).
    public internal(set) var route: String?
    public internal(set) var pathParameters: [String: String] = [:]
    /// Set by `RequestIDMiddleware`.
    public internal(set) var requestID: String = ""
    /// Values middleware passes on to handlers.
    public var storage = RequestStorage()

    /// Why the request is unusable, thrown before routing.
    let invalid: WebError?
    private var cachedForm: FormData?
    /// A CSRF secret minted during this request; the application sets it as a cookie.
    var newCSRFSecret: String?

    public var method: HTTPMethod { http.method }
    public var headers: HTTPHeaders { http.headers }
    public var body: [UInt8] { http.body }
    public var isHTTPS: Bool { scheme == "https" }

    public init(http: HTTPRequest, connection: ConnectionInfo, context: WebContext) {
        self.http = http
        self.connection = connection
        self.context = context
        let resolved = context.config.trustedProxies.resolve(headers: http.headers, connection: connection,
                                                             hostHeader: http.host)
        clientIP = resolved.clientIP
        scheme = resolved.scheme
        host = resolved.host ?? context.external.host
        peerIsTrustedProxy = resolved.peerTrusted
        rawPath = http.path
        rawQuery = http.query
        cookies = Cookies.parse(http.headers.values("Cookie"))
        locale = Language.negotiate(cookie: cookies[Language.cookieName],
                                    acceptLanguage: http.headers["Accept-Language"])

        var problem: WebError?
        let decodedPath = Request.decodePath(http.path)
        if decodedPath == nil { problem = .badRequest("invalid path") }
        path = decodedPath ?? http.path
        var items: [String: [String]] = [:]
        if let q = http.query {
            do { items = try FormData.parse(q).fields } catch { problem = problem ?? error }
        }
        queryItems = items
        invalid = problem
    }

    /// First value of query parameter `name`.
    public func query(_ name: String) -> String? { queryItems[name]?.first }

    /// Value of path parameter `name` (`:slug` or `*path`).
    public func parameter(_ name: String) -> String? { pathParameters[name] }

    /// The decoded form body. Only `application/x-www-form-urlencoded` (415 otherwise);
    /// malformed escapes or more than 1000 fields are a 400. Parsed once and cached.
    public func form() throws(WebError) -> FormData {
        if let cachedForm { return cachedForm }
        guard let type = mediaType, type == "application/x-www-form-urlencoded" else {
            throw .unsupportedMediaType
        }
        guard let text = String(validating: http.body, as: UTF8.self) else {
            throw .badRequest("form body is not UTF-8")
        }
        let parsed = try FormData.parse(text)
        cachedForm = parsed
        return parsed
    }

    /// Decodes a JSON body: 415 unless the type is `application/json` or `…+json`, 400 if it does not decode.
    public func json<T: Decodable>(_ type: T.Type = T.self) throws(WebError) -> T {
        guard let media = mediaType, media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json")) else {
            throw .unsupportedMediaType
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(http.body))
        } catch {
            throw .badRequest("invalid JSON body")
        }
    }

    /// The `Content-Type` without parameters, lower-cased.
    public var mediaType: String? {
        guard let ct = http.headers["Content-Type"] else { return nil }
        let media = ct.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first?.trimmingOWS() ?? ""
        return media.isEmpty ? nil : media.lowercased()
    }

    /// The path plus query as sent, for "come back here" links.
    public var rawTarget: String { rawQuery.map { rawPath + "?" + $0 } ?? rawPath }

    /// True when the client wants JSON rather than a page: paths under `/api/`, or an
    /// `Accept` that ranks `application/json` above `text/html`.
    public var prefersJSON: Bool {
        if rawPath.hasPrefix("/api/") { return true }
        guard let accept = http.headers["Accept"] else { return false }
        var json = 0.0, html = 0.0
        for item in accept.split(separator: ",") {
            let parts = item.split(separator: ";")
            guard let media = parts.first?.trimmingOWS().lowercased() else { continue }
            var q = 1.0
            for p in parts.dropFirst() {
                let kv = p.trimmingOWS()
                if kv.hasPrefix("q="), let v = Double(kv.dropFirst(2)), v >= 0, v <= 1 { q = v }
            }
            if media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json")) {
                json = max(json, q)
            } else if media == "text/html" {
                html = max(html, q)
            }
        }
        return json > 0 && json > html
    }

    /// Localized message for this request's language.
    public func t(_ key: String, _ arguments: [String: String] = [:]) -> String {
        arguments.isEmpty ? context.messages.text(key, locale) : context.messages.text(key, locale, arguments)
    }

    static func decodePath(_ raw: String) -> String? {
        let bytes = raw.utf8
        guard bytes.first == UInt8(ascii: "/") else { return nil }
        // One pass over the bytes (this runs for every request): an encoded slash or backslash
        // would change which segments the router sees.
        var sawPercent = false
        var previous: (UInt8, UInt8) = (0, 0)
        for b in bytes {
            if previous.0 == UInt8(ascii: "%") {
                sawPercent = true
                let lower = b | 0x20
                if (previous.1 == UInt8(ascii: "2") && lower == UInt8(ascii: "f"))
                    || (previous.1 == UInt8(ascii: "5") && lower == UInt8(ascii: "c")) {
                    return nil
                }
            }
            previous = (previous.1, b)
        }
        let decoded: String
        if sawPercent || bytes.contains(UInt8(ascii: "%")) {
            guard let d = PercentEncoding.decode(raw, plusAsSpace: false) else { return nil }
            decoded = d
        } else {
            decoded = raw
        }
        // No control bytes, and no `.` or `..` segments.
        var segmentStart = true
        var dots = 0
        for b in decoded.utf8 {
            if b < 0x20 || b == 0x7F { return nil }
            if b == UInt8(ascii: "/") {
                if segmentStart && dots > 0 { return nil }
                segmentStart = true
                dots = 0
            } else if segmentStart && b == UInt8(ascii: ".") && dots < 2 {
                dots += 1
            } else {
                segmentStart = false
                dots = 0
            }
        }
        if segmentStart && dots > 0 { return nil }
        return decoded
    }
}
