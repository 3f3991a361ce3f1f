import Crypto
import Store
import Web

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
