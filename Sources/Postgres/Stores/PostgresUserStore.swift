public import Store

/// `UserStore` on PostgreSQL (table `users`, migration 2).
public struct PostgresUserStore: UserStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    /// A store whose every call runs on `connection`, inside the transaction open there (see
    /// `PGPool.transaction`); use it only while you hold that connection.
    public init(connection: PGConnection) { runner = PGStoreRunner(connection: connection) }

    static let columns = """
        id::text AS id, username, email, name, is_active, is_superuser, attributes::text AS attributes,
        password_hash, \(micros("password_changed_at")), \(micros("created_at")), \(micros("updated_at")),
        \(micros("last_login_at")), \(micros("deactivated_at"))
        """

    public func createUser(_ user: NewUser) throws(StoreError) -> User {
        let result = try runner.write(conflict: "username") { connection in
            try connection.query("""
                INSERT INTO users (username, email, name, is_active, is_superuser, attributes, password_hash,
                                   password_changed_at, deactivated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7::text IS NULL THEN NULL ELSE now() END,
                        CASE WHEN $4::boolean THEN NULL ELSE now() END)
                RETURNING \(Self.columns)
                """, [.text(user.username), user.email.map(PGValue.text), .text(user.name), .bool(user.isActive),
                      .bool(user.isSuperuser), .jsonb(user.attributes.text), user.passwordHash.map(PGValue.text)])
        }
        return try Self.user(result, 0)
    }

    public func user(id: UserID) throws(StoreError) -> User? {
        try first(runner.read { try $0.query("SELECT \(Self.columns) FROM users WHERE id = $1", [.uuid(id.rawValue)]) })
    }

    public func user(username: String) throws(StoreError) -> User? {
        try first(runner.read {
            try $0.query("SELECT \(Self.columns) FROM users WHERE lower(username) = lower($1)", [.text(username)])
        })
    }

    public func users(email: String) throws(StoreError) -> [User] {
        let result = try runner.read {
            try $0.query("SELECT \(Self.columns) FROM users WHERE lower(email) = lower($1) ORDER BY created_at, id",
                         [.text(email)])
        }
        return try result.rows.indices.map { row throws(StoreError) in try Self.user(result, row) }
    }

    /// Every user, by username (case-insensitively). For administration (`gatehouse users list`),
    /// not for request paths.
    public func allUsers() throws(StoreError) -> [User] {
        let result = try runner.read {
            try $0.query("SELECT \(Self.columns) FROM users ORDER BY lower(username), id")
        }
        return try result.rows.indices.map { row throws(StoreError) in try Self.user(result, row) }
    }

    public func updateUser(_ user: User) throws(StoreError) -> User {
        let result = try runner.write(conflict: "username") { connection in
            try connection.query("""
                UPDATE users SET username = $2, email = $3, name = $4, is_superuser = $5, attributes = $6,
                                 updated_at = now()
                WHERE id = $1 RETURNING \(Self.columns)
                """, [.uuid(user.id.rawValue), .text(user.username), user.email.map(PGValue.text), .text(user.name),
                      .bool(user.isSuperuser), .jsonb(user.attributes.text)])
        }
        guard let updated = try first(result) else { throw .notFound("user") }
        return updated
    }

    public func setPassword(userID: UserID, hash: String?, at: Timestamp) throws(StoreError) {
        try expectOne(runner.write {
            try $0.query("UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = now() WHERE id = $1",
                         [.uuid(userID.rawValue), hash.map(PGValue.text), at.pgValue])
        })
    }

    public func recordLogin(userID: UserID, at: Timestamp) throws(StoreError) {
        try expectOne(runner.write {
            try $0.query("UPDATE users SET last_login_at = $2 WHERE id = $1", [.uuid(userID.rawValue), at.pgValue])
        })
    }

    public func deactivateUser(_ id: UserID, at: Timestamp) throws(StoreError) {
        try runner.transaction { connection in
            let updated = try connection.query("""
                UPDATE users SET is_active = false, deactivated_at = coalesce(deactivated_at, $2), updated_at = now()
                WHERE id = $1
                """, [.uuid(id.rawValue), at.pgValue])
            guard updated.affectedRows == 1 else { throw StoreError.notFound("user") }
            try connection.query("DELETE FROM sessions WHERE user_id = $1", [.uuid(id.rawValue)])
            // Codes and refresh tokens die with the account, not when they expire.
            try connection.query("UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
                                 [.uuid(id.rawValue), at.pgValue])
        }
    }

    public func activateUser(_ id: UserID) throws(StoreError) {
        try expectOne(runner.write {
            try $0.query("UPDATE users SET is_active = true, deactivated_at = NULL, updated_at = now() WHERE id = $1",
                         [.uuid(id.rawValue)])
        })
    }

    public func groups(ofUser id: UserID) throws(StoreError) -> [Group] {
        // UNION (not UNION ALL) drops repeats, so the walk up the parents ends even if a
        // cycle slipped in.
        let result = try runner.read {
            try $0.query("""
                WITH RECURSIVE member_of(id) AS (
                    SELECT group_id FROM group_memberships WHERE user_id = $1
                    UNION
                    SELECT g.parent_id FROM groups g JOIN member_of m ON g.id = m.id WHERE g.parent_id IS NOT NULL
                )
                SELECT \(PostgresGroupStore.columns) FROM groups WHERE id IN (SELECT id FROM member_of) ORDER BY name
                """, [.uuid(id.rawValue)])
        }
        return try result.rows.indices.map { row throws(StoreError) in try PostgresGroupStore.group(result, row) }
    }

    // MARK: - rows

    static func user(_ result: PGResult, _ row: Int) throws(StoreError) -> User {
        User(id: UserID(try result.text(row, "id")), username: try result.text(row, "username"),
             email: result.value(row, "email"), name: try result.text(row, "name"),
             isActive: try result.bool(row, "is_active"), isSuperuser: try result.bool(row, "is_superuser"),
             attributes: JSONText(try result.text(row, "attributes")), passwordHash: result.value(row, "password_hash"),
             passwordChangedAt: try result.optionalTimestamp(row, "password_changed_at"),
             createdAt: try result.timestamp(row, "created_at"), updatedAt: try result.timestamp(row, "updated_at"),
             lastLoginAt: try result.optionalTimestamp(row, "last_login_at"),
             deactivatedAt: try result.optionalTimestamp(row, "deactivated_at"))
    }

    private func first(_ result: PGResult) throws(StoreError) -> User? {
        result.rows.isEmpty ? nil : try Self.user(result, 0)
    }

    private func expectOne(_ result: PGResult) throws(StoreError) {
        guard result.affectedRows == 1 else { throw .notFound("user") }
    }
}
