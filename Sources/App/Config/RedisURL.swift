import HTTP
import Web
/// `redis://[[user]:password@]host[:port][/db]`. The password is percent-decoded.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// The URL with the password masked.
    public var description: String { render(maskPassword: true) }

    /// The URL including the password (for child processes and env files only; never log it).
    public var unredactedURL: String { render(maskPassword: false) }

    private func render(maskPassword: Bool) -> String {
        var out = "redis://"
        if username != nil || password != nil {
            out += (username.map(percentEncodeUserInfo) ?? "")
            if let password { out += ":" + (maskPassword ? "****" : percentEncodeUserInfo(password)) }
            out += "@"
        }
        out += host.contains(":") ? "[\(host)]" : host
        out += ":\(port)/\(database)"
        return out
    }

    public static func parse(_ text: String) throws(ValueProblem) -> RedisURL {
        guard text.hasPrefix("redis://") else {
            if text.hasPrefix("rediss://") {
                throw ValueProblem("TLS connections to Redis (rediss://) are not supported; use redis://")
            }
            throw ValueProblem("must start with redis:// (got \(shownScheme(text)))")
        }
        var rest = text.dropFirst("redis://".count)
        var username: String?
        var password: String?
        // The user-info ends at the last "@", so a password with an unencoded "/" or ":" is never
        // mistaken for the host, port or database (and so never shown in an error).
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                let user = String(userInfo[..<colon])
                username = user.isEmpty ? nil : try decode(user, what: "user name")
                password = try decode(String(userInfo[userInfo.index(after: colon)...]), what: "password")
            } else {
                // `redis://secret@host` — a bare user-info is the password, as with Redis before ACLs.
                password = try decode(String(userInfo), what: "password")
            }
            if password == "" { password = nil }
        }
        if rest.contains("?") || rest.contains("#") {
            throw ValueProblem("query parameters are not supported; use redis://[:password@]host[:port][/db]")
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]
        var host: String
        var port = 6379
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw ValueProblem("missing \"]\" after IPv6 host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            guard IPAddress(host).map({ !$0.isIPv4 }) == true else {
                throw ValueProblem("invalid IPv6 host \(shown(host))")
            }
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ValueProblem("expected :port after IPv6 host") }
                port = Int(try parsePort(after.dropFirst(), context: String(authority)))
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                port = Int(try parsePort(authority[authority.index(after: colon)...], context: String(authority)))
            } else {
                host = String(authority)
            }
            guard !host.isEmpty else { throw ValueProblem("missing host; expected redis://host[:port][/db]") }
            guard isValidHostName(host) || IPAddress(host)?.isIPv4 == true else {
                throw ValueProblem("invalid host \(shown(host))")
            }
        }
        var database = 0
        let dbText = path.dropFirst()
        if !dbText.isEmpty {
            guard dbText.count <= 5, dbText.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(dbText) else {
                throw ValueProblem("database must be a number like /0 (got \(shown(String(path))))")
            }
            database = value
        }
        return RedisURL(host: host, port: port, username: username, password: password, database: database)
    }

    private static func decode(_ text: String, what: String) throws(ValueProblem) -> String {
        guard let decoded = PercentEncoding.decode(text, plusAsSpace: false) else {
            throw ValueProblem("invalid percent-encoding in the \(what)")
        }
        return decoded
    }
}

func percentEncodeUserInfo(_ text: String) -> String { PercentEncoding.encode(text) }
