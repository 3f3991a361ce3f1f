import Crypto
import Store
import Web

/// The session cookie: `gatehouse_session`, or `__Host-gatehouse_session` (Secure,
/// host-only, Path=/) when the external URL is https. HttpOnly, SameSite=Lax. Its value is
/// the random token; the store knows only SHA-256(token).
public enum SessionCookie {
    public static let name = "gatehouse_session"
    public static let secureName = "__Host-gatehouse_session"

    static func isSecure(_ request: Request) -> Bool { request.context.externalOrigin.hasPrefix("https:") }

    public static func name(for request: Request) -> String { isSecure(request) ? secureName : name }

    /// Sets `token`; `maxAge` nil makes a browser-session cookie (pre-login sessions).
    static func set(_ token: String, maxAge: Int?, for request: Request) -> SetCookie {
        SetCookie(name: name(for: request), value: token, maxAge: maxAge, path: "/", httpOnly: true,
                  secure: isSecure(request) ? true : nil, sameSite: .lax)
    }

    static func clear(for request: Request) -> SetCookie {
        SetCookie(name: name(for: request), value: "", maxAge: 0, path: "/", httpOnly: true,
                  secure: isSecure(request) ? true : nil, sameSite: .lax)
    }

    /// Tokens are 32 random bytes in base64url (43 characters); anything else is not looked up.
    static func isPlausible(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
        }
    }
}

/// The session a request's cookie names, and its user when it is signed in.
public struct CurrentSession: Sendable {
    public let session: Session
    /// nil for a pre-login session (one that only carries a flow plan).
    public let user: User?

    public var isSignedIn: Bool { user != nil }
}

/// Resolves the cookie to a session once per request (cached in `request.storage`).
/// A session of a deactivated user, or past its lifetimes, resolves to nil at once: the
/// store checks both on every lookup. `last_seen_at` is written at most once a minute.
public struct SessionResolver: Sendable {
    let users: any UserStore
    let sessions: any SessionStore
    /// Seconds between `touchSession` writes for one session.
    static let touchInterval: Int64 = 60

    struct Resolved { let value: CurrentSession? }
    enum Key: RequestStorageKey { typealias Value = Resolved }

    public func current(_ request: Request) throws -> CurrentSession? {
        if let cached = request.storage[Key.self] { return cached.value }
        let value = try lookUp(request)
        request.storage[Key.self] = Resolved(value: value)
        return value
    }

    /// Forgets the cached answer (after the request's session was replaced or ended).
    func forget(_ request: Request) { request.storage[Key.self] = nil }

    private func lookUp(_ request: Request) throws -> CurrentSession? {
        guard let token = request.cookies[SessionCookie.name(for: request)], SessionCookie.isPlausible(token) else {
            return nil
        }
        let now = Timestamp.now()
        let hash = Digest.sha256(token)
        guard let session = try sessions.session(idHash: hash, at: now) else { return nil }
        var user: User?
        if let id = session.userID {
            guard let found = try users.user(id: id), found.isActive else { return nil }
            user = found
        }
        if session.lastSeenAt.adding(seconds: Self.touchInterval) <= now {
            try sessions.touchSession(idHash: hash, at: now)
        }
        return CurrentSession(session: session, user: user)
    }
}
