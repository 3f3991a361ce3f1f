import HTTP
import Web

/// A request's OAuth parameters (query for GET, form body for POST), read once.
/// RFC 6749 §3.1 and §3.2: "Request and response parameters MUST NOT be included more than
/// once" — a repeated parameter is an error, not "first one wins".
struct OAuthParameters: Sendable {
    private let values: [String: [String]]

    init(values: [String: [String]]) { self.values = values }

    static func query(_ request: Request) -> OAuthParameters { OAuthParameters(values: request.queryItems) }

    static func form(_ request: Request) throws(OAuthError) -> OAuthParameters {
        guard request.mediaType == "application/x-www-form-urlencoded" else {
            throw .invalidRequest("the body must be application/x-www-form-urlencoded")
        }
        do {
            return OAuthParameters(values: try request.form().fields)
        } catch {
            throw .invalidRequest("the form body could not be read")
        }
    }

    /// GET reads the query, POST the form body.
    static func of(_ request: Request) throws(OAuthError) -> OAuthParameters {
        request.method == .post ? try form(request) : query(request)
    }

    /// The single value of `name`; nil when absent or empty (RFC 6749 §3.1: "Parameters sent
    /// without a value MUST be treated as if they were omitted").
    func single(_ name: String) throws(OAuthError) -> String? {
        guard let list = values[name] else { return nil }
        guard list.count == 1 else { throw .invalidRequest("\(name) is given more than once") }
        // No OAuth parameter holds a control character (RFC 6749 Appendix A limits each to
        // printable characters); a NUL in a nonce or state would only reach the store.
        guard !list[0].unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .invalidRequest("\(name) contains a control character")
        }
        return list[0].isEmpty ? nil : list[0]
    }

    func required(_ name: String) throws(OAuthError) -> String {
        guard let value = try single(name) else { throw .invalidRequest("\(name) is required") }
        return value
    }

    func has(_ name: String) -> Bool { values[name] != nil }

    /// Every parameter as a query string (for the "come back after signing in" URL).
    func queryString(removing names: Set<String> = [], replacing replacements: [String: String?] = [:]) -> String {
        var parts: [String] = []
        for key in values.keys.sorted() where !names.contains(key) {
            var list = values[key] ?? []
            if let replacement = replacements[key] { list = replacement.map { [$0] } ?? [] }
            for value in list {
                parts.append(PercentEncoding.encode(key) + "=" + PercentEncoding.encode(value))
            }
        }
        return parts.joined(separator: "&")
    }

    var all: [String: [String]] { values }
}


/// Space-separated scope list, each scope once, in the order given (RFC 6749 §3.3).
func parseScopes(_ text: String?) throws(OAuthError) -> [String] {
    guard let text else { return [] }
    var seen = Set<String>(), out: [String] = []
    for part in text.split(separator: " ", omittingEmptySubsequences: true) {
        let scope = String(part)
        // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        guard scope.utf8.allSatisfy({ $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }) else {
            throw .invalidScope("scope contains a character RFC 6749 does not allow")
        }
        if seen.insert(scope).inserted { out.append(scope) }
    }
    return out
}
