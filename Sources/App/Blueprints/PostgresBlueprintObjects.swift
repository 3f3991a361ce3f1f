import Blueprints
import Crypto
import Postgres
import Store

/// What exists and where plans are written, over one PostgreSQL connection inside a
/// transaction its caller holds (`BlueprintApplier`). Stores `group`, `user` and (see
/// `PostgresBlueprintObjects+OAuth.swift`) `scope-mapping`, `oauth2-provider`, `application`, `scim-source` and (`+SAML`) `saml-provider`;
/// every other model is refused when written (and reads as missing).
///
/// Reads go through the transaction-scoped stores, so they see what earlier steps wrote.
/// Each change appends one `blueprint.apply` audit event in the same transaction; its context
/// names the model, identifiers, action and the names of the fields written, never a value.
final class PostgresBlueprintObjects: ExistingObjects, BlueprintTarget {
    let connection: PGConnection
    let users: PostgresUserStore
    let groups: PostgresGroupStore
    let events: PostgresEventStore
    let hasher: PasswordHasher
    /// Seals client secrets; nil when no master key is configured (then a client secret cannot be stored).
    let sealer: SecretSealer?
    /// The file and blueprint being applied, for the audit events.
    var file = ""
    var blueprintName = ""

    init(connection: PGConnection, hasher: PasswordHasher, sealer: SecretSealer? = nil) {
        self.connection = connection
        users = PostgresUserStore(connection: connection)
        groups = PostgresGroupStore(connection: connection)
        events = PostgresEventStore(connection: connection)
        self.hasher = hasher
        self.sealer = sealer
    }

    // MARK: ExistingObjects

    func fields(of key: EntryKey) throws -> [String: FieldValue]? {
        switch key.model {
        case "group":
            guard let name = key.identifiers["name"], let group = try groups.group(name: name) else { return nil }
            var fields: [String: FieldValue] = [
                "attributes": Self.fieldValue(group.attributes),
                "is_superuser": .bool(group.isSuperuserGroup),
            ]
            if let parentID = group.parentID, let parent = try groups.group(id: parentID) {
                fields["parent"] = .string(parent.name)
            }
            return fields
        case "user":
            guard let username = key.identifiers["username"], let user = try users.user(username: username) else { return nil }
            var fields: [String: FieldValue] = [
                "name": .string(user.name),
                "attributes": Self.fieldValue(user.attributes),
                "is_active": .bool(user.isActive),
                "is_superuser": .bool(user.isSuperuser),
                "groups": .list(try directGroupNames(of: user.id).map(FieldValue.string)),
            ]
            if let email = user.email { fields["email"] = .string(email) }
            return fields
        case "scope-mapping", "oauth2-provider":
            return try oauthFields(of: key)
        case "saml-provider":
            return try samlFields(of: key)
        case "scim-source":
            guard let slug = key.identifiers["slug"] else { return nil }
            let result = try connection.query("""
                SELECT name, coalesce((config->>'purge_on_delete')::boolean, false)::text FROM sources WHERE slug = $1 AND kind = 'scim'
                """, [.text(slug)])
            guard let row = result.rows.first else { return nil }
            return ["name": .string(row[0] ?? ""), "purge_on_delete": .bool(row[1] == "true")]
        case "oauth-source":
            return try sourceFields(of: key)
        case "application":
            guard var fields = try oauthFields(of: key) else { return nil }
            try applicationPolicyFields(of: key, into: &fields)
            return fields
        case "policy":
            return try policyFields(of: key)
        default:
            return nil
        }
    }

    func secret(_ field: String, of key: EntryKey, matches secret: SecretValue) throws -> Bool {
        if key.model == "oauth2-provider", field == OAuthProviderConfig.secretKey {
            return try clientSecret(of: key, matches: secret)
        }
        if key.model == "scim-source", field == "token" {
            guard let slug = key.identifiers["slug"] else { return false }
            let stored = try connection.query("SELECT secrets->>'token_sha256' FROM sources WHERE slug = $1 AND kind = 'scim'",
                                              [.text(slug)]).scalar
            guard let stored, let bytes = Hex.decode(stored) else { return false }
            return constantTimeEquals(bytes, Digest.sha256(secret.reveal()))
        }
        if key.model == "oauth-source", field == PostgresBlueprintObjects.sourceSecretKey {
            return try sourceSecret(of: key, matches: secret)
        }
        guard key.model == "user", field == "password" else {
            // `!Env` in a plain string field (e.g. email): stored as plain data.
            return try fields(of: key)?[field] == .string(secret.reveal())
        }
        guard let username = key.identifiers["username"],
              let hash = try users.user(username: username)?.passwordHash else { return false }
        if case .valid = hasher.verify(secret.reveal(), against: hash) { return true }
        return false
    }

    // MARK: BlueprintTarget

    func transaction(_ body: (any BlueprintTransaction) throws -> Void) throws {
        // Inside the caller's transaction this is a savepoint; the caller commits.
        try connection.transaction { _ in try body(Writer(self)) }
    }

    // MARK: Helpers

    /// Direct memberships, by group name, sorted as blueprints sort reference lists.
    func directGroupNames(of user: UserID) throws -> [String] {
        let result = try connection.query("""
            SELECT g.name FROM group_memberships m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1
            """, [.uuid(user.rawValue)])
        return result.rows.compactMap { $0.first ?? nil }.sorted()
    }

    func groupID(named name: String) throws -> GroupID {
        guard let group = try groups.group(name: name) else { throw StoreError.notFound("group \(name)") }
        return group.id
    }

    /// A stored attributes document as a blueprint value; one that no blueprint could have
    /// written (a `null` inside) comes back as its text, which differs from every blueprint map.
    static func fieldValue(_ json: JSONText) -> FieldValue {
        AttributesJSON.decode(json.text) ?? .string(json.text)
    }

    static func json(_ value: FieldValue) throws -> JSONText {
        guard let text = AttributesJSON.encode(value) else { throw StoreError.invalid("attributes cannot be stored as JSON") }
        return JSONText(text)
    }
}

/// A write that failed, with the object it was for.
struct BlueprintWriteError: Error, CustomStringConvertible {
    let key: EntryKey
    let action: String
    let reason: String
    var description: String { "\(key): \(action): \(reason)" }
}

/// The writes of one plan; every call runs in the caller's transaction.
private struct Writer: BlueprintTransaction {
    let objects: PostgresBlueprintObjects
    init(_ objects: PostgresBlueprintObjects) { self.objects = objects }

    var users: PostgresUserStore { objects.users }
    var groups: PostgresGroupStore { objects.groups }

    func create(_ key: EntryKey, fields: [String: FieldValue]) throws {
        try run(key, "create", fields: fields.keys.sorted()) {
            switch key.model {
            case "group":
                let name = try identifier(key, "name")
                _ = try groups.createGroup(NewGroup(
                    name: name, parentID: try string(fields["parent"]).map(objects.groupID(named:)),
                    isSuperuserGroup: bool(fields["is_superuser"]) ?? false,
                    attributes: try fields["attributes"].map(PostgresBlueprintObjects.json) ?? .emptyObject))
            case "user":
                let username = try identifier(key, "username")
                // An oauth2-provider earlier in this plan may have made its service account.
                if let existing = try users.user(username: username), PostgresBlueprintObjects.isServiceAccount(existing) {
                    try updateUser(key, fields: fields)
                    return
                }
                let user = try users.createUser(NewUser(
                    username: username, email: string(fields["email"]), name: string(fields["name"]) ?? "",
                    isActive: bool(fields["is_active"]) ?? true, isSuperuser: bool(fields["is_superuser"]) ?? false,
                    attributes: try fields["attributes"].map(PostgresBlueprintObjects.json) ?? .emptyObject,
                    passwordHash: try passwordHash(fields["password"])))
                if let names = fields["groups"] { try setGroups(of: user.id, to: names) }
            case "scope-mapping", "oauth2-provider":
                try objects.createOAuth(key, fields: fields)
            case "saml-provider":
                try objects.createSAML(key, fields: fields)
            case "scim-source":
                try objects.connection.query("""
                    INSERT INTO sources (slug, name, kind, config, secrets)
                    VALUES ($1, $2, 'scim', jsonb_build_object('purge_on_delete', $3::boolean),
                            CASE WHEN $4::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('token_sha256', $4::text) END)
                    """, [.text(try identifier(key, "slug")), .text(string(fields["name"]) ?? ""),
                          .bool(bool(fields["purge_on_delete"]) ?? false), try tokenDigest(fields["token"]).map(PGValue.text)])
            case "oauth-source":
                try objects.createSource(key, fields: fields)
            case "application":
                try objects.createOAuth(key, fields: fields)
                try objects.setApplicationPolicies(key, fields: fields)
            case "policy":
                try objects.createPolicy(key, fields: fields)
            default:
                throw notApplied(key)
            }
        }
    }

    func update(_ key: EntryKey, fields: [String: FieldValue]) throws {
        try run(key, "update", fields: fields.keys.sorted()) {
            switch key.model {
            case "group":
                guard var group = try groups.group(name: try identifier(key, "name")) else { throw StoreError.notFound("group") }
                if let parent = try string(fields["parent"]) { group.parentID = try objects.groupID(named: parent) }
                if let superuser = bool(fields["is_superuser"]) { group.isSuperuserGroup = superuser }
                if let attributes = fields["attributes"] { group.attributes = try PostgresBlueprintObjects.json(attributes) }
                _ = try groups.updateGroup(group)
            case "user":
                try updateUser(key, fields: fields)
            case "scope-mapping", "oauth2-provider":
                try objects.updateOAuth(key, fields: fields)
            case "saml-provider":
                try objects.updateSAML(key, fields: fields)
            case "scim-source":
                let slug = try identifier(key, "slug")
                if let name = string(fields["name"]) {
                    try objects.connection.query("UPDATE sources SET name = $2, updated_at = now() WHERE slug = $1 AND kind = 'scim'",
                                                 [.text(slug), .text(name)])
                }
                if let purge = bool(fields["purge_on_delete"]) {
                    try objects.connection.query("""
                        UPDATE sources SET config = config || jsonb_build_object('purge_on_delete', $2::boolean), updated_at = now()
                        WHERE slug = $1 AND kind = 'scim'
                        """, [.text(slug), .bool(purge)])
                }
                if let digest = try tokenDigest(fields["token"]) {
                    try objects.connection.query("""
                        UPDATE sources SET secrets = secrets || jsonb_build_object('token_sha256', $2::text), updated_at = now()
                        WHERE slug = $1 AND kind = 'scim'
                        """, [.text(slug), .text(digest)])
                }
            case "oauth-source":
                try objects.updateSource(key, fields: fields)
            case "application":
                try objects.updateOAuth(key, fields: fields)
                try objects.setApplicationPolicies(key, fields: fields)
            case "policy":
                try objects.updatePolicy(key, fields: fields)
            default:
                throw notApplied(key)
            }
        }
    }

    private func updateUser(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard var user = try users.user(username: try identifier(key, "username")) else { throw StoreError.notFound("user") }
        let profile = ["email", "name", "is_superuser", "attributes"]
        if profile.contains(where: { fields[$0] != nil }) {
            if let email = string(fields["email"]) { user.email = email }
            if let name = string(fields["name"]) { user.name = name }
            if let superuser = bool(fields["is_superuser"]) { user.isSuperuser = superuser }
            if let attributes = fields["attributes"] { user.attributes = try PostgresBlueprintObjects.json(attributes) }
            user = try users.updateUser(user)
        }
        if let hash = try passwordHash(fields["password"]) {
            try users.setPassword(userID: user.id, hash: hash, at: .now())
        }
        if let active = bool(fields["is_active"]) {
            // Deactivating ends the user's sessions and tokens (UserStore.deactivateUser).
            if active { try users.activateUser(user.id) } else { try users.deactivateUser(user.id, at: .now()) }
        }
        if let names = fields["groups"] { try setGroups(of: user.id, to: names) }
    }

    func delete(_ key: EntryKey) throws {
        try run(key, "delete", fields: []) {
            switch key.model {
            case "group":
                // Memberships go with it (ON DELETE CASCADE); child groups move to the top.
                let name = try identifier(key, "name")
                let result: PGResult
                do {
                    result = try objects.connection.query("DELETE FROM groups WHERE name = $1", [.text(name)])
                } catch let error as PGError where error.sqlState == "23503" {
                    // application_groups: deleting it would open those applications to everyone.
                    throw StoreError.invalid("group \(name) still limits who may use an application; remove it from the application's groups first")
                }
                guard result.affectedRows == 1 else { throw StoreError.notFound("group") }
            case "user":
                // Sessions, tokens and memberships go with it (ON DELETE CASCADE); audit events stay.
                let result = try objects.connection.query("DELETE FROM users WHERE lower(username) = lower($1)",
                                                          [.text(try identifier(key, "username"))])
                guard result.affectedRows == 1 else { throw StoreError.notFound("user") }
            case "scope-mapping", "oauth2-provider":
                try objects.deleteOAuth(key)
            case "saml-provider":
                try objects.deleteSAML(key)
            case "scim-source":
                // What it provisioned stays (users, groups); only its scim_resources rows go (ON DELETE CASCADE).
                let result = try objects.connection.query("DELETE FROM sources WHERE slug = $1 AND kind = 'scim'",
                                                          [.text(try identifier(key, "slug"))])
                guard result.affectedRows == 1 else { throw StoreError.notFound("scim-source") }
            case "oauth-source":
                try objects.deleteSource(key)
            case "application":
                try objects.deleteApplicationPolicyBindings(key)
                try objects.deleteOAuth(key)
            case "policy":
                try objects.deletePolicy(key)
            default:
                throw notApplied(key)
            }
        }
    }

    // MARK: -

    /// Runs one write and appends its audit event; failures name the object.
    private func run(_ key: EntryKey, _ action: String, fields: [String], _ body: () throws -> Void) throws {
        do {
            try body()
            let ids = key.identifiers.keys.sorted().map { JSONText.quoted($0) + ":" + JSONText.quoted(key.identifiers[$0]!) }
            let context = "{" + [
                "\"blueprint\":" + JSONText.quoted(objects.blueprintName),
                "\"file\":" + JSONText.quoted(objects.file),
                "\"model\":" + JSONText.quoted(key.model),
                "\"identifiers\":{" + ids.joined(separator: ",") + "}",
                "\"action\":" + JSONText.quoted(action),
                "\"fields\":" + JSONText.array(of: fields).text,
            ].joined(separator: ",") + "}"
            try objects.events.appendEvent(NewAuditEvent(action: "blueprint.apply", outcome: "success", context: JSONText(context)))
        } catch let error as BlueprintWriteError {
            throw error
        } catch {
            throw BlueprintWriteError(key: key, action: action, reason: "\(error)")
        }
    }

    private func notApplied(_ key: EntryKey) -> BlueprintWriteError {
        BlueprintWriteError(key: key, action: "write", reason: "model \(key.model) is validated only, not applied yet")
    }

    /// Makes the user's direct memberships exactly the listed groups.
    private func setGroups(of user: UserID, to value: FieldValue) throws {
        guard case .list(let items) = value else { throw StoreError.invalid("groups must be a list") }
        let wanted = Set(items.compactMap(\.stringValue))
        let current = Set(try objects.directGroupNames(of: user))
        for name in current.subtracting(wanted).sorted() {
            try groups.removeMember(user, from: try objects.groupID(named: name))
        }
        for name in wanted.subtracting(current).sorted() {
            try groups.addMember(user, to: try objects.groupID(named: name))
        }
    }

    /// The stored form of a SCIM source token (hex SHA-256; the token itself is never stored).
    private func tokenDigest(_ value: FieldValue?) throws -> String? {
        guard let value else { return nil }
        guard case .secret(let secret) = value else { throw StoreError.invalid("token must come from !Env") }
        guard secret.reveal().utf8.count >= 32 else { throw StoreError.invalid("token must be at least 32 characters") }
        return SCIMSource.tokenDigest(secret.reveal())
    }

    private func passwordHash(_ value: FieldValue?) throws -> String? {
        guard let value else { return nil }
        guard case .secret(let secret) = value else { throw StoreError.invalid("password must come from !Env") }
        return try objects.hasher.hash(secret.reveal())
    }

    private func identifier(_ key: EntryKey, _ name: String) throws -> String {
        guard let value = key.identifiers[name] else { throw StoreError.invalid("missing identifier \(name)") }
        return value
    }

    /// A plain string field, also when it came from `!Env` (then stored as plain data).
    private func string(_ value: FieldValue?) -> String? {
        switch value {
        case .string(let s)?: return s
        case .secret(let secret)?: return secret.reveal()
        default: return nil
        }
    }

    private func bool(_ value: FieldValue?) -> Bool? {
        guard case .bool(let b)? = value else { return nil }
        return b
    }
}
