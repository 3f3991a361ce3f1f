public import Store

/// `SessionStore` on PostgreSQL (table `sessions`, migration 2). Only the SHA-256 of the
/// cookie token is ever stored or queried.
public struct PostgresSessionStore: SessionStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    /// A store whose every call runs on `connection`, inside the transaction open there (see
    /// `PGPool.transaction`); use it only while you hold that connection.
    public init(connection: PGConnection) { runner = PGStoreRunner(connection: connection) }

    static let columns = """
        s.id_hash, s.user_id::text AS user_id, \(micros("s.created_at")), \(micros("s.last_seen_at")),
        \(micros("s.expires_at")), s.idle_timeout_seconds, host(s.client_ip) AS client_ip, s.user_agent,
        \(micros("s.auth_time")), \(textArray("s.auth_methods", as: "auth_methods")),
        \(textArray("s.upstream_amr", as: "upstream_amr")), s.flow_state::text AS flow_state
        """

    public func createSession(_ session: Session) throws(StoreError) {
        try runner.transaction(conflict: "id_hash") { connection in
            do {
                if session.userID == nil, let address = session.clientIP {
                    // Keep the newest pre-login sessions of this address (the new one included).
                    // One writer per address at a time: concurrent trims would deadlock on
                    // each other's rows, and could together keep more than the bound.
                    try connection.query("SELECT pg_advisory_xact_lock(hashtextextended('gatehouse.pre-login:' || $1, 0))",
                                         [.text(address)])
                    try connection.query("""
                        DELETE FROM sessions WHERE id_hash IN (
                            SELECT id_hash FROM sessions WHERE user_id IS NULL AND client_ip = $1::inet
                            ORDER BY created_at DESC, id_hash OFFSET $2)
                        """, [.text(address), .int(SessionLimits.preLoginPerAddress - 1)])
                }
                try connection.query("""
                    INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, idle_timeout_seconds,
                                          client_ip, user_agent, auth_time, auth_methods, upstream_amr, flow_state)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \(textArrayParameter(10)), \(textArrayParameter(11)), $12)
                    """, [.bytea(session.idHash), session.userID.map { .uuid($0.rawValue) }, session.createdAt.pgValue,
                          session.lastSeenAt.pgValue, session.expiresAt.pgValue, .int(session.idleTimeoutSeconds),
                          session.clientIP.map(PGValue.text), session.userAgent.map(PGValue.text), session.authTime.pgValue,
                          .jsonb(JSONText.array(of: session.authMethods).text),
                          .jsonb(JSONText.array(of: session.upstreamAMR).text), session.flowState.map { .jsonb($0.text) }])
            } catch let error as PGError where error.sqlState == "23503" {
                throw StoreError.notFound("user")
            }
        }
    }

    public func session(idHash: [UInt8], at now: Timestamp) throws(StoreError) -> Session? {
        let result = try runner.read {
            try $0.query("""
                SELECT \(Self.columns) FROM sessions s LEFT JOIN users u ON u.id = s.user_id
                WHERE s.id_hash = $1 AND s.expires_at > $2
                  AND s.last_seen_at + make_interval(secs => s.idle_timeout_seconds) > $2
                  AND (s.user_id IS NULL OR u.is_active)
                """, [.bytea(idHash), now.pgValue])
        }
        return result.rows.isEmpty ? nil : try Self.session(result, 0)
    }

    public func touchSession(idHash: [UInt8], at now: Timestamp) throws(StoreError) {
        try runner.write {
            try $0.query("UPDATE sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE id_hash = $1",
                         [.bytea(idHash), now.pgValue])
        }
    }

    public func setFlowState(idHash: [UInt8], _ state: JSONText?) throws(StoreError) {
        try runner.write {
            try $0.query("UPDATE sessions SET flow_state = $2 WHERE id_hash = $1",
                         [.bytea(idHash), state.map { .jsonb($0.text) }])
        }
    }

    public func deleteSession(idHash: [UInt8]) throws(StoreError) {
        try runner.write { try $0.query("DELETE FROM sessions WHERE id_hash = $1", [.bytea(idHash)]) }
    }

    @discardableResult
    public func deleteSessions(ofUser user: UserID) throws(StoreError) -> Int {
        try runner.write { try $0.query("DELETE FROM sessions WHERE user_id = $1", [.uuid(user.rawValue)]) }.affectedRows ?? 0
    }

    @discardableResult
    public func deleteDeadSessions(at now: Timestamp) throws(StoreError) -> Int {
        try runner.write {
            try $0.query("""
                DELETE FROM sessions
                WHERE expires_at <= $1 OR last_seen_at + make_interval(secs => idle_timeout_seconds) <= $1
                """, [now.pgValue])
        }.affectedRows ?? 0
    }

    // MARK: - rows

    static func session(_ result: PGResult, _ row: Int) throws(StoreError) -> Session {
        guard let idHash = result.bytes(row, "id_hash") else { throw .unavailable("column id_hash is not bytea") }
        return Session(idHash: idHash, userID: result.value(row, "user_id").map(UserID.init),
                       createdAt: try result.timestamp(row, "created_at"), lastSeenAt: try result.timestamp(row, "last_seen_at"),
                       expiresAt: try result.timestamp(row, "expires_at"),
                       idleTimeoutSeconds: try result.int(row, "idle_timeout_seconds"),
                       clientIP: result.value(row, "client_ip"), userAgent: result.value(row, "user_agent"),
                       authTime: try result.optionalTimestamp(row, "auth_time"),
                       authMethods: try result.textArray(row, "auth_methods"),
                       upstreamAMR: try result.textArray(row, "upstream_amr"),
                       flowState: result.value(row, "flow_state").map(JSONText.init))
    }
}
