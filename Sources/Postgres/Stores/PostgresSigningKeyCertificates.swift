public import Store

/// `SigningKeyCertificateStore` on `signing_keys.certificate` (migration 11).
public struct PostgresSigningKeyCertificates: SigningKeyCertificateStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    public func certificates(retentionSeconds: Int64) throws(StoreError) -> [SigningKeyCertificate] {
        try runner.read { connection in
            let result = try connection.query("""
                SELECT kid, algorithm, certificate, (rotated_at IS NULL) AS current FROM signing_keys
                WHERE rotated_at IS NULL OR rotated_at > now() - $1::bigint * interval '1 second'
                ORDER BY (rotated_at IS NULL) DESC, created_at DESC, kid
                """, [.int(Int(max(0, retentionSeconds)))])
            return result.rows.indices.map { row in
                SigningKeyCertificate(kid: result.value(row, "kid") ?? "", algorithm: result.value(row, "algorithm") ?? "",
                                      certificatePEM: result.value(row, "certificate"),
                                      isCurrent: result.value(row, "current") == "t")
            }
        }
    }

    public func setCertificateIfMissing(kid: String, pem: String) throws(StoreError) -> String {
        let stored = try runner.write { connection in
            try connection.query("""
                UPDATE signing_keys SET certificate = coalesce(certificate, $2) WHERE kid = $1 RETURNING certificate
                """, [.text(kid), .text(pem)]).scalar
        }
        guard let stored else { throw .notFound("signing key \(kid)") }
        return stored
    }
}
