public import Store

/// `SourceConnectionStore` on PostgreSQL (`sources`, `source_connections`, `groups`; migration 2).
public struct PostgresSourceConnectionStore: SourceConnectionStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }
    public init(connection: PGConnection) { runner = PGStoreRunner(connection: connection) }

    public func connectedUser(source: String, identifier: String) throws(StoreError) -> UserID? {
        try runner.read { connection in
            try connection.query("""
                SELECT c.user_id::text FROM source_connections c JOIN sources s ON s.id = c.source_id
                WHERE s.slug = $1 AND c.identifier = $2
                """, [.text(source), .text(identifier)]).scalar
        }.map(UserID.init)
    }

    public func isConnected(source: String, user: UserID) throws(StoreError) -> Bool {
        try runner.read { connection in
            try connection.query("""
                SELECT 1 FROM source_connections c JOIN sources s ON s.id = c.source_id
                WHERE s.slug = $1 AND c.user_id = $2 LIMIT 1
                """, [.text(source), .uuid(user.rawValue)]).rows.isEmpty == false
        }
    }

    public func connect(source: String, identifier: String, user: UserID) throws(StoreError) {
        let result = try runner.write(conflict: "identifier") { connection in
            try connection.query("""
                INSERT INTO source_connections (source_id, user_id, identifier)
                SELECT id, $2, $3 FROM sources WHERE slug = $1
                """, [.text(source), .uuid(user.rawValue), .text(identifier)])
        }
        guard result.affectedRows == 1 else { throw .notFound("source") }
    }

    public func syncedGroup(source: String, upstreamID: String) throws(StoreError) -> Group? {
        let result = try runner.read { connection in
            try connection.query("""
                SELECT \(PostgresGroupStore.columns) FROM groups
                WHERE attributes->>'source' = $1 AND attributes->>'upstream_id' = $2 ORDER BY created_at LIMIT 1
                """, [.text(source), .text(upstreamID)])
        }
        return result.rows.isEmpty ? nil : try PostgresGroupStore.group(result, 0)
    }

    public func syncedGroups(source: String, user: UserID) throws(StoreError) -> [Group] {
        let result = try runner.read { connection in
            try connection.query("""
                SELECT \(PostgresGroupStore.columns) FROM groups
                WHERE attributes->>'source' = $1
                  AND id IN (SELECT group_id FROM group_memberships WHERE user_id = $2)
                """, [.text(source), .uuid(user.rawValue)])
        }
        var groups: [Group] = []
        for row in 0..<result.rows.count { groups.append(try PostgresGroupStore.group(result, row)) }
        return groups
    }
}
