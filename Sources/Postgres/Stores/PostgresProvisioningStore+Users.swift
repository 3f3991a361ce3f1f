public import Store

/// Provisioned users: a `users` row and the source's `scim_resources` row for it.
extension PostgresProvisioningStore {
    static let userSelect = """
        SELECT u.id::text AS id, u.username, u.is_active, r.external_id, r.resource::text AS resource,
               \(micros("r.created_at")), \(micros("greatest(r.updated_at, u.updated_at)", as: "updated_at"))
        FROM scim_resources r JOIN users u ON u.id = r.user_id
        WHERE r.source_id = $1 AND r.deleted_at IS NULL
        """

    /// The condition (on `$2`) that narrows users to a key's matches.
    static func condition(_ key: ProvisioningKey) -> (sql: String, value: String) {
        switch key {
        // These two use an index.
        case .username(let value): ("lower(u.username) = lower($2)", value)
        case .externalID(let value): ("r.external_id = $2", value)
        // `users.name` is the display name when the source sent one: a superset of the matches.
        case .name(let value): ("lower(u.name) = lower($2)", value)
        case .email(let value):
            ("""
             EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.resource->'emails') = 'array'
                     THEN r.resource->'emails' ELSE '[]'::jsonb END) AS e WHERE lower(e->>'value') = lower($2))
             """, value)
        }
    }

    public func createUser(_ fields: ProvisionedUserFields, in source: ProvisioningSource,
                           audit: ProvisioningAudit) throws(StoreError) -> ProvisionedUser {
        try runner.transaction(conflict: "username") { connection in
            let inserted = try connection.query("""
                INSERT INTO users (username, email, name, is_active, deactivated_at, attributes)
                VALUES ($1, $2, $3, $4, CASE WHEN $4::boolean THEN NULL ELSE now() END, $5::jsonb)
                RETURNING id::text
                """, [.text(fields.username), fields.email.map(PGValue.text), .text(fields.name), .bool(fields.isActive),
                      .jsonb(Self.profileAttributes(fields))])
            guard let id = inserted.scalar else { throw StoreError.unavailable("the new user has no id") }
            try connection.query("INSERT INTO scim_resources (source_id, user_id, external_id, resource) VALUES ($1, $2, $3, $4)",
                                 [.uuid(source.id), .uuid(id), fields.externalID.map(PGValue.text), .jsonb(fields.document.text)])
            try Self.append(audit, source: source.slug, user: id, on: connection)
            return try Self.user(id, source, on: connection)
        }
    }

    public func user(_ id: UserID, in source: ProvisioningSource) throws(StoreError) -> ProvisionedUser? {
        guard let id = Self.uuid(id.rawValue) else { return nil }
        let result = try runner.read { try $0.query(Self.userSelect + " AND u.id = $2", [.uuid(source.id), .uuid(id)]) }
        return result.rows.isEmpty ? nil : try Self.user(result, 0)
    }

    public func users(in source: ProvisioningSource, narrowedBy key: ProvisioningKey?) throws(StoreError) -> [ProvisionedUser] {
        var sql = Self.userSelect
        var params: [PGValue?] = [.uuid(source.id)]
        if let key {
            let condition = Self.condition(key)
            sql += " AND " + condition.sql
            params.append(.text(condition.value))
        }
        let result = try runner.read { try $0.query(sql + " ORDER BY r.created_at, u.id", params) }
        return try result.rows.indices.map { row throws(StoreError) in try Self.user(result, row) }
    }

    public func users(in source: ProvisioningSource, offset: Int, limit: Int) throws(StoreError) -> (total: Int, page: [ProvisionedUser]) {
        let (count, page) = try runner.read { connection in
            let count = try connection.query("""
                SELECT count(*) FROM scim_resources WHERE source_id = $1 AND user_id IS NOT NULL AND deleted_at IS NULL
                """, [.uuid(source.id)]).scalar
            let page = limit <= 0 ? nil : try connection.query(Self.userSelect + " ORDER BY r.created_at, u.id LIMIT $2 OFFSET $3",
                                                               [.uuid(source.id), .int(limit), .int(max(0, offset))])
            return (count, page)
        }
        let users = try page.map { page throws(StoreError) in
            try page.rows.indices.map { row throws(StoreError) in try Self.user(page, row) }
        } ?? []
        return (Int(count ?? "0") ?? 0, users)
    }

    public func groups(ofUsers users: [UserID], in source: ProvisioningSource) throws(StoreError) -> [UserID: [ProvisionedGroupLink]] {
        let ids = users.compactMap { Self.uuid($0.rawValue) }
        guard !ids.isEmpty else { return [:] }
        let result = try runner.read { connection in
            try connection.query("""
                SELECT m.user_id::text, g.id::text, g.name FROM group_memberships m JOIN groups g ON g.id = m.group_id
                JOIN scim_resources r ON r.group_id = g.id AND r.source_id = $2 AND r.deleted_at IS NULL
                WHERE m.user_id = ANY($1::uuid[]) ORDER BY g.name
                """, [Self.uuidArray(ids), .uuid(source.id)])
        }
        var links: [UserID: [ProvisionedGroupLink]] = [:]
        for row in result.rows {
            guard let user = row[0], let group = row[1], let name = row[2] else { continue }
            links[UserID(user), default: []].append(ProvisionedGroupLink(id: GroupID(group), name: name))
        }
        return links
    }

    public func updateUser<Refusal: Error>(
        _ id: UserID, in source: ProvisioningSource,
        _ change: (ProvisionedUser) throws(Refusal) -> ProvisioningChange<ProvisionedUserFields>
    ) throws(ProvisioningFailure<Refusal>) -> ProvisionedUser {
        guard let id = Self.uuid(id.rawValue) else { throw .store(.notFound("user")) }
        return try update(conflict: "username") { (connection: PGConnection, refuse: (Refusal) -> StoreError) throws -> ProvisionedUser in
            guard let current = try Self.user(locking: id, source, on: connection) else { throw StoreError.notFound("user") }
            let next: ProvisioningChange<ProvisionedUserFields>
            do throws(Refusal) { next = try change(current) } catch { throw refuse(error) }
            let fields = next.fields
            try connection.query("""
                UPDATE users SET username = $2, email = $3, name = $4, updated_at = now(),
                                 attributes = (attributes - \(textArrayParameter(6))) || $5::jsonb
                WHERE id = $1
                """, [.uuid(id), .text(fields.username), fields.email.map(PGValue.text), .text(fields.name),
                      .jsonb(Self.profileAttributes(fields)), .jsonb(JSONText.array(of: ProvisionedUserFields.profileKeys).text)])
            if current.isActive && !fields.isActive {
                try Self.deactivate(id, on: connection)
            } else if !current.isActive && fields.isActive {
                try connection.query("UPDATE users SET is_active = true, deactivated_at = NULL WHERE id = $1", [.uuid(id)])
            }
            try connection.query("UPDATE scim_resources SET resource = $2, external_id = $3, updated_at = now() WHERE user_id = $1",
                                 [.uuid(id), .jsonb(fields.document.text), fields.externalID.map(PGValue.text)])
            try Self.append(next.audit, source: source.slug, user: id, on: connection)
            return try Self.user(id, source, on: connection)
        }
    }

    public func deleteUser(_ id: UserID, in source: ProvisioningSource,
                           audit: (ProvisionedUser) -> ProvisioningAudit) throws(StoreError) {
        guard let id = Self.uuid(id.rawValue) else { throw .notFound("user") }
        try runner.transaction { connection in
            guard let current = try Self.user(locking: id, source, on: connection) else { throw StoreError.notFound("user") }
            if source.purgeOnDelete {
                // Sessions, tokens, memberships and the scim_resources row go with it (ON DELETE CASCADE).
                try connection.query("DELETE FROM users WHERE id = $1", [.uuid(id)])
            } else {
                try Self.deactivate(id, on: connection)
                // The address goes too (the stored document keeps it for the audit trail): a
                // deleted account must not keep anyone else from using it (migration 8).
                try connection.query("UPDATE users SET username = username || '~deleted~' || id::text, email = NULL WHERE id = $1",
                                     [.uuid(id)])
                try connection.query("DELETE FROM group_memberships WHERE user_id = $1", [.uuid(id)])
                // Its upstream sign-in links go too: the person provisioned again later must
                // land in the new account, not be refused as this inactive one.
                try connection.query("DELETE FROM source_connections WHERE user_id = $1", [.uuid(id)])
                try connection.query("UPDATE scim_resources SET deleted_at = now() WHERE user_id = $1", [.uuid(id)])
            }
            try Self.append(audit(current), source: source.slug, user: id, on: connection)
        }
    }

    public func user(externalID: String, provisionedBy slug: String) throws(StoreError) -> UserID? {
        try runner.read { connection in
            try connection.query("""
                SELECT r.user_id::text FROM scim_resources r JOIN sources s ON s.id = r.source_id
                WHERE r.external_id = $1 AND s.slug = $2 AND s.kind = 'scim' AND r.user_id IS NOT NULL AND r.deleted_at IS NULL
                ORDER BY r.created_at LIMIT 1
                """, [.text(externalID), .text(slug)]).scalar.map(UserID.init)
        }
    }

    // MARK: - rows

    /// The profile attributes the source sent, as a JSON object (the store removes every
    /// `profileKeys` key first, so one the source stopped sending goes).
    static func profileAttributes(_ fields: ProvisionedUserFields) -> String {
        "{" + fields.profile.keys.sorted().map { JSONText.quoted($0) + ":" + JSONText.quoted(fields.profile[$0]!) }
            .joined(separator: ",") + "}"
    }

    static func user(_ id: String, _ source: ProvisioningSource, on connection: PGConnection) throws -> ProvisionedUser {
        let result = try connection.query(userSelect + " AND u.id = $2", [.uuid(source.id), .uuid(id)])
        guard !result.rows.isEmpty else { throw StoreError.notFound("user") }
        return try user(result, 0)
    }

    static func user(locking id: String, _ source: ProvisioningSource, on connection: PGConnection) throws -> ProvisionedUser? {
        let result = try connection.query(userSelect + " AND u.id = $2 FOR UPDATE OF r, u", [.uuid(source.id), .uuid(id)])
        return result.rows.isEmpty ? nil : try user(result, 0)
    }

    static func user(_ result: PGResult, _ row: Int) throws(StoreError) -> ProvisionedUser {
        ProvisionedUser(id: UserID(try result.text(row, "id")), username: try result.text(row, "username"),
                        isActive: try result.bool(row, "is_active"), externalID: result.value(row, "external_id"),
                        document: JSONText(try result.text(row, "resource")),
                        createdAt: try result.timestamp(row, "created_at"), updatedAt: try result.timestamp(row, "updated_at"))
    }
}
