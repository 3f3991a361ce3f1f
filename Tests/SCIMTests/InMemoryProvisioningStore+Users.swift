import SCIM
import Store

/// Provisioned users in memory: an account (`User`) and the source's resource for it.
extension InMemoryProvisioningStore {
    func createUser(_ fields: ProvisionedUserFields, in source: ProvisioningSource,
                    audit: ProvisioningAudit) throws(StoreError) -> ProvisionedUser {
        try transaction { (state: inout State) throws(StoreError) -> ProvisionedUser in
            let id = State.newID()
            try state.checkIdentifiers(username: fields.username, email: fields.email, of: id)
            try state.checkExternalID(fields.externalID, of: id, in: source.id)
            let now = state.tick()
            state.accounts[id] = User(id: UserID(id), username: fields.username, email: fields.email, name: fields.name,
                                      isActive: fields.isActive, isSuperuser: false, attributes: Self.attributes("{}", fields),
                                      passwordHash: nil, passwordChangedAt: nil, createdAt: now, updatedAt: now, lastLoginAt: nil,
                                      deactivatedAt: fields.isActive ? nil : now)
            state.resources.append(Resource(source: source.id, user: id, group: nil, externalID: fields.externalID,
                                            document: fields.document, createdAt: now, updatedAt: now))
            state.append(audit, source: source.slug, user: id)
            return try Self.user(id, source, state)
        }
    }

    func user(_ id: UserID, in source: ProvisioningSource) throws(StoreError) -> ProvisionedUser? {
        guard let id = State.uuid(id.rawValue) else { return nil }
        return read { state in try? Self.user(id, source, state) }
    }

    func users(in source: ProvisioningSource, narrowedBy key: ProvisioningKey?) throws(StoreError) -> [ProvisionedUser] {
        read { state in
            Self.users(source, state).filter { user in
                guard let key else { return true }
                switch key {
                case .username(let value): return user.username.lowercased() == value.lowercased()
                case .externalID(let value): return user.externalID == value
                case .name(let value): return state.accounts[user.id.rawValue]?.name.lowercased() == value.lowercased()
                case .email(let value):
                    let emails = JSONValue.parse(Array(user.document.text.utf8))?.member("emails")?.arrayValue ?? []
                    return emails.contains { $0.member("value")?.stringValue?.lowercased() == value.lowercased() }
                }
            }
        }
    }

    func users(in source: ProvisioningSource, offset: Int, limit: Int) throws(StoreError) -> (total: Int, page: [ProvisionedUser]) {
        read { state in
            let all = Self.users(source, state)
            return (all.count, Array(all.dropFirst(max(0, offset)).prefix(max(0, limit))))
        }
    }

    func groups(ofUsers users: [UserID], in source: ProvisioningSource) throws(StoreError) -> [UserID: [ProvisionedGroupLink]] {
        read { state in
            var links: [UserID: [ProvisionedGroupLink]] = [:]
            for user in Set(users.compactMap { State.uuid($0.rawValue) }) {
                let groups = state.memberships.filter { $0[0] == user }.compactMap { pair -> ProvisionedGroupLink? in
                    guard state.resourceIndex(group: pair[1], source: source.id) != nil, let row = state.groups[pair[1]] else { return nil }
                    return ProvisionedGroupLink(id: GroupID(row.id), name: row.name)
                }
                if !groups.isEmpty { links[UserID(user)] = groups.sorted { $0.name < $1.name } }
            }
            return links
        }
    }

    func updateUser<Refusal: Error>(
        _ id: UserID, in source: ProvisioningSource,
        _ change: (ProvisionedUser) throws(Refusal) -> ProvisioningChange<ProvisionedUserFields>
    ) throws(ProvisioningFailure<Refusal>) -> ProvisionedUser {
        try transaction { (state: inout State) throws(ProvisioningFailure<Refusal>) -> ProvisionedUser in
            guard let id = State.uuid(id.rawValue), let current = try? Self.user(id, source, state),
                  let index = state.resourceIndex(user: id, source: source.id), var account = state.accounts[id] else {
                throw .store(.notFound("user"))
            }
            let next: ProvisioningChange<ProvisionedUserFields>
            do throws(Refusal) { next = try change(current) } catch { throw .refused(error) }
            let fields = next.fields
            do throws(StoreError) {
                try state.checkIdentifiers(username: fields.username, email: fields.email, of: id)
                try state.checkExternalID(fields.externalID, of: id, in: source.id)
            } catch {
                throw .store(error)
            }
            let now = state.tick()
            account.username = fields.username
            account.email = fields.email
            account.name = fields.name
            account.updatedAt = now
            account.attributes = Self.attributes(account.attributes.text, fields)
            state.accounts[id] = account
            if current.isActive && !fields.isActive {
                state.deactivate(id, at: now)
            } else if !current.isActive && fields.isActive {
                state.accounts[id]?.isActive = true
                state.accounts[id]?.deactivatedAt = nil
            }
            state.resources[index].document = fields.document
            state.resources[index].externalID = fields.externalID
            state.resources[index].updatedAt = now
            state.append(next.audit, source: source.slug, user: id)
            return try! Self.user(id, source, state)
        }
    }

    func deleteUser(_ id: UserID, in source: ProvisioningSource, audit: (ProvisionedUser) -> ProvisioningAudit) throws(StoreError) {
        try transaction { (state: inout State) throws(StoreError) in
            guard let id = State.uuid(id.rawValue), let current = try? Self.user(id, source, state),
                  let index = state.resourceIndex(user: id, source: source.id) else { throw .notFound("user") }
            let now = state.tick()
            if source.purgeOnDelete {
                state.accounts[id] = nil
                state.resources.removeAll { $0.user == id }
                state.liveSessions[id] = nil
                state.liveTokens[id] = nil
            } else {
                state.deactivate(id, at: now)
                state.accounts[id]?.username += "~deleted~" + id
                state.accounts[id]?.email = nil
                state.resources[index].deleted = true
            }
            state.memberships = state.memberships.filter { $0[0] != id }
            state.append(audit(current), source: source.slug, user: id)
        }
    }

    func user(externalID: String, provisionedBy slug: String) throws(StoreError) -> UserID? {
        read { state in
            let sourceID = state.sources[slug]?.source.id
            return state.resources.first {
                $0.user != nil && !$0.deleted && $0.externalID == externalID && $0.source == sourceID
            }?.user.map(UserID.init)
        }
    }

    // MARK: - rows

    static func user(_ id: String, _ source: ProvisioningSource, _ state: State) throws(StoreError) -> ProvisionedUser {
        guard let index = state.resourceIndex(user: id, source: source.id), let account = state.accounts[id] else {
            throw .notFound("user")
        }
        let resource = state.resources[index]
        return ProvisionedUser(id: account.id, username: account.username, isActive: account.isActive,
                               externalID: resource.externalID, document: resource.document, createdAt: resource.createdAt,
                               updatedAt: max(resource.updatedAt, account.updatedAt))
    }

    static func users(_ source: ProvisioningSource, _ state: State) -> [ProvisionedUser] {
        state.resources.filter { $0.source == source.id && !$0.deleted }.compactMap(\.user).compactMap { try? user($0, source, state) }
    }

    /// `attributes` with `given_name` / `family_name` replaced by the fields' (absent when nil).
    static func attributes(_ attributes: String, _ fields: ProvisionedUserFields) -> JSONText {
        var object = JSONValue.parse(Array(attributes.utf8))?.objectValue ?? [:]
        for key in ProvisionedUserFields.profileKeys { object[key] = fields.profile[key].map(JSONValue.string) }
        return JSONText(JSONValue.object(object).text)
    }
}

extension InMemoryProvisioningStore.State {
    /// The account inactive, its sessions ended and its tokens revoked.
    mutating func deactivate(_ id: String, at now: Timestamp) {
        guard var account = accounts[id] else { return }
        account.isActive = false
        account.deactivatedAt = account.deactivatedAt ?? now
        account.updatedAt = now
        accounts[id] = account
        liveSessions[id] = 0
        liveTokens[id] = 0
    }
}
