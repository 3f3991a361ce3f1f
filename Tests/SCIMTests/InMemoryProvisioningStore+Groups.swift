import Store

/// Provisioned groups in memory: a group row and the source's resource for it; member users
/// are memberships, member groups are children.
extension InMemoryProvisioningStore {
    func createGroup(_ fields: ProvisionedGroupFields, in source: ProvisioningSource,
                     audit: ProvisioningAudit) throws(StoreError) -> ProvisionedGroup {
        try transaction { (state: inout State) throws(StoreError) -> ProvisionedGroup in
            let id = State.newID()
            try state.checkGroupName(fields.name, of: id)
            let now = state.tick()
            state.groups[id] = GroupRow(id: id, name: fields.name, parent: nil, createdAt: now, updatedAt: now)
            state.resources.append(Resource(source: source.id, user: nil, group: id, externalID: fields.externalID,
                                            document: fields.document, createdAt: now, updatedAt: now))
            try state.setMembers(of: id, to: fields.members, source: source.id)
            state.append(audit, source: source.slug, group: id)
            return try Self.group(id, source, state)
        }
    }

    func group(_ id: GroupID, in source: ProvisioningSource) throws(StoreError) -> ProvisionedGroup? {
        guard let id = State.uuid(id.rawValue) else { return nil }
        return read { state in try? Self.group(id, source, state) }
    }

    func groups(in source: ProvisioningSource, narrowedBy key: ProvisioningKey?) throws(StoreError) -> [ProvisionedGroup] {
        read { state in
            state.resources.filter { $0.source == source.id && !$0.deleted }.compactMap(\.group)
                .compactMap { try? Self.group($0, source, state) }
                .filter { group in
                    switch key {
                    case .name(let value)?: group.name.lowercased() == value.lowercased()
                    case .externalID(let value)?: group.externalID == value
                    case .username?, .email?, nil: true
                    }
                }
        }
    }

    func members(of group: GroupID, in source: ProvisioningSource) throws(StoreError) -> [ProvisionedMember] {
        guard let id = State.uuid(group.rawValue) else { return [] }
        return read { $0.members(of: id, source: source.id) }
    }

    func updateGroup<Refusal: Error>(
        _ id: GroupID, in source: ProvisioningSource,
        _ change: (ProvisionedGroup, [ProvisionedMember]) throws(Refusal) -> ProvisioningChange<ProvisionedGroupFields>
    ) throws(ProvisioningFailure<Refusal>) -> ProvisionedGroup {
        try transaction { (state: inout State) throws(ProvisioningFailure<Refusal>) -> ProvisionedGroup in
            guard let id = State.uuid(id.rawValue), let current = try? Self.group(id, source, state),
                  let index = state.resourceIndex(group: id, source: source.id) else { throw .store(.notFound("group")) }
            let next: ProvisioningChange<ProvisionedGroupFields>
            do throws(Refusal) { next = try change(current, state.members(of: id, source: source.id)) } catch { throw .refused(error) }
            do throws(StoreError) {
                if next.fields.name.lowercased() != current.name.lowercased() { try state.checkGroupName(next.fields.name, of: id) }
                let now = state.tick()
                state.groups[id]?.name = next.fields.name
                state.groups[id]?.updatedAt = now
                state.resources[index].document = next.fields.document
                state.resources[index].externalID = next.fields.externalID
                state.resources[index].updatedAt = now
                try state.setMembers(of: id, to: next.fields.members, source: source.id)
            } catch {
                throw .store(error)
            }
            state.append(next.audit, source: source.slug, group: id)
            return try! Self.group(id, source, state)
        }
    }

    func deleteGroup(_ id: GroupID, in source: ProvisioningSource, audit: ProvisioningAudit) throws(StoreError) {
        try transaction { (state: inout State) throws(StoreError) in
            guard let id = State.uuid(id.rawValue), state.resourceIndex(group: id, source: source.id) != nil else {
                throw .notFound("group")
            }
            state.groups[id] = nil
            for child in state.groups.values where child.parent == id { state.groups[child.id]?.parent = nil }
            state.memberships = state.memberships.filter { $0[1] != id }
            state.resources.removeAll { $0.group == id }
            state.append(audit, source: source.slug, group: id)
        }
    }

    static func group(_ id: String, _ source: ProvisioningSource, _ state: State) throws(StoreError) -> ProvisionedGroup {
        guard let index = state.resourceIndex(group: id, source: source.id), let row = state.groups[id] else {
            throw .notFound("group")
        }
        let resource = state.resources[index]
        return ProvisionedGroup(id: GroupID(id), name: row.name, externalID: resource.externalID, document: resource.document,
                                createdAt: resource.createdAt, updatedAt: max(resource.updatedAt, row.updatedAt))
    }
}

extension InMemoryProvisioningStore.State {
    /// The source's users in the group and its groups under it, by name.
    func members(of group: String, source: String) -> [ProvisionedMember] {
        let users = memberships.filter { $0[1] == group && resourceIndex(user: $0[0], source: source) != nil }
            .compactMap { pair in accounts[pair[0]].map { ProvisionedMember(id: pair[0], name: $0.username, kind: .user) } }
        let children = groups.values.filter { $0.parent == group && resourceIndex(group: $0.id, source: source) != nil }
            .map { ProvisionedMember(id: $0.id, name: $0.name, kind: .group) }
        return (users + children).sorted { $0.name < $1.name }
    }

    /// Makes the group's members exactly those of `wanted` that are the source's (as PostgreSQL does).
    mutating func setMembers(of group: String, to wanted: Set<String>, source: String) throws(StoreError) {
        let ids = Set(wanted.compactMap(Self.uuid))
        let users = Set(resources.filter { $0.source == source && !$0.deleted }.compactMap(\.user)).intersection(ids)
        let children = Set(resources.filter { $0.source == source && !$0.deleted }.compactMap(\.group)).intersection(ids)
            .subtracting([group])
        let current = Set(memberships.filter { $0[1] == group && owns(source, user: $0[0]) }.map { $0[0] })
        for user in current.subtracting(users) { memberships.remove([user, group]) }
        for user in users.subtracting(current) { memberships.insert([user, group]) }
        let now = tick()
        for row in groups.values where row.parent == group && !children.contains(row.id) && owns(source, group: row.id) {
            groups[row.id]?.parent = nil
            groups[row.id]?.updatedAt = now
        }
        for child in children {
            var ancestor: String? = group
            var seen: Set<String> = []
            while let id = ancestor, seen.insert(id).inserted {
                if id == child { throw .invalid("group \(child) cannot be a member of its own member") }
                ancestor = groups[id]?.parent
            }
            if groups[child]?.parent != group {
                groups[child]?.parent = group
                groups[child]?.updatedAt = now
            }
        }
    }
}
