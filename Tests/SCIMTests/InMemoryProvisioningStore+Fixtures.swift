import ProvisioningStoreConformance
import Store

/// What tests arrange and observe beside the store's own calls.
extension InMemoryProvisioningStore: ProvisioningFixtures {
    func addSource(slug: String, tokenSHA256: [UInt8]?, purgeOnDelete: Bool, enabled: Bool) throws {
        transaction { state in
            state.sources[slug] = (ProvisioningSource(id: State.newID(), slug: slug, name: slug, purgeOnDelete: purgeOnDelete,
                                                      tokenSHA256: tokenSHA256), enabled)
        }
    }

    func addLocalAccount(username: String, email: String?) throws -> UserID {
        try transaction { (state: inout State) throws(StoreError) -> UserID in
            let id = State.newID()
            try state.checkIdentifiers(username: username, email: email, of: id)
            let now = state.tick()
            state.accounts[id] = User(id: UserID(id), username: username, email: email, name: "", isActive: true, isSuperuser: false,
                                      attributes: .emptyObject, passwordHash: nil, passwordChangedAt: nil, createdAt: now,
                                      updatedAt: now, lastLoginAt: nil, deactivatedAt: nil)
            return UserID(id)
        }
    }

    func addSessionAndToken(for user: UserID) throws {
        transaction { state in
            state.liveSessions[user.rawValue, default: 0] += 1
            state.liveTokens[user.rawValue, default: 0] += 1
        }
    }

    func liveSessionsAndTokens(of user: UserID) throws -> (sessions: Int, tokens: Int) {
        read { ($0.liveSessions[user.rawValue] ?? 0, $0.liveTokens[user.rawValue] ?? 0) }
    }

    func account(_ id: UserID) throws -> User? { read { $0.accounts[id.rawValue] } }

    func parent(of group: GroupID) throws -> GroupID? { read { $0.groups[group.rawValue]?.parent.map(GroupID.init) } }

    func auditTrail() throws -> [AuditEvent] { read(\.events) }
}
