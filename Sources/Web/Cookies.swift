import HTTP
/// Cookie parsing (RFC 6265 §5.4 `Cookie`) and `Set-Cookie` building (§4.1).
public enum Cookies {
    /// Parses every `Cookie` header. Malformed pairs are skipped; for a repeated name the
    /// first one wins (browsers send the most specific path first).
    public static func parse(_ headerValues: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for header in headerValues {
            for part in header.split(separator: ";", omittingEmptySubsequences: true) {
                let pair = part.trimmingOWS()
                guard let eq = pair.firstIndex(of: "=") else { continue }
                let name = pair[..<eq].trimmingOWS()
                var value = pair[pair.index(after: eq)...].trimmingOWS()
                guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { continue }
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = value.dropFirst().dropLast()
                }
                guard value.utf8.allSatisfy(isCookieOctet) else { continue }
                if result[String(name)] == nil { result[String(name)] = String(value) }
            }
        }
        return result
    }

    /// RFC 9110 token characters.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }

    /// RFC 6265 cookie-octet: visible ASCII except `"` `,` `;` `\`.
    static func isCookieOctet(_ b: UInt8) -> Bool {
        b == 0x21 || (0x23...0x2B).contains(b) || (0x2D...0x3A).contains(b) ||
            (0x3C...0x5B).contains(b) || (0x5D...0x7E).contains(b)
    }
}

/// A cookie to set on the response.
public struct SetCookie: Sendable, Equatable {
    public enum SameSite: String, Sendable { case strict = "Strict", lax = "Lax", none = "None" }

    public var name: String
    public var value: String
    public var maxAge: Int?
    public var path: String
    public var domain: String?
    public var httpOnly: Bool
    /// nil: `Secure` exactly when the request arrived over https.
    public var secure: Bool?
    public var sameSite: SameSite

    public init(name: String, value: String, maxAge: Int? = nil, path: String = "/", domain: String? = nil,
                httpOnly: Bool = true, secure: Bool? = nil, sameSite: SameSite = .lax) {
        self.name = name
        self.value = value
        self.maxAge = maxAge
        self.path = path
        self.domain = domain
        self.httpOnly = httpOnly
        self.secure = secure
        self.sameSite = sameSite
    }

    /// A cookie that makes the browser forget `name`.
    public static func deletion(name: String, path: String = "/") -> SetCookie {
        SetCookie(name: name, value: "", maxAge: 0, path: path)
    }

    /// The `Set-Cookie` field value, or nil if the name is not a valid token. Value bytes
    /// outside cookie-octet are percent-encoded so nothing can break out of the field.
    public func headerValue(requestIsHTTPS: Bool) -> String? {
        guard !name.isEmpty, name.utf8.allSatisfy(Cookies.isTokenByte) else { return nil }
        var v = ""
        for b in value.utf8 {
            if Cookies.isCookieOctet(b) && b != UInt8(ascii: "%") {
                v.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                v += PercentEncoding.escape(b)
            }
        }
        var parts = ["\(name)=\(v)"]
        if let maxAge { parts.append("Max-Age=\(max(0, maxAge))") }
        if let domain, domain.utf8.allSatisfy(Cookies.isTokenByte) { parts.append("Domain=\(domain)") }
        if path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ";") }) { parts.append("Path=\(path)") }
        // SameSite=None without Secure is rejected by browsers.
        if secure ?? requestIsHTTPS || sameSite == .none { parts.append("Secure") }
        if httpOnly { parts.append("HttpOnly") }
        parts.append("SameSite=\(sameSite.rawValue)")
        return parts.joined(separator: "; ")
    }
}
