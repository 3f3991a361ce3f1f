import Blueprints
import Crypto
import Postgres
import Store

/// The OAuth provider's blueprint models on PostgreSQL: `scope-mapping` (table
/// `scope_mappings`), `oauth2-provider` (`providers`, kind `oauth2`; see `OAuthProviderConfig`)
/// and `application` (`applications`, `application_groups`). Runs in the applier's transaction.
extension PostgresBlueprintObjects {
    static let oauthModels: Set<String> = ["scope-mapping", "oauth2-provider", "application"]

    // MARK: reading

    func oauthFields(of key: EntryKey) throws -> [String: FieldValue]? {
        switch key.model {
        case "scope-mapping":
            let result = try connection.query("SELECT scope_name, description, expression FROM scope_mappings WHERE name = $1",
                                              [.text(try oauthIdentifier(key, "name"))])
            guard !result.rows.isEmpty else { return nil }
            return ["scope_name": .string(try cell(result, 0, "scope_name")),
                    "description": .string(try cell(result, 0, "description")),
                    "expression": .string(try cell(result, 0, "expression"))]
        case "oauth2-provider":
            guard let row = try provider(named: try oauthIdentifier(key, "name")) else { return nil }
            var fields = row.config
            fields["client_id"] = .string(row.clientID)
            return fields
        case "application":
            let result = try connection.query("""
                SELECT a.id::text AS id, a.name, p.name AS provider, a.launch_url
                FROM applications a LEFT JOIN providers p ON p.id = a.provider_id WHERE a.slug = $1
                """, [.text(try oauthIdentifier(key, "slug"))])
            guard !result.rows.isEmpty else { return nil }
            var fields: [String: FieldValue] = [
                "name": .string(try cell(result, 0, "name")),
                "groups": .list(try applicationGroupNames(try cell(result, 0, "id")).map(FieldValue.string)),
            ]
            if let provider = result.value(0, "provider") { fields["provider"] = .string(provider) }
            if let launchURL = result.value(0, "launch_url") { fields["launch_url"] = .string(launchURL) }
            return fields
        default:
            return nil
        }
    }

    /// Opens the stored client secret and compares (a secret that does not open differs).
    func clientSecret(of key: EntryKey, matches secret: SecretValue) throws -> Bool {
        guard let sealer, let row = try provider(named: try oauthIdentifier(key, "name")), let sealed = row.sealedSecret,
              let stored = try? SealedColumns.open(sealed, with: sealer, at: SealedColumns.providerSecrets, rowID: row.id,
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
            try connection.query("""
                INSERT INTO scope_mappings (name, scope_name, description, expression) VALUES ($1, $2, $3, $4)
                """, [.text(try oauthIdentifier(key, "name")), .text(try required(fields, "scope_name")),
                      .text(plain(fields["description"]) ?? ""), .text(try required(fields, "expression"))])
        case "oauth2-provider":
            let name = try oauthIdentifier(key, "name")
            let clientID = try required(fields, "client_id")
            try checkClientIDFree(clientID, provider: name)
            var config = OAuthProviderConfig.defaults
            merge(fields, into: &config)
            if config["service_account"] == nil {
                config["service_account"] = .string(OAuthProviderConfig.defaultServiceAccount(clientID: clientID))
            }
            guard let id = try connection.query("SELECT gen_random_uuid()::text").scalar else {
                throw StoreError.unavailable("no uuid")
            }
            var secrets = "{}"
            if config["client_type"] == .string(OAuthClientType.confidential.rawValue) {
                guard case .secret(let secret)? = fields[OAuthProviderConfig.secretKey] else {
                    throw StoreError.invalid("a confidential client needs a secret (client_secret: !Env NAME)")
                }
                secrets = "{\"client_secret\":" + JSONText.quoted(try seal(secret, providerID: id)) + "}"
            }
            try connection.query("""
                INSERT INTO providers (id, name, kind, client_id, config, secrets) VALUES ($1, $2, $3, $4, $5, $6)
                """, [.uuid(id), .text(name), .text(OAuthProviderConfig.kind), .text(clientID), .jsonb(try json(config)),
                      .jsonb(secrets)])
            try ensureServiceAccount(config, clientID: clientID)
        case "application":
            let slug = try oauthIdentifier(key, "slug")
            var provider: PGValue?
            if let name = plain(fields["provider"]) { provider = .uuid(try providerID(named: name, forApplication: slug)) }
            let name = try required(fields, "name")
            let launchURL: PGValue? = plain(fields["launch_url"]).map { .text($0) }
            let inserted = try connection.query("""
                INSERT INTO applications (slug, name, provider_id, launch_url) VALUES ($1, $2, $3, $4) RETURNING id::text
                """, [.text(slug), .text(name), provider, launchURL])
            guard let id = inserted.scalar else { throw StoreError.unavailable("no id") }
            if let groups = fields["groups"] { try setApplicationGroups(id, to: groups) }
        default:
            throw StoreError.invalid("model \(key.model) is not an OAuth model")
        }
    }

    func updateOAuth(_ key: EntryKey, fields: [String: FieldValue]) throws {
        switch key.model {
        case "scope-mapping":
            let name = try oauthIdentifier(key, "name")
            let result = try connection.query("""
                UPDATE scope_mappings SET scope_name = coalesce($2, scope_name), description = coalesce($3, description),
                                          expression = coalesce($4, expression), updated_at = now()
                WHERE name = $1
                """, [.text(name), plain(fields["scope_name"]).map(PGValue.text), plain(fields["description"]).map(PGValue.text),
                      plain(fields["expression"]).map(PGValue.text)])
            guard result.affectedRows == 1 else { throw StoreError.notFound("scope-mapping \(name)") }
        case "oauth2-provider":
            let name = try oauthIdentifier(key, "name")
            guard let row = try provider(named: name) else { throw StoreError.notFound("oauth2-provider \(name)") }
            var clientID = row.clientID
            if let wanted = plain(fields["client_id"]), wanted != clientID {
                try checkClientIDFree(wanted, provider: name)
                clientID = wanted
            }
            var config = row.config
            merge(fields, into: &config)
            try connection.query("UPDATE providers SET client_id = $2, config = $3, updated_at = now() WHERE id = $1",
                                 [.uuid(row.id), .text(clientID), .jsonb(try json(config))])
            if config["client_type"] == .string(OAuthClientType.public.rawValue) {
                // A public client has no secret: one left from when it was confidential goes.
                try connection.query("UPDATE providers SET secrets = secrets - 'client_secret' WHERE id = $1", [.uuid(row.id)])
            } else if case .secret(let secret)? = fields[OAuthProviderConfig.secretKey] {
                try connection.query("""
                    UPDATE providers SET secrets = jsonb_set(secrets, '{client_secret}', to_jsonb($2::text)) WHERE id = $1
                    """, [.uuid(row.id), .text(try seal(secret, providerID: row.id))])
            } else if row.sealedSecret == nil {
                throw StoreError.invalid("a confidential client needs a secret (client_secret: !Env NAME)")
            }
            try ensureServiceAccount(config, clientID: clientID)
        case "application":
            let slug = try oauthIdentifier(key, "slug")
            guard let id = try connection.query("SELECT id::text FROM applications WHERE slug = $1", [.text(slug)]).scalar else {
                throw StoreError.notFound("application \(slug)")
            }
            if let provider = plain(fields["provider"]) {
                try connection.query("UPDATE applications SET provider_id = $2, updated_at = now() WHERE id = $1",
                                     [.uuid(id), .uuid(try providerID(named: provider, forApplication: slug))])
            }
            if fields["name"] != nil || fields["launch_url"] != nil {
                try connection.query("""
                    UPDATE applications SET name = coalesce($2, name), launch_url = coalesce($3, launch_url), updated_at = now()
                    WHERE id = $1
                    """, [.uuid(id), plain(fields["name"]).map(PGValue.text), plain(fields["launch_url"]).map(PGValue.text)])
            }
            if let groups = fields["groups"] { try setApplicationGroups(id, to: groups) }
        default:
            throw StoreError.invalid("model \(key.model) is not an OAuth model")
        }
    }

    func deleteOAuth(_ key: EntryKey) throws {
        let result: PGResult
        switch key.model {
        case "scope-mapping":
            result = try connection.query("DELETE FROM scope_mappings WHERE name = $1", [.text(try oauthIdentifier(key, "name"))])
        case "oauth2-provider":
            // Its codes and refresh tokens end with it; its application stays, without a provider.
            result = try connection.query("""
                WITH gone AS (DELETE FROM providers WHERE name = $1 AND kind = $2 RETURNING client_id)
                UPDATE tokens SET revoked_at = now() WHERE client_id IN (SELECT client_id FROM gone) AND revoked_at IS NULL
                """, [.text(try oauthIdentifier(key, "name")), .text(OAuthProviderConfig.kind)])
            guard try provider(named: try oauthIdentifier(key, "name")) == nil else {
                throw StoreError.unavailable("oauth2-provider was not deleted")
            }
            return
        case "application":
            result = try connection.query("DELETE FROM applications WHERE slug = $1", [.text(try oauthIdentifier(key, "slug"))])
        default:
            throw StoreError.invalid("model \(key.model) is not an OAuth model")
        }
        guard result.affectedRows == 1 else { throw StoreError.notFound(key.description) }
    }

    // MARK: - helpers

    private struct ProviderRow {
        let id: String
        let clientID: String
        let config: [String: FieldValue]
        let sealedSecret: String?
    }

    private func provider(named name: String) throws -> ProviderRow? {
        let result = try connection.query("""
            SELECT id::text AS id, client_id, config::text AS config, secrets->>'client_secret' AS secret
            FROM providers WHERE name = $1 AND kind = $2
            """, [.text(name), .text(OAuthProviderConfig.kind)])
        guard !result.rows.isEmpty else { return nil }
        guard case .map(let config)? = AttributesJSON.decode(try cell(result, 0, "config")) else {
            throw StoreError.invalid("the stored config of oauth2-provider \(name) is not a JSON object")
        }
        return ProviderRow(id: try cell(result, 0, "id"), clientID: result.value(0, "client_id") ?? "", config: config,
                           sealedSecret: result.value(0, "secret"))
    }

    /// Two providers must never answer to one client_id.
    private func checkClientIDFree(_ clientID: String, provider name: String) throws {
        let other = try connection.query("SELECT name FROM providers WHERE client_id = $1 AND name <> $2", [.text(clientID), .text(name)])
        if let owner = other.scalar {
            throw StoreError.invalid("client_id \(clientID) is already used by oauth2-provider \(owner)")
        }
    }

    /// The provider's id (of any kind: names are unique across kinds); a provider serves one application only.
    private func providerID(named name: String, forApplication slug: String) throws -> String {
        guard let id = try connection.query("SELECT id::text FROM providers WHERE name = $1", [.text(name)]).scalar else {
            throw StoreError.notFound("provider \(name)")
        }
        let other = try connection.query("SELECT slug FROM applications WHERE provider_id = $1 AND slug <> $2", [.uuid(id), .text(slug)])
        if let owner = other.scalar {
            throw StoreError.invalid("provider \(name) already serves application \(owner)")
        }
        return id
    }

    private func applicationGroupNames(_ applicationID: String) throws -> [String] {
        try connection.query("""
            SELECT g.name FROM application_groups ag JOIN groups g ON g.id = ag.group_id WHERE ag.application_id = $1
            """, [.uuid(applicationID)]).rows.compactMap { $0.first ?? nil }.sorted()
    }

    /// Makes the application's groups exactly the listed ones (each must exist).
    private func setApplicationGroups(_ applicationID: String, to value: FieldValue) throws {
        guard case .list(let items) = value else { throw StoreError.invalid("groups must be a list") }
        let wanted = Set(items.compactMap(\.stringValue))
        let current = Set(try applicationGroupNames(applicationID))
        for name in current.subtracting(wanted).sorted() {
            try connection.query("DELETE FROM application_groups WHERE application_id = $1 AND group_id = $2",
                                 [.uuid(applicationID), .uuid(try groupID(named: name).rawValue)])
        }
        for name in wanted.subtracting(current).sorted() {
            try connection.query("INSERT INTO application_groups (application_id, group_id) VALUES ($1, $2)",
                                 [.uuid(applicationID), .uuid(try groupID(named: name).rawValue)])
        }
    }

    /// Creates the provider's service account when missing (no password: it never signs in).
    private func ensureServiceAccount(_ config: [String: FieldValue], clientID: String) throws {
        guard let username = config["service_account"]?.stringValue, !username.isEmpty,
              try users.user(username: username) == nil else { return }
        _ = try users.createUser(NewUser(
            username: username, name: "Service account of \(clientID)",
            attributes: JSONText("{\"oauth_client_id\":" + JSONText.quoted(clientID) + ",\"service_account\":true}")))
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

    private func json(_ config: [String: FieldValue]) throws -> String {
        guard let text = AttributesJSON.encode(.map(config)) else { throw StoreError.invalid("config cannot be stored as JSON") }
        return text
    }

    private func cell(_ result: PGResult, _ row: Int, _ column: String) throws -> String {
        guard let value = result.value(row, column) else { throw StoreError.unavailable("column \(column) is NULL") }
        return value
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
