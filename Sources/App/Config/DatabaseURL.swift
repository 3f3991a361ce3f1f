/// A libpq connection URI: `postgresql://[user[:password]@][host][:port][/dbname][?param=value&…]`.
///
/// Gatehouse hands the string to libpq unchanged; it only checks the scheme and knows where the
/// password is so that it can be masked.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// The full URI including any password (for libpq only; never log it).
    public let unredactedURL: String

    public init(validating text: String) throws(ValueProblem) {
        guard text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") else {
            throw ValueProblem("must start with postgresql:// (got \(shownScheme(text)))")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 }) else {
            throw ValueProblem("must not contain spaces or control characters (percent-encode them)")
        }
        unredactedURL = text
    }

    /// The URI with the password (in user-info or a `password=` parameter) replaced by `****`.
    public var description: String { Self.mask(unredactedURL) }

    static func mask(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "****" }
        var head = String(url[..<schemeEnd.upperBound])
        var rest = Substring(url[schemeEnd.upperBound...])
        // The user-info ends at the last "@" before the query, so an unencoded "/" in a password
        // cannot move it into the path and out of the mask.
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        if let at = rest[..<queryStart].lastIndex(of: "@") {
            let userInfo = rest[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                head += userInfo[..<colon] + ":****@"
            } else {
                head += userInfo + "@"
            }
            rest = rest[rest.index(after: at)...]
        }
        var result = head
        if let question = rest.firstIndex(of: "?") {
            result += rest[..<question] + "?"
            let params = rest[rest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
            result += params.map { param -> String in
                let lower = param.lowercased()
                if lower.hasPrefix("password=") || lower.hasPrefix("sslpassword=") {
                    return param.split(separator: "=", maxSplits: 1)[0] + "=****"
                }
                return String(param)
            }.joined(separator: "&")
        } else {
            result += rest
        }
        return result
    }
}
