import Blueprints
import Crypto
import JSON
import Store

/// The writes of one plan; every call runs in the caller's transaction.
struct BlueprintWriter: BlueprintTransaction {
    let objects: BlueprintObjects
    init(_ objects: BlueprintObjects) { self.objects = objects }

    var users: any UserStore { objects.users }
    var groups: any GroupStore { objects.groups }
    var records: any BlueprintRecords { objects.records }

    func create(_ key: EntryKey, fields: [String: FieldValue]) throws {
        try run(key, "create", fields: fields.keys.sorted()) {
            switch key.model {
            case "group":
                let name = try identifier(key, "name")
                _ = try groups.createGroup(NewGroup(
                    name: name, parentID: try string(fields["parent"]).map(objects.groupID(named:)),
                    isSuperuserGroup: bool(fields["is_superuser"]) ?? false,
                    attributes: try fields["attributes"].map(BlueprintObjects.json) ?? .emptyObject))
            case "user":
                let username = try identifier(key, "username")
                // An oauth2-provider earlier in this plan may have made its service account.
                if let existing = try users.user(username: username), BlueprintObjects.isServiceAccount(existing) {
                    try updateUser(key, fields: fields)
                    return
                }
                let user = try users.createUser(NewUser(
                    username: username, email: string(fields["email"]), name: string(fields["name"]) ?? "",
                    isActive: bool(fields["is_active"]) ?? true, isSuperuser: bool(fields["is_superuser"]) ?? false,
                    attributes: try fields["attributes"].map(BlueprintObjects.json) ?? .emptyObject,
                    passwordHash: try passwordHash(fields["password"])))
                if let names = fields["groups"] { try setGroups(of: user.id, to: names) }
            case "scope-mapping", "oauth2-provider":
                try objects.createOAuth(key, fields: fields)
            case "saml-provider":
                try objects.createSAML(key, fields: fields)
            case "scim-source":
                try records.scimSources.createSCIMSource(StoredSCIMSource(
                    slug: try identifier(key, "slug"), name: string(fields["name"]) ?? "",
                    purgeOnDelete: bool(fields["purge_on_delete"]) ?? false, tokenSHA256: try tokenDigest(fields["token"])))
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
                if let parent = string(fields["parent"]) { group.parentID = try objects.groupID(named: parent) }
                if let superuser = bool(fields["is_superuser"]) { group.isSuperuserGroup = superuser }
                if let attributes = fields["attributes"] { group.attributes = try BlueprintObjects.json(attributes) }
                _ = try groups.updateGroup(group)
            case "user":
                try updateUser(key, fields: fields)
            case "scope-mapping", "oauth2-provider":
                try objects.updateOAuth(key, fields: fields)
            case "saml-provider":
                try objects.updateSAML(key, fields: fields)
            case "scim-source":
                try records.scimSources.updateSCIMSource(
                    slug: try identifier(key, "slug"), name: string(fields["name"]), purgeOnDelete: bool(fields["purge_on_delete"]),
                    tokenSHA256: try tokenDigest(fields["token"]))
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
            if let attributes = fields["attributes"] { user.attributes = try BlueprintObjects.json(attributes) }
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
                try records.directory.deleteGroup(named: try identifier(key, "name"))
            case "user":
                try records.directory.deleteUser(username: try identifier(key, "username"))
            case "scope-mapping", "oauth2-provider":
                try objects.deleteOAuth(key)
            case "saml-provider":
                try objects.deleteSAML(key)
            case "scim-source":
                guard try records.scimSources.deleteSCIMSource(slug: try identifier(key, "slug")) else {
                    throw StoreError.notFound("scim-source")
                }
            case "oauth-source":
                try objects.deleteSource(key)
            case "application":
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
            let context: JSONValue = [
                "blueprint": .string(objects.blueprintName),
                "file": .string(objects.file),
                "model": .string(key.model),
                "identifiers": .object(JSONObject(key.identifiers.mapValues(JSONValue.string))),
                "action": .string(action),
                "fields": .strings(fields),
            ]
            try records.events.appendEvent(NewAuditEvent(action: "blueprint.apply", outcome: "success", context: JSONText(context)))
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
        let current = Set(try records.directory.directGroupNames(ofUser: user))
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
