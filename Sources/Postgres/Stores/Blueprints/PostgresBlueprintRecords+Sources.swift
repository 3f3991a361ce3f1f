import Store

/// `sources` of kind `scim` (migration 2; what they provisioned is migration 5's): `purge_on_delete`
/// in `config`, the token's SHA-256 in `secrets.token_sha256`.
struct PostgresSCIMSourceRecords: SCIMSourceRecords {
    let runner: PGStoreRunner

    func scimSource(slug: String) throws(StoreError) -> StoredSCIMSource? {
        let result = try runner.read {
            try $0.query("""
                SELECT name, coalesce((config->>'purge_on_delete')::boolean, false) AS purge, secrets->>'token_sha256' AS token
                FROM sources WHERE slug = $1 AND kind = 'scim'
                """, [.text(slug)])
        }
        guard !result.rows.isEmpty else { return nil }
        return StoredSCIMSource(slug: slug, name: result.value(0, "name") ?? "", purgeOnDelete: result.value(0, "purge") == "t",
                                tokenSHA256: result.value(0, "token"))
    }

    func createSCIMSource(_ source: StoredSCIMSource) throws(StoreError) {
        try runner.write(conflict: "slug") {
            try $0.query("""
                INSERT INTO sources (slug, name, kind, config, secrets)
                VALUES ($1, $2, 'scim', jsonb_build_object('purge_on_delete', $3::boolean),
                        CASE WHEN $4::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('token_sha256', $4::text) END)
                """, [.text(source.slug), .text(source.name), .bool(source.purgeOnDelete), source.tokenSHA256.map(PGValue.text)])
        }
    }

    func updateSCIMSource(slug: String, name: String?, purgeOnDelete: Bool?, tokenSHA256: String?) throws(StoreError) {
        try runner.write { connection in
            if let name {
                try connection.query("UPDATE sources SET name = $2, updated_at = now() WHERE slug = $1 AND kind = 'scim'",
                                     [.text(slug), .text(name)])
            }
            if let purgeOnDelete {
                try connection.query("""
                    UPDATE sources SET config = config || jsonb_build_object('purge_on_delete', $2::boolean), updated_at = now()
                    WHERE slug = $1 AND kind = 'scim'
                    """, [.text(slug), .bool(purgeOnDelete)])
            }
            if let tokenSHA256 {
                try connection.query("""
                    UPDATE sources SET secrets = secrets || jsonb_build_object('token_sha256', $2::text), updated_at = now()
                    WHERE slug = $1 AND kind = 'scim'
                    """, [.text(slug), .text(tokenSHA256)])
            }
        }
    }

    func deleteSCIMSource(slug: String) throws(StoreError) -> Bool {
        // Only its scim_resources rows go with it (ON DELETE CASCADE).
        try runner.write { try $0.query("DELETE FROM sources WHERE slug = $1 AND kind = 'scim'", [.text(slug)]) }.affectedRows == 1
    }
}

/// `sources` of kind `oauth` (see `PostgresOAuthSourceStore`): `name` and `enabled` as columns,
/// every other field in `config`, the sealed client secret in `secrets.client_secret`.
struct PostgresOAuthSourceRecords: OAuthSourceRecords {
    let runner: PGStoreRunner
    var kind: PGValue { .text(PostgresOAuthSourceStore.kind) }

    func oauthSource(slug: String) throws(StoreError) -> StoredOAuthSource? {
        try PostgresOAuthSourceStore(runner: runner).source(slug: slug)
    }

    func newSourceID() throws(StoreError) -> String { try newRowID(runner) }

    func createOAuthSource(_ source: StoredOAuthSource) throws(StoreError) {
        let secrets = source.sealedClientSecret.map { "{\"client_secret\":" + JSONText.quoted($0) + "}" } ?? "{}"
        try runner.write(conflict: "slug") {
            try $0.query("INSERT INTO sources (id, slug, name, kind, config, secrets, enabled) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                         [.uuid(source.id), .text(source.slug), .text(source.name), kind, .jsonb(source.config.text),
                          .jsonb(secrets), .bool(source.enabled)])
        }
    }

    func updateOAuthSource(id: String, name: String, enabled: Bool, config: JSONText) throws(StoreError) {
        try runner.write {
            try $0.query("UPDATE sources SET name = $2, config = $3, enabled = $4, updated_at = now() WHERE id = $1",
                         [.uuid(id), .text(name), .jsonb(config.text), .bool(enabled)])
        }
    }

    func setClientSecret(sourceID: String, sealed: String) throws(StoreError) {
        try runner.write {
            try $0.query("UPDATE sources SET secrets = jsonb_set(secrets, '{client_secret}', to_jsonb($2::text)) WHERE id = $1",
                         [.uuid(sourceID), .text(sealed)])
        }
    }

    func deleteOAuthSource(slug: String) throws(StoreError) -> Bool {
        // Connections go with it (ON DELETE CASCADE); users and synced groups stay.
        try runner.write { try $0.query("DELETE FROM sources WHERE slug = $1 AND kind = $2", [.text(slug), kind]) }.affectedRows == 1
    }
}
