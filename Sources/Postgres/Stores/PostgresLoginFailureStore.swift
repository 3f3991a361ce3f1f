public import Store

/// `LoginFailureStore` on PostgreSQL: `login_failures (scope 'account'|'ip', key, window_start,
/// failures)`, migration 3. Each call is one statement.
public struct PostgresLoginFailureStore: LoginFailureStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    /// One upsert for both keys; a row whose window has passed starts over at 1.
    public func recordFailure(accountKey: String, ip: String?, at now: Timestamp, windowStart: Timestamp) throws(StoreError) {
        var rows = "('account', $3, $1::timestamptz, 1)"
        var params: [PGValue?] = [now.pgValue, windowStart.pgValue, .text(accountKey)]
        if let ip {
            rows += ", ('ip', $4, $1::timestamptz, 1)"
            params.append(.text(ip))
        }
        try runner.write { connection in
            try connection.query("""
                INSERT INTO login_failures AS f (scope, key, window_start, failures) VALUES \(rows)
                ON CONFLICT (scope, key) DO UPDATE SET
                    failures = CASE WHEN f.window_start <= $2 THEN 1 ELSE f.failures + 1 END,
                    window_start = CASE WHEN f.window_start <= $2 THEN $1 ELSE f.window_start END
                """, params)
        }
    }

    /// One SELECT of both keys, rows of passed windows ignored.
    public func failures(accountKey: String, ip: String?, windowStart: Timestamp) throws(StoreError) -> LoginFailureCounts {
        let rows = try runner.read { connection in
            try connection.query("""
                SELECT scope, failures FROM login_failures
                WHERE window_start > $1 AND ((scope = 'account' AND key = $2) OR (scope = 'ip' AND key = $3))
                """, [windowStart.pgValue, .text(accountKey), ip.map { .text($0) }]).rows
        }
        var counts = LoginFailureCounts()
        for row in rows {
            let failures = Int(row[1] ?? "") ?? 0
            switch row[0] {
            case "account": counts.account = failures
            case "ip": counts.ip = failures
            default: continue
            }
        }
        return counts
    }

    /// The account's row and every row whose window has passed (the table's only cleanup:
    /// passed rows count for nothing, so nothing else needs to remove them).
    public func clearFailures(accountKey: String, windowStart: Timestamp) throws(StoreError) {
        try runner.write { connection in
            try connection.query("DELETE FROM login_failures WHERE (scope = 'account' AND key = $1) OR window_start <= $2",
                                 [.text(accountKey), windowStart.pgValue])
        }
    }
}
