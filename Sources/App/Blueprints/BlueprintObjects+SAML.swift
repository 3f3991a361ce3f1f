import Blueprints
import Crypto
import SAML
import Store

/// The `saml-provider` blueprint model: the attributes kept as the provider's config under
/// their names (certificates as PEM: they are public), and under `from_metadata` what
/// `sp_metadata` supplied, which counts only where the entry names nothing itself
/// (`PostgresSAMLProviderDirectory`). Runs in the applier's transaction.
extension BlueprintObjects {
    func samlFields(of key: EntryKey) throws -> [String: FieldValue]? {
        guard let stored = try records.samlProviders.samlProvider(named: try samlName(key)) else { return nil }
        var fields = try samlConfig(stored)
        fields["from_metadata"] = nil
        return fields
    }

    func createSAML(_ key: EntryKey, fields: [String: FieldValue]) throws {
        let name = try samlName(key)
        if let kind = try records.samlProviders.providerKind(named: name) {
            throw StoreError.invalid("provider names are unique across kinds: \(name) is already a provider of kind \(kind)")
        }
        let config = try samlConfig(merging: fields, into: [:], name: name)
        try records.samlProviders.createSAMLProvider(name: name, config: try samlJSON(config))
    }

    func updateSAML(_ key: EntryKey, fields: [String: FieldValue]) throws {
        let name = try samlName(key)
        guard let stored = try records.samlProviders.samlProvider(named: name) else { throw StoreError.notFound("saml-provider \(name)") }
        var base = try samlConfig(stored)
        // acs_url and acs_urls replace each other.
        if fields["acs_url"] != nil { base["acs_urls"] = nil }
        if fields["acs_urls"] != nil { base["acs_url"] = nil }
        let config = try samlConfig(merging: fields, into: base, name: name)
        try records.samlProviders.updateSAMLProvider(id: stored.id, config: try samlJSON(config))
    }

    func deleteSAML(_ key: EntryKey) throws {
        guard try records.samlProviders.deleteSAMLProvider(named: try samlName(key)) else { throw StoreError.notFound("saml-provider") }
    }

    // MARK: - helpers

    private func samlConfig(_ stored: StoredSAMLProvider) throws -> [String: FieldValue] {
        guard case .map(let config)? = AttributesJSON.decode(stored.config.text) else {
            throw StoreError.invalid("the stored config of saml-provider \(stored.name) is not a JSON object")
        }
        return config
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

    private func samlJSON(_ config: [String: FieldValue]) throws -> JSONText {
        guard let text = AttributesJSON.encode(.map(config)) else { throw StoreError.invalid("config cannot be stored as JSON") }
        return JSONText(text)
    }

    private func samlName(_ key: EntryKey) throws -> String {
        guard let value = key.identifiers["name"] else { throw StoreError.invalid("missing identifier name") }
        return value
    }
}
