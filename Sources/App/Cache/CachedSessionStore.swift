import Store

/// A `SessionStore` that answers lookups from Redis and keeps PostgreSQL (`base`) the store of
/// record. Drop-in for `PostgresSessionStore`: same protocol, same answers; Redis only changes
/// how fast they come. Redis being down, slow, flushed or restarted never produces an error
/// here: a lookup then reads `base`.
///
/// - Lookups: one Redis round trip (entry, the user's generation, the epoch); a valid entry is
///   returned without touching PostgreSQL. On a miss, `base` is read and the entry refilled
///   (`SET NX`, TTL min(`maxEntryAge`, the session's remaining life)); an outdated entry is
///   replaced by compare-and-set (keeping its TTL), a tombstone never. For a session with a
///   user, the user's generation is read after that and `base` read once more, so a
///   deactivation that commits during the fill cannot leave a valid stale entry behind.
/// - Writes go to `base` first; then the entry is replaced by a tombstone (`deleteSession`) or
///   the user's generation replaced (`deleteSessions(ofUser:)`).
/// - `touchSession` writes `last_seen_at` at most once per `touchInterval` per session
///   (min(`touchInterval`, idle timeout / 4) when the cached entry shows the idle timeout):
///   skipped when this node wrote it recently or the cached entry shows a recent one; after a
///   write the entry's `lastSeenAt` is updated in place (compare-and-set, so a tombstone is
///   never overwritten). While Redis is down the limit holds per node. `touchInterval` must
///   not exceed a quarter of the shortest idle timeout in use.
public struct CachedSessionStore: SessionStore {
    public let base: any SessionStore
    public let cache: SessionCache

    public init(base: any SessionStore, cache: SessionCache) {
        self.base = base
        self.cache = cache
    }

    public func createSession(_ session: Session) throws(StoreError) {
        try base.createSession(session)
        // Not cached here: the first lookup fills it (with the user's generation read in order).
        // A tombstone left by an earlier delete of the same hash would block that fill.
    }

    public func session(idHash: [UInt8], at now: Timestamp) throws(StoreError) -> Session? {
        let found = cache.lookup(idHash, at: now)
        if let session = found.session { return session }
        guard let session = try base.session(idHash: idHash, at: now) else { return nil }
        // Fill when the key is empty, or replace an outdated entry (compare-and-set on its exact
        // bytes); never a tombstone or unreadable bytes, which expire by themselves.
        guard let epoch = found.epoch, found.raw == nil || found.entry != nil else { return session }
        func store(_ session: Session, generation: String) {
            if let raw = found.raw {
                cache.compareAndSet(idHash, old: raw,
                                    new: Entry(session: session, userGeneration: generation, epoch: epoch, cachedAt: now))
            } else {
                cache.fill(session, generation: generation, epoch: epoch, at: now)
            }
        }
        guard let user = session.userID else {
            store(session, generation: "0")
            return session
        }
        guard let generation = cache.generation(of: user) else { return session }
        // Read again: a deactivation committed before this read is seen here; one committed after
        // it replaces the generation after we read it, which voids the entry we write.
        guard let confirmed = try base.session(idHash: idHash, at: now) else { return nil }
        store(confirmed, generation: generation)
        return confirmed
    }

    public func touchSession(idHash: [UInt8], at now: Timestamp) throws(StoreError) {
        if let notBefore = cache.touchNotBefore(idHash), now < notBefore { return }
        let found = cache.lookup(idHash, at: now)
        let valid = found.session != nil ? found.entry : nil
        let interval = valid.map { min(cache.touchInterval, Int64($0.session.idleTimeoutSeconds) / 4) } ?? cache.touchInterval
        if let entry = valid, interval > 0, now >= entry.session.lastSeenAt,
           now < entry.session.lastSeenAt.adding(seconds: interval) {
            cache.recordTouch(idHash, notBefore: entry.session.lastSeenAt.adding(seconds: interval))
            return
        }
        try base.touchSession(idHash: idHash, at: now)
        if interval > 0 { cache.recordTouch(idHash, notBefore: now.adding(seconds: interval)) }
        if let entry = valid, let raw = found.raw, now > entry.session.lastSeenAt {
            var updated = entry
            updated.session.lastSeenAt = now
            cache.compareAndSet(idHash, old: raw, new: updated)
        }
    }

    public func deleteSession(idHash: [UInt8]) throws(StoreError) {
        try base.deleteSession(idHash: idHash)
        cache.forgetTouch(idHash)
        cache.invalidateSession(idHash)
    }

    /// PostgreSQL first, then the cached copy is dropped (not tombstoned: the session lives on).
    public func setFlowState(idHash: [UInt8], _ state: JSONText?) throws(StoreError) {
        try base.setFlowState(idHash: idHash, state)
        cache.dropSession(idHash)
    }

    @discardableResult
    public func deleteSessions(ofUser user: UserID) throws(StoreError) -> Int {
        let count = try base.deleteSessions(ofUser: user)
        cache.invalidateUser(user)
        return count
    }

    /// Dead sessions are never served from the cache (every entry is checked alive), so only
    /// PostgreSQL needs cleaning.
    @discardableResult
    public func deleteDeadSessions(at now: Timestamp) throws(StoreError) -> Int {
        try base.deleteDeadSessions(at: now)
    }
}

/// A `UserStore` that tells the session cache when a user's sessions must end: after
/// `deactivateUser` succeeds in `base`, the user's generation in Redis is replaced, so every node's cached
/// sessions of that user are void at once. Every code path that deactivates users (routes,
/// `gatehouse users deactivate`, blueprints) must use this wrapper when Redis is configured;
/// one that does not is bounded only by `maxEntryAge`.
public struct CachedUserStore: UserStore {
    public let base: any UserStore
    public let cache: SessionCache

    public init(base: any UserStore, cache: SessionCache) {
        self.base = base
        self.cache = cache
    }

    public func createUser(_ user: NewUser) throws(StoreError) -> User { try base.createUser(user) }
    public func user(id: UserID) throws(StoreError) -> User? { try base.user(id: id) }
    public func user(username: String) throws(StoreError) -> User? { try base.user(username: username) }
    public func users(email: String) throws(StoreError) -> [User] { try base.users(email: email) }
    public func updateUser(_ user: User) throws(StoreError) -> User { try base.updateUser(user) }

    public func setPassword(userID: UserID, hash: String?, at: Timestamp) throws(StoreError) {
        try base.setPassword(userID: userID, hash: hash, at: at)
    }

    public func recordLogin(userID: UserID, at: Timestamp) throws(StoreError) { try base.recordLogin(userID: userID, at: at) }

    public func deactivateUser(_ id: UserID, at: Timestamp) throws(StoreError) {
        try base.deactivateUser(id, at: at)
        cache.invalidateUser(id)
    }

    public func activateUser(_ id: UserID) throws(StoreError) { try base.activateUser(id) }
    public func groups(ofUser id: UserID) throws(StoreError) -> [Group] { try base.groups(ofUser: id) }
}
