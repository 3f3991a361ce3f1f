import Identity
import Store
import Synchronization

// Small in-memory fakes of the Store protocols: just enough behaviour for the flow
// executor, following the contracts in Sources/Store/Stores.swift.

final class FakeUserStore: UserStore {
    private let users = Mutex<[User]>([])
    private let counter = Mutex(0)

    func createUser(_ new: NewUser) throws(StoreError) -> User {
        let n = counter.withLock { $0 += 1; return $0 }
        let now = Timestamp(secondsSince1970: 1_700_000_000)
        let user = User(id: UserID("00000000-0000-0000-0000-\(String(repeating: "0", count: 12 - String(n).count))\(n)"),
                        username: new.username, email: new.email, name: new.name, isActive: new.isActive,
                        isSuperuser: new.isSuperuser, attributes: new.attributes, passwordHash: new.passwordHash,
                        passwordChangedAt: nil, createdAt: now, updatedAt: now, lastLoginAt: nil, deactivatedAt: nil)
        let taken = users.withLock { list in
            if list.contains(where: { $0.username.lowercased() == new.username.lowercased() }) { return true }
            list.append(user)
            return false
        }
        if taken { throw .conflict(field: "username") }
        return user
    }

    func user(id: UserID) throws(StoreError) -> User? { users.withLock { $0.first { $0.id == id } } }

    func user(username: String) throws(StoreError) -> User? {
        users.withLock { $0.first { $0.username.lowercased() == username.lowercased() } }
    }

    func users(email: String) throws(StoreError) -> [User] {
        users.withLock { $0.filter { $0.email?.lowercased() == email.lowercased() } }
    }

    func updateUser(_ user: User) throws(StoreError) -> User {
        try mutate(user.id) { stored in
            stored.username = user.username
            stored.email = user.email
            stored.name = user.name
            stored.isSuperuser = user.isSuperuser
            stored.attributes = user.attributes
        }
    }

    func setPassword(userID: UserID, hash: String?, at: Timestamp) throws(StoreError) {
        _ = try mutate(userID) { $0.passwordHash = hash; $0.passwordChangedAt = at }
    }

    func recordLogin(userID: UserID, at: Timestamp) throws(StoreError) {
        _ = try mutate(userID) { $0.lastLoginAt = at }
    }

    func deactivateUser(_ id: UserID, at: Timestamp) throws(StoreError) {
        _ = try mutate(id) { $0.isActive = false; $0.deactivatedAt = at }
    }

    func activateUser(_ id: UserID) throws(StoreError) {
        _ = try mutate(id) { $0.isActive = true; $0.deactivatedAt = nil }
    }

    /// Group names per user (tests set them); ancestors are whatever the test lists.
    let memberships = Mutex<[UserID: [String]]>([:])

    func groups(ofUser id: UserID) throws(StoreError) -> [Group] {
        let now = Timestamp(secondsSince1970: 1_700_000_000)
        return memberships.withLock { $0[id] ?? [] }.map {
            Group(id: GroupID("group-" + $0), name: $0, parentID: nil, isSuperuserGroup: false, attributes: .emptyObject,
                  createdAt: now, updatedAt: now)
        }
    }

    private func mutate(_ id: UserID, _ change: (inout User) -> Void) throws(StoreError) -> User {
        let result: User? = users.withLock { list in
            guard let i = list.firstIndex(where: { $0.id == id }) else { return nil }
            change(&list[i])
            return list[i]
        }
        guard let result else { throw .notFound("user") }
        return result
    }
}

final class FakeSessionStore: SessionStore {
    let users: FakeUserStore
    private let sessions = Mutex<[[UInt8]: Session]>([:])

    init(users: FakeUserStore) { self.users = users }

    var all: [Session] { sessions.withLock { Array($0.values) } }

    func createSession(_ session: Session) throws(StoreError) {
        if let id = session.userID, try users.user(id: id) == nil { throw .notFound("user") }
        let clash = sessions.withLock { table in
            if table[session.idHash] != nil { return true }
            table[session.idHash] = session
            return false
        }
        if clash { throw .conflict(field: "id_hash") }
    }

    func session(idHash: [UInt8], at now: Timestamp) throws(StoreError) -> Session? {
        guard let session = sessions.withLock({ $0[idHash] }), session.isAlive(at: now) else { return nil }
        if let id = session.userID, try users.user(id: id)?.isActive != true { return nil }
        return session
    }

    func touchSession(idHash: [UInt8], at now: Timestamp) throws(StoreError) {
        sessions.withLock { table in
            if let seen = table[idHash]?.lastSeenAt, seen < now { table[idHash]?.lastSeenAt = now }
        }
    }

    func setFlowState(idHash: [UInt8], _ state: JSONText?) throws(StoreError) {
        sessions.withLock { table in
            if table[idHash] != nil { table[idHash]?.flowState = state }
        }
    }

    func deleteSession(idHash: [UInt8]) throws(StoreError) {
        _ = sessions.withLock { $0.removeValue(forKey: idHash) }
    }

    func deleteSessions(ofUser user: UserID) throws(StoreError) -> Int {
        sessions.withLock { table in
            let doomed = table.filter { $0.value.userID == user }.keys
            for key in doomed { table.removeValue(forKey: key) }
            return doomed.count
        }
    }

    func deleteDeadSessions(at now: Timestamp) throws(StoreError) -> Int {
        sessions.withLock { table in
            let doomed = table.filter { !$0.value.isAlive(at: now) }.keys
            for key in doomed { table.removeValue(forKey: key) }
            return doomed.count
        }
    }
}

final class FakeEventStore: EventStore {
    private let events = Mutex<[AuditEvent]>([])

    func appendEvent(_ new: NewAuditEvent) throws(StoreError) -> AuditEvent {
        events.withLock { list in
            let event = AuditEvent(id: Int64(list.count + 1), createdAt: Timestamp.now(), actorUserID: new.actorUserID,
                                   action: new.action, clientIP: new.clientIP, outcome: new.outcome,
                                   context: new.context)
            list.append(event)
            return event
        }
    }

    func recentEvents(limit: Int) throws(StoreError) -> [AuditEvent] {
        events.withLock { Array($0.reversed().prefix(limit)) }
    }

    var all: [AuditEvent] { events.withLock { $0 } }
}
