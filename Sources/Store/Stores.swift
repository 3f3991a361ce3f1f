// Narrow store protocols, one per consumer. Every method is synchronous and may block (the
// PostgreSQL implementations run libpq calls); every failure is a `StoreError`.

/// Users: identification, password checks, profile edits, deactivation.
public protocol UserStore: Sendable {
    /// Throws `.conflict(field: "username")` when the username is taken (in any case).
    func createUser(_ user: NewUser) throws(StoreError) -> User
    func user(id: UserID) throws(StoreError) -> User?
    /// Case-insensitive: "Somchai" finds "somchai".
    func user(username: String) throws(StoreError) -> User?
    /// Case-insensitive; e-mail addresses are not unique, so all matches, oldest first.
    func users(email: String) throws(StoreError) -> [User]
    /// Writes username, email, name, isSuperuser and attributes (not the password, not
    /// isActive: see `setPassword`, `deactivateUser`) and returns the stored record.
    /// Throws `.notFound("user")`, `.conflict(field: "username")`.
    func updateUser(_ user: User) throws(StoreError) -> User
    /// Sets (or, with nil, removes) the password hash and `passwordChangedAt = at`.
    func setPassword(userID: UserID, hash: String?, at: Timestamp) throws(StoreError)
    func recordLogin(userID: UserID, at: Timestamp) throws(StoreError)
    /// Marks the user inactive, ends all their sessions and revokes every live OAuth code and
    /// refresh token of theirs, in one transaction.
    func deactivateUser(_ id: UserID, at: Timestamp) throws(StoreError)
    func activateUser(_ id: UserID) throws(StoreError)
    /// The user's groups: direct memberships and every ancestor of them, each once, by name.
    func groups(ofUser id: UserID) throws(StoreError) -> [Group]
}

/// Groups and memberships.
public protocol GroupStore: Sendable {
    /// Throws `.conflict(field: "name")`, `.notFound("parent group")`.
    func createGroup(_ group: NewGroup) throws(StoreError) -> Group
    func group(id: GroupID) throws(StoreError) -> Group?
    func group(name: String) throws(StoreError) -> Group?
    /// Writes name, parentID, isSuperuserGroup and attributes. A parent that would make a
    /// cycle throws `.invalid`; a missing group or parent `.notFound`.
    func updateGroup(_ group: Group) throws(StoreError) -> Group
    /// Adds a direct membership; adding one that exists does nothing.
    func addMember(_ user: UserID, to group: GroupID) throws(StoreError)
    func removeMember(_ user: UserID, from group: GroupID) throws(StoreError)
    /// Direct members only.
    func members(of group: GroupID) throws(StoreError) -> [UserID]
}

extension GroupStore {
    /// Moves `group` under `parent` (nil: to the top).
    public func setParent(of group: GroupID, to parent: GroupID?) throws(StoreError) {
        guard var record = try self.group(id: group) else { throw .notFound("group") }
        record.parentID = parent
        _ = try updateGroup(record)
    }
}

/// Server sessions, looked up by the hash of the cookie token.
public protocol SessionStore: Sendable {
    /// Throws `.conflict(field: "id_hash")` when the hash exists, `.notFound("user")`.
    /// Stores the session. A pre-login session (no user) is one of at most
    /// `SessionLimits.preLoginPerAddress` per client address: the oldest beyond that go, so
    /// anonymous requests cannot grow the table without bound.
    func createSession(_ session: Session) throws(StoreError)
    /// The session if it is alive at `now` (see `Session.isAlive`) and its user, if any, is
    /// active; otherwise nil.
    func session(idHash: [UInt8], at now: Timestamp) throws(StoreError) -> Session?
    /// Sets `lastSeenAt` to `now` (never backwards).
    func touchSession(idHash: [UInt8], at now: Timestamp) throws(StoreError)
    /// Replaces the session's flow state (the JSON of a running flow plan; nil clears it).
    /// A session that does not exist is not an error (it may just have ended).
    func setFlowState(idHash: [UInt8], _ state: JSONText?) throws(StoreError)
    func deleteSession(idHash: [UInt8]) throws(StoreError)
    /// Ends every session of the user; returns how many there were.
    @discardableResult
    func deleteSessions(ofUser user: UserID) throws(StoreError) -> Int
    /// Removes sessions no longer alive at `now`; returns how many.
    @discardableResult
    func deleteDeadSessions(at now: Timestamp) throws(StoreError) -> Int
}

/// The append-only audit trail.
public protocol EventStore: Sendable {
    /// Stores the event (the store sets `id` and `createdAt`) and returns it.
    @discardableResult
    func appendEvent(_ event: NewAuditEvent) throws(StoreError) -> AuditEvent
    /// Newest first, at most `limit`.
    func recentEvents(limit: Int) throws(StoreError) -> [AuditEvent]
}

/// Bounds every session store keeps.
public enum SessionLimits {
    /// Pre-login sessions (a flow or an upstream sign-in under way) kept per client address.
    public static let preLoginPerAddress = 100
}
