import Store

/// `providers` of kind `saml` (migration 2; read by `PostgresSAMLProviderDirectory`).
struct PostgresSAMLProviderRecords: SAMLProviderRecords {
    let runner: PGStoreRunner
    var kind: PGValue { .text(PostgresSAMLProviderDirectory.kind) }

    func samlProvider(named name: String) throws(StoreError) -> StoredSAMLProvider? {
        let result = try runner.read {
            try $0.query("SELECT id::text AS id, config::text AS config FROM providers WHERE name = $1 AND kind = $2",
                         [.text(name), kind])
        }
        guard !result.rows.isEmpty else { return nil }
        return StoredSAMLProvider(id: try result.text(0, "id"), name: name, config: JSONText(try result.text(0, "config")))
    }

    func providerKind(named name: String) throws(StoreError) -> String? {
        try runner.read { try $0.query("SELECT kind FROM providers WHERE name = $1", [.text(name)]).scalar }
    }

    func providerID(named name: String) throws(StoreError) -> String? {
        try runner.read { try $0.query("SELECT id::text FROM providers WHERE name = $1", [.text(name)]).scalar }
    }

    func createSAMLProvider(name: String, config: JSONText) throws(StoreError) {
        try runner.write(conflict: "name") {
            try $0.query("INSERT INTO providers (name, kind, config) VALUES ($1, $2, $3)", [.text(name), kind, .jsonb(config.text)])
        }
    }

    func updateSAMLProvider(id: String, config: JSONText) throws(StoreError) {
        let result = try runner.write {
            try $0.query("UPDATE providers SET config = $2, updated_at = now() WHERE id = $1 AND kind = $3",
                         [.uuid(id), .jsonb(config.text), kind])
        }
        guard result.affectedRows == 1 else { throw .notFound("saml-provider") }
    }

    func deleteSAMLProvider(named name: String) throws(StoreError) -> Bool {
        try runner.write { try $0.query("DELETE FROM providers WHERE name = $1 AND kind = $2", [.text(name), kind]) }.affectedRows == 1
    }
}
