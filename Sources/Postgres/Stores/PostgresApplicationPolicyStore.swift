public import Store

/// `ApplicationPolicyStore` on PostgreSQL: `applications.meta`, `policies` and
/// `policy_bindings` (target_kind `application`), and `login_failures` (migration 3).
public struct PostgresApplicationPolicyStore: ApplicationPolicyStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    static let targetKind = "application"

    public func policyRecord(applicationSlug slug: String) throws(StoreError) -> ApplicationPolicyRecord? {
        try runner.read { connection -> ApplicationPolicyRecord? in
            let app = try connection.query(
                "SELECT id::text AS id, meta::text AS meta FROM applications WHERE slug = $1", [.text(slug)])
            guard !app.rows.isEmpty, let id = app.value(0, "id") else { return nil }
            let rows = try connection.query("""
                SELECT p.name, p.kind, p.config::text AS config, b.position, b.negate, b.failure_result
                FROM policy_bindings b JOIN policies p ON p.id = b.policy_id
                WHERE b.target_kind = $1 AND b.target_id = $2 ORDER BY b.position, p.name
                """, [.text(Self.targetKind), .uuid(id)])
            let bindings = rows.rows.indices.map { row in
                PolicyBindingRecord(policyName: rows.value(row, "name") ?? "?", kind: rows.value(row, "kind") ?? "",
                                    configJSON: rows.value(row, "config") ?? "", position: Int(rows.value(row, "position") ?? "") ?? 0,
                                    negate: rows.value(row, "negate") == "t", failureResult: rows.value(row, "failure_result") == "t")
            }
            return ApplicationPolicyRecord(meta: JSONText(app.value(0, "meta") ?? "{}"), bindings: bindings)
        }
    }

    public func recentLoginFailures(userID: UserID, ip: String?, since: Timestamp) throws(StoreError) -> Int {
        // Account keys are stored as the hex SHA-256 of the throttle key (PostgresLoginThrottle).
        let text = try runner.read { connection in
            try connection.query("""
                SELECT coalesce(max(failures), 0) FROM login_failures
                WHERE ((scope = 'account' AND key = encode(sha256(convert_to('user:' || $1, 'UTF8')), 'hex'))
                       OR (scope = 'ip' AND key = $2)) AND window_start > $3
                """, [.text(userID.rawValue), .text(ip ?? ""), since.pgValue]).scalar
        }
        return text.flatMap { Int($0) } ?? 0
    }
}
