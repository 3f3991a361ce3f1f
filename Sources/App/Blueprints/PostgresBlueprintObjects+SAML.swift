import Blueprints
import Crypto
import Postgres
import SAML
import Store

/// The `saml-provider` blueprint model on PostgreSQL: a `providers` row of kind `saml` whose
/// `config` holds the blueprint's attributes under their names (certificates as PEM: they are
/// public), and under `from_metadata` what `sp_metadata` supplied, which counts only where the
/// entry names nothing itself (`PostgresSAMLProviderDirectory`). Runs in the applier's transaction.
extension PostgresBlueprintObjects {
    static let samlKind = PostgresSAMLProviderDirectory.kind

    func samlFields(of key: EntryKey) throws -> [String: FieldValue]? {
        guard let row = try samlProvider(named: try samlName(key)) else { return nil }
        var fields = row.config
        fields["from_metadata"] = nil
        return fields
    }

    func createSAML(_ key: EntryKey, fields: [String: FieldValue]) throws {
        let name = try samlName(key)
        if let other = try connection.query("SELECT kind FROM providers WHERE name = $1", [.text(name)]).scalar {
            throw StoreError.invalid("provider names are unique across kinds: \(name) is already a provider of kind \(other)")
        }
        let config = try samlConfig(merging: fields, into: [:], name: name)
        try connection.query("INSERT INTO providers (name, kind, config) VALUES ($1, $2, $3)",
                             [.text(name), .text(Self.samlKind), .jsonb(try samlJSON(config))])
    }

    func updateSAML(_ key: EntryKey, fields: [String: FieldValue]) throws {
        let name = try samlName(key)
        guard let row = try samlProvider(named: name) else { throw StoreError.notFound("saml-provider \(name)") }
        var base = row.config
        // acs_url and acs_urls replace each other.
        if fields["acs_url"] != nil { base["acs_urls"] = nil }
        if fields["acs_urls"] != nil { base["acs_url"] = nil }
        let config = try samlConfig(merging: fields, into: base, name: name)
        try connection.query("UPDATE providers SET config = $2, updated_at = now() WHERE id = $1",
                             [.uuid(row.id), .jsonb(try samlJSON(config))])
    }

    func deleteSAML(_ key: EntryKey) throws {
        // Its application stays, without a provider (ON DELETE SET NULL).
        let result = try connection.query("DELETE FROM providers WHERE name = $1 AND kind = $2",
                                          [.text(try samlName(key)), .text(Self.samlKind)])
        guard result.affectedRows == 1 else { throw StoreError.notFound("saml-provider") }
    }

    // MARK: - helpers

    private struct SAMLRow {
        let id: String
        let config: [String: FieldValue]
    }

    private func samlProvider(named name: String) throws -> SAMLRow? {
        let result = try connection.query("SELECT id::text AS id, config::text AS config FROM providers WHERE name = $1 AND kind = $2",
                                          [.text(name), .text(Self.samlKind)])
        guard !result.rows.isEmpty, let id = result.value(0, "id") else { return nil }
        guard case .map(let config)? = AttributesJSON.decode(result.value(0, "config") ?? "") else {
            throw StoreError.invalid("the stored config of saml-provider \(name) is not a JSON object")
        }
        return SAMLRow(id: id, config: config)
    }

    /// The stored config after `fields`, with `from_metadata` worked out again and the result
    /// checked as the SAML room will read it (certificates parse, an ACS URL and an audience exist).
    private func samlConfig(merging fields: [String: FieldValue], into base: [String: FieldValue],
                            name: String) throws -> [String: FieldValue] {
        func bad(_ field: String, _ why: String) -> StoreError { .invalid("saml-provider \(name): attrs.\(field): \(why)") }
        var config = base
        for (field, value) in fields { config[field] = value.revealingSecrets }
        if case .string(let xml)? = config["sp_metadata"] {
            let metadata: ServiceProviderMetadata
            do { metadata = try ServiceProviderMetadata.read(xml) } catch { throw bad("sp_metadata", error.description) }
            var derived: [String: FieldValue] = [
                "audience": .string(metadata.entityID),
                "acs_urls": .list(metadata.acsURLs.map(FieldValue.string)),
            ]
            if let slo = metadata.sloURL { derived["slo_url"] = .string(slo) }
            if let binding = metadata.sloBinding { derived["slo_binding"] = .string(binding) }
            // The SP's signing certificate becomes the verification certificate only when the
            // SP says it signs its AuthnRequests: otherwise its requests would be refused.
            if metadata.authnRequestsSigned, let pem = metadata.signingCertificatesPEM { derived["verification_certificate"] = .string(pem) }
            if let pem = metadata.encryptionCertificatePEM { derived["encryption_certificate"] = .string(pem) }
            if let format = metadata.nameIDFormat { derived["name_id_format"] = .string(format) }
            if metadata.wantAssertionsSigned { derived["sign_assertion"] = .bool(true) }
            config["from_metadata"] = .map(derived)
        } else {
            config["from_metadata"] = nil
        }
        func effective(_ field: String) -> FieldValue? {
            if let value = config[field] { return value }
            if case .map(let derived)? = config["from_metadata"] { return derived[field] }
            return nil
        }
        guard case .string(let audience)? = effective("audience"), !audience.isEmpty else {
            throw bad("audience", "the SP's entity ID is needed (audience or sp_metadata)")
        }
        if effective("acs_url") == nil, effective("acs_urls") == nil {
            throw bad("acs_url", "an ACS URL is needed (acs_url, acs_urls or sp_metadata)")
        }
        for field in ["encryption_certificate", "verification_certificate"] {
            guard case .string(let pem)? = effective(field) else { continue }
            let certificates: [X509Certificate]
            do { certificates = try X509Certificate.chain(pem: pem) } catch { throw bad(field, "\(error)") }
            guard let first = certificates.first else { throw bad(field, "holds no CERTIFICATE block") }
            if field == "encryption_certificate", case .ec = first.keyType {
                throw bad(field, "must be an RSA certificate (RSA-OAEP key transport)")
            }
        }
        return config
    }

    private func samlJSON(_ config: [String: FieldValue]) throws -> String {
        guard let text = AttributesJSON.encode(.map(config)) else { throw StoreError.invalid("config cannot be stored as JSON") }
        return text
    }

    private func samlName(_ key: EntryKey) throws -> String {
        guard let value = key.identifiers["name"] else { throw StoreError.invalid("missing identifier name") }
        return value
    }
}
