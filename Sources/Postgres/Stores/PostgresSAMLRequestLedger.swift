public import Store

/// `SAMLRequestLedger` on `saml_request_ids` (migration 11). The primary key makes the first
/// insert win on every node; expired rows are swept now and then by the inserts themselves.
public struct PostgresSAMLRequestLedger: SAMLRequestLedger {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    public func recordFirstUse(issuer: String, requestID: String, expiresAt: Timestamp, at now: Timestamp) throws(StoreError) -> Bool {
        try runner.write { connection in
            // An expired record of the same ID no longer blocks it: the request itself has
            // expired by then and is refused for that.
            let inserted = try connection.query("""
                INSERT INTO saml_request_ids (issuer, request_id, expires_at) VALUES ($1, $2, $3)
                ON CONFLICT (issuer, request_id) DO UPDATE SET expires_at = excluded.expires_at
                    WHERE saml_request_ids.expires_at <= $4
                RETURNING 1
                """, [.text(issuer), .text(requestID), expiresAt.pgValue, now.pgValue])
            if requestID.utf8.last.map({ $0 % 32 == 0 }) ?? false {
                try connection.query("DELETE FROM saml_request_ids WHERE expires_at <= $1", [now.pgValue])
            }
            return !inserted.rows.isEmpty
        }
    }
}
