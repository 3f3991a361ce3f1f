public import Store

/// `EventStore` on PostgreSQL (table `events`, migration 2; triggers refuse UPDATE, DELETE
/// and TRUNCATE, so this type only ever inserts and reads).
public struct PostgresEventStore: EventStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    /// A store whose every call runs on `connection`, inside the transaction open there (see
    /// `PGPool.transaction`); use it only while you hold that connection.
    public init(connection: PGConnection) { runner = PGStoreRunner(connection: connection) }

    static let columns = """
        id, \(micros("created_at")), actor_user_id::text AS actor_user_id, action, host(client_ip) AS client_ip,
        outcome, context::text AS context
        """

    @discardableResult
    public func appendEvent(_ event: NewAuditEvent) throws(StoreError) -> AuditEvent {
        let result = try runner.write {
            try $0.query("""
                INSERT INTO events (actor_user_id, action, client_ip, outcome, context) VALUES ($1, $2, $3, $4, $5)
                RETURNING \(Self.columns)
                """, [event.actorUserID.map { .uuid($0.rawValue) }, .text(event.action), event.clientIP.map(PGValue.text),
                      .text(event.outcome), .jsonb(event.context.text)])
        }
        return try Self.event(result, 0)
    }

    public func recentEvents(limit: Int) throws(StoreError) -> [AuditEvent] {
        let result = try runner.read {
            try $0.query("SELECT \(Self.columns) FROM events ORDER BY id DESC LIMIT $1", [.int(max(0, limit))])
        }
        return try result.rows.indices.map { row throws(StoreError) in try Self.event(result, row) }
    }

    static func event(_ result: PGResult, _ row: Int) throws(StoreError) -> AuditEvent {
        guard let id = Int64(try result.text(row, "id")) else { throw .unavailable("column id is not a bigint") }
        return AuditEvent(id: id, createdAt: try result.timestamp(row, "created_at"),
                          actorUserID: result.value(row, "actor_user_id").map(UserID.init),
                          action: try result.text(row, "action"), clientIP: result.value(row, "client_ip"),
                          outcome: try result.text(row, "outcome"), context: JSONText(try result.text(row, "context")))
    }
}
