public import Store

/// `GroupStore` on PostgreSQL (tables `groups`, `group_memberships`, migration 2).
public struct PostgresGroupStore: GroupStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    /// A store whose every call runs on `connection`, inside the transaction open there (see
    /// `PGPool.transaction`); use it only while you hold that connection.
    public init(connection: PGConnection) { runner = PGStoreRunner(connection: connection) }

    /// Serializes changes of group parents, so two concurrent moves cannot form a cycle
    /// that neither saw: the bytes of "GHGROUPS".
    static let hierarchyLockKey = 0x4748_4752_4F55_5053

    static let columns = """
        id::text AS id, name, parent_id::text AS parent_id, is_superuser_group, attributes::text AS attributes,
        \(micros("created_at")), \(micros("updated_at"))
        """

    public func createGroup(_ group: NewGroup) throws(StoreError) -> Group {
        let result = try runner.write(conflict: "name") { connection in
            do {
                return try connection.query("""
                    INSERT INTO groups (name, parent_id, is_superuser_group, attributes) VALUES ($1, $2, $3, $4)
                    RETURNING \(Self.columns)
                    """, [.text(group.name), group.parentID.map { .uuid($0.rawValue) }, .bool(group.isSuperuserGroup),
                          .jsonb(group.attributes.text)])
            } catch let error as PGError where error.sqlState == "23503" {
                throw StoreError.notFound("parent group")
            }
        }
        return try Self.group(result, 0)
    }

    public func group(id: GroupID) throws(StoreError) -> Group? {
        try first(runner.read { try $0.query("SELECT \(Self.columns) FROM groups WHERE id = $1", [.uuid(id.rawValue)]) })
    }

    public func group(name: String) throws(StoreError) -> Group? {
        // Group names are unique regardless of case (migration 8); an exact match wins among
        // older ones that differ only in case.
        try first(runner.read {
            try $0.query("SELECT \(Self.columns) FROM groups WHERE lower(name) = lower($1) ORDER BY name = $1 DESC, id LIMIT 1",
                         [.text(name)])
        })
    }

    public func updateGroup(_ group: Group) throws(StoreError) -> Group {
        let result = try runner.transaction(conflict: "name") { connection in
            if let parent = group.parentID {
                try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [.int(Self.hierarchyLockKey)])
                // Walk up from the new parent; meeting the group itself means a cycle.
                let cycle = try connection.query("""
                    WITH RECURSIVE ancestors(id) AS (
                        SELECT $1::uuid
                        UNION
                        SELECT g.parent_id FROM groups g JOIN ancestors a ON g.id = a.id WHERE g.parent_id IS NOT NULL
                    )
                    SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = $2::uuid)
                    """, [.uuid(parent.rawValue), .uuid(group.id.rawValue)])
                if cycle.scalar == "t" { throw StoreError.invalid("a group cannot be nested inside itself") }
            }
            do {
                return try connection.query("""
                    UPDATE groups SET name = $2, parent_id = $3, is_superuser_group = $4, attributes = $5, updated_at = now()
                    WHERE id = $1 RETURNING \(Self.columns)
                    """, [.uuid(group.id.rawValue), .text(group.name), group.parentID.map { .uuid($0.rawValue) },
                          .bool(group.isSuperuserGroup), .jsonb(group.attributes.text)])
            } catch let error as PGError where error.sqlState == "23503" {
                throw StoreError.notFound("parent group")
            }
        }
        guard let updated = try first(result) else { throw .notFound("group") }
        return updated
    }

    public func addMember(_ user: UserID, to group: GroupID) throws(StoreError) {
        try runner.write { connection in
            do {
                try connection.query("""
                    INSERT INTO group_memberships (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING
                    """, [.uuid(user.rawValue), .uuid(group.rawValue)])
            } catch let error as PGError where error.sqlState == "23503" {
                throw StoreError.notFound("user or group")
            }
        }
    }

    public func removeMember(_ user: UserID, from group: GroupID) throws(StoreError) {
        try runner.write {
            try $0.query("DELETE FROM group_memberships WHERE user_id = $1 AND group_id = $2",
                         [.uuid(user.rawValue), .uuid(group.rawValue)])
        }
    }

    public func members(of group: GroupID) throws(StoreError) -> [UserID] {
        let result = try runner.read {
            try $0.query("SELECT user_id::text FROM group_memberships WHERE group_id = $1 ORDER BY user_id",
                         [.uuid(group.rawValue)])
        }
        return result.rows.compactMap { $0.first ?? nil }.map(UserID.init)
    }

    // MARK: - rows

    static func group(_ result: PGResult, _ row: Int) throws(StoreError) -> Group {
        Group(id: GroupID(try result.text(row, "id")), name: try result.text(row, "name"),
              parentID: result.value(row, "parent_id").map(GroupID.init),
              isSuperuserGroup: try result.bool(row, "is_superuser_group"),
              attributes: JSONText(try result.text(row, "attributes")),
              createdAt: try result.timestamp(row, "created_at"), updatedAt: try result.timestamp(row, "updated_at"))
    }

    private func first(_ result: PGResult) throws(StoreError) -> Group? {
        result.rows.isEmpty ? nil : try Self.group(result, 0)
    }
}
