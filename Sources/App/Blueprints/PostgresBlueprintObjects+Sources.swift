import Blueprints
import Crypto
import Postgres
import Store

/// The `oauth-source` model on PostgreSQL: table `sources` (kind `oauth`), `name` and
/// `enabled` as columns, every other field in `config`, the client secret sealed in
/// `secrets` (`sources/<id>/client_secret`).
extension PostgresBlueprintObjects {
    static let sourceKind = "oauth"
    static let sourceSecretKey = "client_secret"

    private struct SourceRow {
        let id: String
        let name: String
        let enabled: Bool
        let config: [String: FieldValue]
        let sealedSecret: String?
    }

    private func sourceRow(slug: String) throws -> SourceRow? {
        let result = try connection.query("""
            SELECT id::text AS id, name, enabled, config::text AS config, secrets->>'client_secret' AS secret
            FROM sources WHERE slug = $1 AND kind = $2
            """, [.text(slug), .text(Self.sourceKind)])
        guard !result.rows.isEmpty, let id = result.value(0, "id") else { return nil }
        guard case .map(let config)? = AttributesJSON.decode(result.value(0, "config") ?? "") else {
            throw StoreError.invalid("the stored config of oauth-source \(slug) is not a JSON object")
        }
        return SourceRow(id: id, name: result.value(0, "name") ?? "", enabled: result.value(0, "enabled") == "t",
                         config: config, sealedSecret: result.value(0, "secret"))
    }

    func sourceFields(of key: EntryKey) throws -> [String: FieldValue]? {
        guard let slug = key.identifiers["slug"], let row = try sourceRow(slug: slug) else { return nil }
        var fields = row.config
        fields["name"] = .string(row.name)
        fields["enabled"] = .bool(row.enabled)
        return fields
    }

    func sourceSecret(of key: EntryKey, matches secret: SecretValue) throws -> Bool {
        guard let sealer, let slug = key.identifiers["slug"], let row = try sourceRow(slug: slug), let sealed = row.sealedSecret,
              let stored = try? SealedColumns.open(sealed, with: sealer, at: SealedColumns.sourceSecrets, rowID: row.id,
                                                   field: Self.sourceSecretKey) else { return false }
        return constantTimeEquals(Array(stored.utf8), Array(secret.reveal().utf8))
    }

    func createSource(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard let slug = key.identifiers["slug"] else { throw StoreError.invalid("missing identifier slug") }
        guard case .string(let name)? = fields["name"] else { throw StoreError.invalid("name is required") }
        guard case .secret(let secret)? = fields[Self.sourceSecretKey] else {
            throw StoreError.invalid("client_secret is required (client_secret: !Env NAME)")
        }
        guard let id = try connection.query("SELECT gen_random_uuid()::text").scalar else { throw StoreError.unavailable("no uuid") }
        let sealed = try sealSource(secret, id: id)
        try connection.query("""
            INSERT INTO sources (id, slug, name, kind, config, secrets, enabled) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [.uuid(id), .text(slug), .text(name), .text(Self.sourceKind), .jsonb(try sourceConfigJSON(fields, into: [:])),
                  .jsonb("{\"client_secret\":" + JSONText.quoted(sealed) + "}"), .bool(bool(fields["enabled"]) ?? true)])
    }

    func updateSource(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard let slug = key.identifiers["slug"], let row = try sourceRow(slug: slug) else {
            throw StoreError.notFound("oauth-source \(key)")
        }
        var name = row.name
        if case .string(let wanted)? = fields["name"] { name = wanted }
        try connection.query("""
            UPDATE sources SET name = $2, config = $3, enabled = $4, updated_at = now() WHERE id = $1
            """, [.uuid(row.id), .text(name), .jsonb(try sourceConfigJSON(fields, into: row.config)),
                  .bool(bool(fields["enabled"]) ?? row.enabled)])
        if case .secret(let secret)? = fields[Self.sourceSecretKey] {
            try connection.query("""
                UPDATE sources SET secrets = jsonb_set(secrets, '{client_secret}', to_jsonb($2::text)) WHERE id = $1
                """, [.uuid(row.id), .text(try sealSource(secret, id: row.id))])
        }
    }

    func deleteSource(_ key: EntryKey) throws {
        // Connections go with it (ON DELETE CASCADE); users and synced groups stay.
        let result = try connection.query("DELETE FROM sources WHERE slug = $1 AND kind = $2",
                                          [.text(key.identifiers["slug"] ?? ""), .text(Self.sourceKind)])
        guard result.affectedRows == 1 else { throw StoreError.notFound(key.description) }
    }

    private func sourceConfigJSON(_ fields: [String: FieldValue], into base: [String: FieldValue]) throws -> String {
        var config = base
        for (name, value) in fields where !["name", "enabled", Self.sourceSecretKey].contains(name) {
            config[name] = value.revealingSecrets
        }
        guard let text = AttributesJSON.encode(.map(config)) else { throw StoreError.invalid("config cannot be stored as JSON") }
        return text
    }

    private func sealSource(_ secret: SecretValue, id: String) throws -> String {
        guard let sealer else { throw StoreError.unavailable("GATEHOUSE_SECRET_KEY is required to store a client secret") }
        return SealedColumns.seal(secret.reveal(), with: sealer, at: SealedColumns.sourceSecrets, rowID: id,
                                  field: Self.sourceSecretKey)
    }

    private func bool(_ value: FieldValue?) -> Bool? {
        guard case .bool(let b)? = value else { return nil }
        return b
    }
}
