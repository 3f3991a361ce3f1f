import Blueprints
import Crypto
import JSON
import Store

/// The OAuth provider's blueprint models: `scope-mapping`, `oauth2-provider` (see
/// `OAuthProviderConfig`: `client_id` apart, the other fields as config, the secret sealed) and
/// `application` (with its groups). Runs in the applier's transaction.
extension BlueprintObjects {
    static let oauthModels: Set<String> = ["scope-mapping", "oauth2-provider", "application"]

    // MARK: reading

    func oauthFields(of key: EntryKey) throws -> [String: FieldValue]? {
        switch key.model {
        case "scope-mapping":
            guard let mapping = try records.scopeMappings.scopeMapping(named: try oauthIdentifier(key, "name")) else { return nil }
            return ["scope_name": .string(mapping.scopeName), "description": .string(mapping.description),
                    "expression": .string(mapping.expression)]
        case "oauth2-provider":
            guard let row = try provider(named: try oauthIdentifier(key, "name")) else { return nil }
            var fields = row.config
            fields["client_id"] = .string(row.stored.clientID)
            return fields
        case "application":
            let applications = records.applications
            guard let application = try applications.application(slug: try oauthIdentifier(key, "slug")) else { return nil }
            var fields: [String: FieldValue] = [
                "name": .string(application.name),
                "groups": .list(try applications.groupNames(ofApplication: application.id).map(FieldValue.string)),
            ]
            if let provider = application.providerName { fields["provider"] = .string(provider) }
            if let launchURL = application.launchURL { fields["launch_url"] = .string(launchURL) }
            return fields
        default:
            return nil
        }
    }

    /// Opens the stored client secret and compares (a secret that does not open differs).
    func clientSecret(of key: EntryKey, matches secret: SecretValue) throws -> Bool {
        guard let sealer, let row = try provider(named: try oauthIdentifier(key, "name")), let sealed = row.stored.sealedClientSecret,
              let stored = try? SealedColumns.open(sealed, with: sealer, at: SealedColumns.providerSecrets, rowID: row.stored.id,
                                                   field: OAuthProviderConfig.secretKey) else { return false }
        return constantTimeEquals(Array(stored.utf8), Array(secret.reveal().utf8))
    }

    static func isServiceAccount(_ user: User) -> Bool {
        guard case .map(let attributes)? = AttributesJSON.decode(user.attributes.text) else { return false }
        return attributes["service_account"] == .bool(true)
    }

    // MARK: writing

    func createOAuth(_ key: EntryKey, fields: [String: FieldValue]) throws {
        switch key.model {
        case "scope-mapping":
            try records.scopeMappings.createScopeMapping(OAuthScopeMapping(
                name: try oauthIdentifier(key, "name"), scopeName: try required(fields, "scope_name"),
                description: plain(fields["description"]) ?? "", expression: try required(fields, "expression")))
        case "oauth2-provider":
            let name = try oauthIdentifier(key, "name")
            let clientID = try required(fields, "client_id")
            try checkClientIDFree(clientID, provider: name)
            var config = OAuthProviderConfig.defaults
            merge(fields, into: &config)
            if config["service_account"] == nil {
                config["service_account"] = .string(OAuthProviderConfig.defaultServiceAccount(clientID: clientID))
            }
            let id = try records.oauthProviders.newProviderID()
            var sealed: String?
            if config["client_type"] == .string(OAuthClientType.confidential.rawValue) {
                guard case .secret(let secret)? = fields[OAuthProviderConfig.secretKey] else {
                    throw StoreError.invalid("a confidential client needs a secret (client_secret: !Env NAME)")
                }
                sealed = try seal(secret, providerID: id)
            }
            try records.oauthProviders.createProvider(StoredOAuthProvider(
                id: id, name: name, clientID: clientID, config: try json(config), sealedClientSecret: sealed))
            try ensureServiceAccount(config, clientID: clientID)
        case "application":
            let slug = try oauthIdentifier(key, "slug")
            var providerID: String?
            if let name = plain(fields["provider"]) { providerID = try self.providerID(named: name, forApplication: slug) }
            let id = try records.applications.createApplication(slug: slug, name: try required(fields, "name"),
                                                                providerID: providerID, launchURL: plain(fields["launch_url"]))
            if let groups = fields["groups"] { try setApplicationGroups(id, to: groups) }
        default:
            throw StoreError.invalid("model \(key.model) is not an OAuth model")
        }
    }

    func updateOAuth(_ key: EntryKey, fields: [String: FieldValue]) throws {
        switch key.model {
        case "scope-mapping":
            try records.scopeMappings.updateScopeMapping(
                named: try oauthIdentifier(key, "name"), scopeName: plain(fields["scope_name"]),
                description: plain(fields["description"]), expression: plain(fields["expression"]))
        case "oauth2-provider":
            let name = try oauthIdentifier(key, "name")
            guard let row = try provider(named: name) else { throw StoreError.notFound("oauth2-provider \(name)") }
            var clientID = row.stored.clientID
            if let wanted = plain(fields["client_id"]), wanted != clientID {
                try checkClientIDFree(wanted, provider: name)
                clientID = wanted
            }
            var config = row.config
            merge(fields, into: &config)
            try records.oauthProviders.updateProvider(id: row.stored.id, clientID: clientID, config: try json(config))
            if config["client_type"] == .string(OAuthClientType.public.rawValue) {
                // A public client has no secret: one left from when it was confidential goes.
                try records.oauthProviders.setClientSecret(providerID: row.stored.id, sealed: nil)
            } else if case .secret(let secret)? = fields[OAuthProviderConfig.secretKey] {
                try records.oauthProviders.setClientSecret(providerID: row.stored.id,
                                                           sealed: try seal(secret, providerID: row.stored.id))
            } else if row.stored.sealedClientSecret == nil {
                throw StoreError.invalid("a confidential client needs a secret (client_secret: !Env NAME)")
            }
            try ensureServiceAccount(config, clientID: clientID)
        case "application":
            let slug = try oauthIdentifier(key, "slug")
            guard let id = try records.applications.application(slug: slug)?.id else {
                throw StoreError.notFound("application \(slug)")
            }
            if let provider = plain(fields["provider"]) {
                try records.applications.setProvider(ofApplication: id, to: try providerID(named: provider, forApplication: slug))
            }
            if fields["name"] != nil || fields["launch_url"] != nil {
                try records.applications.updateApplication(id: id, name: plain(fields["name"]), launchURL: plain(fields["launch_url"]))
            }
            if let groups = fields["groups"] { try setApplicationGroups(id, to: groups) }
        default:
            throw StoreError.invalid("model \(key.model) is not an OAuth model")
        }
    }

    func deleteOAuth(_ key: EntryKey) throws {
        let deleted: Bool
        switch key.model {
        case "scope-mapping":
            deleted = try records.scopeMappings.deleteScopeMapping(named: try oauthIdentifier(key, "name"))
        case "oauth2-provider":
            // Its codes and refresh tokens end with it; its application stays, without a provider.
            try records.oauthProviders.deleteProvider(named: try oauthIdentifier(key, "name"))
            return
        case "application":
            // Its policy bindings go with it.
            deleted = try records.applications.deleteApplication(slug: try oauthIdentifier(key, "slug"))
        default:
            throw StoreError.invalid("model \(key.model) is not an OAuth model")
        }
        guard deleted else { throw StoreError.notFound(key.description) }
    }

    // MARK: - helpers

    /// A stored provider with its config read as blueprint fields.
    private struct ProviderRow {
        let stored: StoredOAuthProvider
        let config: [String: FieldValue]
    }

    private func provider(named name: String) throws -> ProviderRow? {
        guard let stored = try records.oauthProviders.provider(named: name) else { return nil }
        guard case .map(let config)? = AttributesJSON.decode(stored.config.text) else {
            throw StoreError.invalid("the stored config of oauth2-provider \(name) is not a JSON object")
        }
        return ProviderRow(stored: stored, config: config)
    }

    /// Two providers must never answer to one client_id.
    private func checkClientIDFree(_ clientID: String, provider name: String) throws {
        if let owner = try records.oauthProviders.providerName(usingClientID: clientID, except: name) {
            throw StoreError.invalid("client_id \(clientID) is already used by oauth2-provider \(owner)")
        }
    }

    /// The provider's id; a provider serves one application only.
    /// The provider's id (of any kind: names are unique across kinds); a provider serves one application only.
    private func providerID(named name: String, forApplication slug: String) throws -> String {
        guard let id = try records.samlProviders.providerID(named: name) else {
            throw StoreError.notFound("provider \(name)")
        }
        if let owner = try records.applications.applicationSlug(servedBy: id, except: slug) {
            throw StoreError.invalid("provider \(name) already serves application \(owner)")
        }
        return id
    }

    /// Makes the application's groups exactly the listed ones (each must exist).
    private func setApplicationGroups(_ applicationID: String, to value: FieldValue) throws {
        guard case .list(let items) = value else { throw StoreError.invalid("groups must be a list") }
        let wanted = Set(items.compactMap(\.stringValue))
        let current = Set(try records.applications.groupNames(ofApplication: applicationID))
        for name in current.subtracting(wanted).sorted() {
            try records.applications.removeGroup(try groupID(named: name), fromApplication: applicationID)
        }
        for name in wanted.subtracting(current).sorted() {
            try records.applications.addGroup(try groupID(named: name), toApplication: applicationID)
        }
    }

    /// Creates the provider's service account when missing (no password: it never signs in).
    private func ensureServiceAccount(_ config: [String: FieldValue], clientID: String) throws {
        guard let username = config["service_account"]?.stringValue, !username.isEmpty,
              try users.user(username: username) == nil else { return }
        _ = try users.createUser(NewUser(
            username: username, name: "Service account of \(clientID)",
            attributes: JSONText(["oauth_client_id": .string(clientID), "service_account": true])))
    }

    private func seal(_ secret: SecretValue, providerID: String) throws -> String {
        guard let sealer else {
            throw StoreError.unavailable("GATEHOUSE_SECRET_KEY is required to store a client secret")
        }
        return SealedColumns.seal(secret.reveal(), with: sealer, at: SealedColumns.providerSecrets, rowID: providerID,
                                  field: OAuthProviderConfig.secretKey)
    }

    /// Everything but client_id (a column) and client_secret (sealed apart) goes to config.
    private func merge(_ fields: [String: FieldValue], into config: inout [String: FieldValue]) {
        for (name, value) in fields where name != "client_id" && name != OAuthProviderConfig.secretKey {
            config[name] = value.revealingSecrets
        }
    }

    private func json(_ config: [String: FieldValue]) throws -> JSONText {
        guard let text = AttributesJSON.encode(.map(config)) else { throw StoreError.invalid("config cannot be stored as JSON") }
        return JSONText(text)
    }

    private func oauthIdentifier(_ key: EntryKey, _ name: String) throws -> String {
        guard let value = key.identifiers[name] else { throw StoreError.invalid("missing identifier \(name)") }
        return value
    }

    private func required(_ fields: [String: FieldValue], _ name: String) throws -> String {
        guard let value = plain(fields[name]) else { throw StoreError.invalid("\(name) is required") }
        return value
    }

    /// A string field, also when it came from `!Env` (stored as plain data).
    private func plain(_ value: FieldValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .secret(let secret)?: return secret.reveal()
        default: return nil
        }
    }
}
