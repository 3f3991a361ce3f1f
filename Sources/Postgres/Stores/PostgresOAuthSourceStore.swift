public import Store

/// `OAuthSourceStore` on PostgreSQL: rows of `sources` (migration 2) of kind `oauth`.
public struct PostgresOAuthSourceStore: OAuthSourceStore {
    /// The `sources.kind` of upstream OAuth/OIDC sources.
    static let kind = "oauth"

    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }
    init(runner: PGStoreRunner) { self.runner = runner }

    static let columns = "id::text AS id, slug, name, enabled, config::text AS config, secrets->>'client_secret' AS secret"

    public func enabledOAuthSources() throws(StoreError) -> [StoredOAuthSource] {
        let result = try runner.read { connection in
            try connection.query("SELECT \(Self.columns) FROM sources WHERE kind = $1 AND enabled ORDER BY slug", [.text(Self.kind)])
        }
        return result.rows.indices.compactMap { Self.source(result, $0) }
    }

    /// The source of `slug`, enabled or not.
    func source(slug: String) throws(StoreError) -> StoredOAuthSource? {
        let result = try runner.read { connection in
            try connection.query("SELECT \(Self.columns) FROM sources WHERE slug = $1 AND kind = $2", [.text(slug), .text(Self.kind)])
        }
        return result.rows.isEmpty ? nil : Self.source(result, 0)
    }

    static func source(_ result: PGResult, _ row: Int) -> StoredOAuthSource? {
        guard let id = result.value(row, "id"), let slug = result.value(row, "slug") else { return nil }
        return StoredOAuthSource(id: id, slug: slug, name: result.value(row, "name") ?? slug, enabled: result.value(row, "enabled") == "t",
                                 config: JSONText(result.value(row, "config") ?? ""),
                                 sealedClientSecret: result.value(row, "secret"))
    }
}
