public import Store

/// Provisioned groups: a `groups` row and the source's `scim_resources` row for it; member
/// users are `group_memberships`, member groups are children (`groups.parent_id`).
extension PostgresProvisioningStore {
    static let groupSelect = """
        SELECT g.id::text AS id, g.name, r.external_id, r.resource::text AS resource,
               \(micros("r.created_at")), \(micros("greatest(r.updated_at, g.updated_at)", as: "updated_at"))
        FROM scim_resources r JOIN groups g ON g.id = r.group_id
        WHERE r.source_id = $1 AND r.deleted_at IS NULL
        """

    /// The condition (on `$2`) that narrows groups to a key's matches; nil for keys groups lack.
    static func groupCondition(_ key: ProvisioningKey) -> (sql: String, value: String)? {
        switch key {
        case .name(let value): ("lower(g.name) = lower($2)", value)
        case .externalID(let value): ("r.external_id = $2", value)
        case .username, .email: nil
        }
    }

    public func createGroup(_ fields: ProvisionedGroupFields, in source: ProvisioningSource,
                            audit: ProvisioningAudit) throws(StoreError) -> ProvisionedGroup {
        try runner.transaction(conflict: "name") { connection in
            guard let id = try connection.query("INSERT INTO groups (name) VALUES ($1) RETURNING id::text", [.text(fields.name)]).scalar else {
                throw StoreError.unavailable("the new group has no id")
            }
            try connection.query("INSERT INTO scim_resources (source_id, group_id, external_id, resource) VALUES ($1, $2, $3, $4)",
                                 [.uuid(source.id), .uuid(id), fields.externalID.map(PGValue.text), .jsonb(fields.document.text)])
            try Self.setMembers(of: id, to: fields.members, source, on: connection)
            try Self.append(audit, source: source.slug, group: id, on: connection)
            return try Self.group(id, source, on: connection)
        }
    }

    public func group(_ id: GroupID, in source: ProvisioningSource) throws(StoreError) -> ProvisionedGroup? {
        guard let id = Self.uuid(id.rawValue) else { return nil }
        let result = try runner.read { try $0.query(Self.groupSelect + " AND g.id = $2", [.uuid(source.id), .uuid(id)]) }
        return result.rows.isEmpty ? nil : try Self.group(result, 0)
    }

    public func groups(in source: ProvisioningSource, narrowedBy key: ProvisioningKey?) throws(StoreError) -> [ProvisionedGroup] {
        var sql = Self.groupSelect
        var params: [PGValue?] = [.uuid(source.id)]
        if let key, let condition = Self.groupCondition(key) {
            sql += " AND " + condition.sql
            params.append(.text(condition.value))
        }
        let result = try runner.read { try $0.query(sql + " ORDER BY r.created_at, g.id", params) }
        return try result.rows.indices.map { row throws(StoreError) in try Self.group(result, row) }
    }

    public func members(of group: GroupID, in source: ProvisioningSource) throws(StoreError) -> [ProvisionedMember] {
        guard let id = Self.uuid(group.rawValue) else { return [] }
        return try runner.read { try Self.members(of: id, source, on: $0) }
    }

    public func updateGroup<Refusal: Error>(
        _ id: GroupID, in source: ProvisioningSource,
        _ change: (ProvisionedGroup, [ProvisionedMember]) throws(Refusal) -> ProvisioningChange<ProvisionedGroupFields>
    ) throws(ProvisioningFailure<Refusal>) -> ProvisionedGroup {
        guard let id = Self.uuid(id.rawValue) else { throw .store(.notFound("group")) }
        return try update(conflict: "name") { (connection: PGConnection, refuse: (Refusal) -> StoreError) throws -> ProvisionedGroup in
            let locked = try connection.query(Self.groupSelect + " AND g.id = $2 FOR UPDATE OF r, g", [.uuid(source.id), .uuid(id)])
            guard !locked.rows.isEmpty else { throw StoreError.notFound("group") }
            let current = try Self.group(locked, 0)
            let members = try Self.members(of: id, source, on: connection)
            let next: ProvisioningChange<ProvisionedGroupFields>
            do throws(Refusal) { next = try change(current, members) } catch { throw refuse(error) }
            try connection.query("UPDATE groups SET name = $2, updated_at = now() WHERE id = $1", [.uuid(id), .text(next.fields.name)])
            try connection.query("UPDATE scim_resources SET resource = $2, external_id = $3, updated_at = now() WHERE group_id = $1",
                                 [.uuid(id), .jsonb(next.fields.document.text), next.fields.externalID.map(PGValue.text)])
            try Self.setMembers(of: id, to: next.fields.members, source, on: connection)
            try Self.append(next.audit, source: source.slug, group: id, on: connection)
            return try Self.group(id, source, on: connection)
        }
    }

    public func deleteGroup(_ id: GroupID, in source: ProvisioningSource, audit: ProvisioningAudit) throws(StoreError) {
        guard let id = Self.uuid(id.rawValue) else { throw .notFound("group") }
        try runner.transaction { connection in
            let found = try connection.query("SELECT 1 FROM scim_resources WHERE source_id = $1 AND group_id = $2 AND deleted_at IS NULL",
                                             [.uuid(source.id), .uuid(id)])
            guard !found.rows.isEmpty else { throw StoreError.notFound("group") }
            // A group an application admits by is not deleted under it (the application would
            // otherwise open to everyone): refused, with who uses it, until the binding goes.
            let users = try connection.query("""
                SELECT string_agg(a.slug, ', ' ORDER BY a.slug) FROM application_groups ag
                JOIN applications a ON a.id = ag.application_id WHERE ag.group_id = $1
                """, [.uuid(id)]).scalar
            if let users, !users.isEmpty {
                throw StoreError.invalid("the group decides who may use \(users); remove it from those applications first")
            }
            // Memberships and the scim_resources row go with it; children move to the top (ON DELETE SET NULL).
            try connection.query("DELETE FROM groups WHERE id = $1", [.uuid(id)])
            try Self.append(audit, source: source.slug, group: id, on: connection)
        }
    }

    // MARK: - members

    /// Makes the group's members exactly those of `wanted` that are the source's users and
    /// groups. Other ids are ignored, not refused: a client that adds a member before creating
    /// it must not fail the whole change. Memberships of accounts that are not the source's stay.
    static func setMembers(of group: String, to wanted: Set<String>, _ source: ProvisioningSource,
                           on connection: PGConnection) throws {
        let ids = Set(wanted.compactMap(uuid)).sorted()
        let sourceID = PGValue.uuid(source.id)
        let known = try connection.query("""
            SELECT user_id::text, group_id::text FROM scim_resources
            WHERE source_id = $1 AND deleted_at IS NULL AND (user_id = ANY($2::uuid[]) OR group_id = ANY($2::uuid[]))
            """, [sourceID, uuidArray(ids)])
        let users = Set(known.rows.compactMap { $0[0] }), groups = Set(known.rows.compactMap { $0[1] }).subtracting([group])
        let current = try connection.query("""
            SELECT m.user_id::text FROM group_memberships m JOIN scim_resources r ON r.user_id = m.user_id AND r.source_id = $2
            WHERE m.group_id = $1
            """, [.uuid(group), sourceID]).rows.compactMap { $0[0] }
        for user in Set(current).subtracting(users) {
            try connection.query("DELETE FROM group_memberships WHERE group_id = $1 AND user_id = $2", [.uuid(group), .uuid(user)])
        }
        for user in users.subtracting(current) {
            try connection.query("INSERT INTO group_memberships (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                 [.uuid(user), .uuid(group)])
        }
        // Nested groups: a member group becomes a child; one that would contain its own ancestor is refused.
        try connection.query("""
            UPDATE groups SET parent_id = NULL, updated_at = now() WHERE parent_id = $1 AND NOT (id = ANY($2::uuid[]))
              AND id IN (SELECT group_id FROM scim_resources WHERE source_id = $3 AND group_id IS NOT NULL)
            """, [.uuid(group), uuidArray(groups.sorted()), sourceID])
        for child in groups {
            let cycle = try connection.query("""
                WITH RECURSIVE up(id) AS (SELECT $1::uuid UNION SELECT g.parent_id FROM groups g JOIN up ON g.id = up.id WHERE g.parent_id IS NOT NULL)
                SELECT 1 FROM up WHERE id = $2
                """, [.uuid(group), .uuid(child)])
            if !cycle.rows.isEmpty { throw StoreError.invalid("group \(child) cannot be a member of its own member") }
            try connection.query("UPDATE groups SET parent_id = $1, updated_at = now() WHERE id = $2 AND parent_id IS DISTINCT FROM $1",
                                 [.uuid(group), .uuid(child)])
        }
    }

    /// The source's users in the group and the source's groups under it, by name.
    static func members(of group: String, _ source: ProvisioningSource, on connection: PGConnection) throws -> [ProvisionedMember] {
        let result = try connection.query("""
            SELECT u.id::text, u.username, 'user' FROM group_memberships m JOIN users u ON u.id = m.user_id
              JOIN scim_resources r ON r.user_id = u.id AND r.source_id = $2 AND r.deleted_at IS NULL WHERE m.group_id = $1
            UNION ALL
            SELECT g.id::text, g.name, 'group' FROM groups g
              JOIN scim_resources r ON r.group_id = g.id AND r.source_id = $2 AND r.deleted_at IS NULL WHERE g.parent_id = $1
            ORDER BY 2
            """, [.uuid(group), .uuid(source.id)])
        return result.rows.compactMap { row in
            guard let id = row[0], let name = row[1], let kind = row[2].flatMap(ProvisionedMember.Kind.init(rawValue:)) else { return nil }
            return ProvisionedMember(id: id, name: name, kind: kind)
        }
    }

    // MARK: - rows

    static func group(_ id: String, _ source: ProvisioningSource, on connection: PGConnection) throws -> ProvisionedGroup {
        let result = try connection.query(groupSelect + " AND g.id = $2", [.uuid(source.id), .uuid(id)])
        guard !result.rows.isEmpty else { throw StoreError.notFound("group") }
        return try group(result, 0)
    }

    static func group(_ result: PGResult, _ row: Int) throws(StoreError) -> ProvisionedGroup {
        ProvisionedGroup(id: GroupID(try result.text(row, "id")), name: try result.text(row, "name"),
                         externalID: result.value(row, "external_id"), document: JSONText(try result.text(row, "resource")),
                         createdAt: try result.timestamp(row, "created_at"), updatedAt: try result.timestamp(row, "updated_at"))
    }
}
