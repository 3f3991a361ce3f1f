public import Store

/// `SigningKeyStore` on PostgreSQL (table `signing_keys`, migration 2). Creating and rotating
/// keys run under a transaction-scoped advisory lock.
public struct PostgresSigningKeyStore: SigningKeyStore {
    /// `pg_advisory_xact_lock` key for creating and rotating keys: the bytes of "GHSIGNKY".
    public static let advisoryLockKey: Int64 = 0x4748_5349_474E_4B59

    let pool: PGPool

    public init(pool: PGPool) { self.pool = pool }

    static let infoColumns = """
        kid, algorithm, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created, \
        to_char(rotated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS rotated
        """

    public func signingKeys(retainedFor retentionSeconds: Int64) throws(StoreError) -> [StoredSigningKey] {
        let result = try PGStoreRunner(pool: pool).read { connection in
            try connection.query("""
                SELECT id::text AS id, kid, algorithm, public_jwk::text AS jwk, private_key_sealed AS sealed,
                       (rotated_at IS NULL) AS current
                FROM signing_keys
                WHERE rotated_at IS NULL OR rotated_at > now() - $1::bigint * interval '1 second'
                ORDER BY (rotated_at IS NULL) DESC, created_at DESC, kid
                """, [.int(Int(max(0, retentionSeconds)))])
        }
        return result.rows.indices.compactMap { row in
            guard let id = result.value(row, "id"), let kid = result.value(row, "kid"),
                  let algorithm = result.value(row, "algorithm") else { return nil }
            return StoredSigningKey(id: id, kid: kid, algorithm: algorithm, publicJWK: result.value(row, "jwk") ?? "",
                                    sealedPrivateKey: result.value(row, "sealed") ?? "", isCurrent: result.value(row, "current") == "t")
        }
    }

    public func signingKeyList() throws(StoreError) -> [SigningKeyInfo] {
        let result = try PGStoreRunner(pool: pool).read { connection in
            try connection.query("SELECT \(Self.infoColumns) FROM signing_keys ORDER BY created_at DESC, kid")
        }
        return result.rows.indices.map { Self.info(result, $0) }
    }

    public func withSigningKeyLock<T>(_ body: (any SigningKeyChanges) throws -> T) throws -> T {
        do {
            return try pool.transaction { connection in
                try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [.int(Int(Self.advisoryLockKey))])
                return try body(Changes(runner: PGStoreRunner(connection: connection)))
            }
        } catch let error as PGError {
            throw storeError(error)
        }
    }

    static func info(_ result: PGResult, _ row: Int) -> SigningKeyInfo {
        SigningKeyInfo(kid: result.value(row, "kid") ?? "", algorithm: result.value(row, "algorithm") ?? "",
                       createdAt: result.value(row, "created") ?? "", rotatedAt: result.value(row, "rotated"))
    }

    /// The statements of one locked transaction.
    struct Changes: SigningKeyChanges {
        let runner: PGStoreRunner

        func currentAlgorithms() throws(StoreError) -> Set<String> {
            let result = try runner.read { try $0.query("SELECT DISTINCT algorithm FROM signing_keys WHERE rotated_at IS NULL") }
            return Set(result.rows.compactMap { $0.first ?? nil })
        }

        func retireCurrentKey(algorithm: String) throws(StoreError) {
            try runner.write {
                try $0.query("UPDATE signing_keys SET rotated_at = now() WHERE algorithm = $1 AND rotated_at IS NULL",
                             [.text(algorithm)])
            }
        }

        func newKeyID() throws(StoreError) -> String {
            guard let id = try runner.read({ try $0.query("SELECT gen_random_uuid()::text").scalar }) else {
                throw .unavailable("no uuid from gen_random_uuid()")
            }
            return id
        }

        func insertCurrentKey(id: String, kid: String, algorithm: String, publicJWK: String,
                              sealedPrivateKey: String) throws(StoreError) -> SigningKeyInfo {
            let result = try runner.write {
                try $0.query("""
                    INSERT INTO signing_keys (id, kid, algorithm, public_jwk, private_key_sealed)
                    VALUES ($1::uuid, $2, $3, $4::jsonb, $5) RETURNING \(PostgresSigningKeyStore.infoColumns)
                    """, [.uuid(id), .text(kid), .text(algorithm), .jsonb(publicJWK), .text(sealedPrivateKey)])
            }
            return PostgresSigningKeyStore.info(result, 0)
        }
    }
}
