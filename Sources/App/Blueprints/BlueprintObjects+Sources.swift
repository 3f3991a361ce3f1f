import Blueprints
import Crypto
import Store

/// The `oauth-source` model: `name` and `enabled` apart, every other field in the source's
/// config, the client secret sealed (`sources/<id>/client_secret`).
extension BlueprintObjects {
    static let sourceSecretKey = "client_secret"

    /// A stored source with its config read as blueprint fields.
    private struct SourceRow {
        let stored: StoredOAuthSource
        let config: [String: FieldValue]
    }

    private func sourceRow(slug: String) throws -> SourceRow? {
        guard let stored = try records.oauthSources.oauthSource(slug: slug) else { return nil }
        guard case .map(let config)? = AttributesJSON.decode(stored.config.text) else {
            throw StoreError.invalid("the stored config of oauth-source \(slug) is not a JSON object")
        }
        return SourceRow(stored: stored, config: config)
    }

    func sourceFields(of key: EntryKey) throws -> [String: FieldValue]? {
        guard let slug = key.identifiers["slug"], let row = try sourceRow(slug: slug) else { return nil }
        var fields = row.config
        fields["name"] = .string(row.stored.name)
        fields["enabled"] = .bool(row.stored.enabled)
        return fields
    }

    func sourceSecret(of key: EntryKey, matches secret: SecretValue) throws -> Bool {
        guard let sealer, let slug = key.identifiers["slug"], let row = try sourceRow(slug: slug),
              let sealed = row.stored.sealedClientSecret,
              let stored = try? SealedColumns.open(sealed, with: sealer, at: SealedColumns.sourceSecrets, rowID: row.stored.id,
                                                   field: Self.sourceSecretKey) else { return false }
        return constantTimeEquals(Array(stored.utf8), Array(secret.reveal().utf8))
    }

    func createSource(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard let slug = key.identifiers["slug"] else { throw StoreError.invalid("missing identifier slug") }
        guard case .string(let name)? = fields["name"] else { throw StoreError.invalid("name is required") }
        guard case .secret(let secret)? = fields[Self.sourceSecretKey] else {
            throw StoreError.invalid("client_secret is required (client_secret: !Env NAME)")
        }
        let id = try records.oauthSources.newSourceID()
        let sealed = try sealSource(secret, id: id)
        try records.oauthSources.createOAuthSource(StoredOAuthSource(
            id: id, slug: slug, name: name, enabled: bool(fields["enabled"]) ?? true,
            config: try sourceConfigJSON(fields, into: [:]), sealedClientSecret: sealed))
    }

    func updateSource(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard let slug = key.identifiers["slug"], let row = try sourceRow(slug: slug) else {
            throw StoreError.notFound("oauth-source \(key)")
        }
        var name = row.stored.name
        if case .string(let wanted)? = fields["name"] { name = wanted }
        try records.oauthSources.updateOAuthSource(id: row.stored.id, name: name, enabled: bool(fields["enabled"]) ?? row.stored.enabled,
                                                   config: try sourceConfigJSON(fields, into: row.config))
        if case .secret(let secret)? = fields[Self.sourceSecretKey] {
            try records.oauthSources.setClientSecret(sourceID: row.stored.id, sealed: try sealSource(secret, id: row.stored.id))
        }
    }

    func deleteSource(_ key: EntryKey) throws {
        // Links to users go with it; users and synced groups stay.
        guard try records.oauthSources.deleteOAuthSource(slug: key.identifiers["slug"] ?? "") else {
            throw StoreError.notFound(key.description)
        }
    }

    private func sourceConfigJSON(_ fields: [String: FieldValue], into base: [String: FieldValue]) throws -> JSONText {
        var config = base
        for (name, value) in fields where !["name", "enabled", Self.sourceSecretKey].contains(name) {
            config[name] = value.revealingSecrets
        }
        guard let text = AttributesJSON.encode(.map(config)) else { throw StoreError.invalid("config cannot be stored as JSON") }
        return JSONText(text)
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
