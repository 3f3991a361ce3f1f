#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed `http://` or `https://` URL, as much as the outbound client needs: scheme, host,
/// port and the request target. Strict: ASCII only (percent-encode the rest), no userinfo,
/// no empty host; the fragment is dropped.
public struct HTTPClientURL: Sendable, Equatable, CustomStringConvertible {
    public enum Scheme: String, Sendable {
        case http, https
        public var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public let scheme: Scheme
    /// Lowercased host name or IP address; an IPv6 address without brackets.
    public let host: String
    public let port: Int
    /// The origin-form request target: path (at least `/`) and `?query` if any.
    public let target: String

    public init(_ string: String) throws(HTTPClientError) {
        guard string.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidURL("URL must be printable ASCII without spaces")
        }
        let s = Substring(string)
        guard let colon = s.firstIndex(of: ":"), s[colon...].hasPrefix("://") else {
            throw .invalidURL("missing scheme")
        }
        switch s[..<colon].lowercased() {
        case "http": scheme = .http
        case "https": scheme = .https
        default: throw .invalidURL("unsupported scheme")
        }
        let rest = s[s.index(colon, offsetBy: 3)...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else { throw .invalidURL("user information is not allowed in URLs") }

        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL("unterminated IPv6 address") }
            let literal = String(authority[authority.index(after: authority.startIndex)..<close])
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, literal, &v6) == 1 else { throw .invalidURL("invalid IPv6 address") }
            host = literal.lowercased()
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw .invalidURL("junk after IPv6 address") }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw .invalidURL("invalid host") }
            let name = parts[0].lowercased()
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPClientURL.isHostByte),
                  !name.hasPrefix("."), !name.hasPrefix("-") else {
                throw .invalidURL("invalid host")
            }
            // Numeric forms getaddrinfo would accept loosely ("127.1", "0x7f.1") must be dotted quads.
            let lastLabel = name.split(separator: ".").last ?? ""
            if let f = lastLabel.first, f.isNumber {
                var v4 = in_addr()
                guard inet_pton(AF_INET, name, &v4) == 1 else { throw .invalidURL("invalid IPv4 address") }
            }
            host = name
            if parts.count == 2 { portText = parts[1] }
        }
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let p = Int(portText), (1...65535).contains(p) else {
                throw .invalidURL("invalid port")
            }
            port = p
        } else {
            port = scheme.defaultPort
        }

        var path = rest[authorityEnd...]
        if let hash = path.firstIndex(of: "#") { path = path[..<hash] }
        if path.isEmpty {
            target = "/"
        } else if path.first == "?" {
            target = "/" + path
        } else {
            target = String(path)
        }
    }

    /// True when `host` is an IP literal rather than a DNS name.
    public var hostIsIPAddress: Bool { TLSSession.isIPLiteral(host) }

    /// The Host field value: host (IPv6 in brackets) and the port unless it is the default.
    public var authority: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? h : "\(h):\(port)"
    }

    public var description: String { "\(scheme.rawValue)://\(authority)\(target)" }

    /// Same scheme, host and port.
    public func sameOrigin(_ other: HTTPClientURL) -> Bool {
        scheme == other.scheme && host == other.host && port == other.port
    }

    /// Resolves a Location reference against this URL: absolute, scheme-relative (`//host/x`),
    /// absolute path, query-only, or a path relative to this URL's directory.
    public func resolving(_ reference: String) throws(HTTPClientError) -> HTTPClientURL {
        let ref = Substring(reference)
        if let colon = ref.firstIndex(of: ":"), ref[colon...].hasPrefix("://"),
           !ref[..<colon].contains(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            return try HTTPClientURL(reference)
        }
        let origin = "\(scheme.rawValue)://\(authority)"
        if ref.hasPrefix("//") { return try HTTPClientURL("\(scheme.rawValue):\(ref)") }
        if ref.hasPrefix("/") { return try HTTPClientURL(origin + ref) }
        let path = target.prefix { $0 != "?" }
        if ref.hasPrefix("?") { return try HTTPClientURL(origin + path + ref) }
        if ref.isEmpty || ref.hasPrefix("#") { return try HTTPClientURL(origin + target) }
        let directory = path[...(path.lastIndex(of: "/") ?? path.startIndex)]
        return try HTTPClientURL(origin + directory + ref)
    }

    private static func isHostByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x5F
    }
}
