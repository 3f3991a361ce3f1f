import Blueprints
import Crypto
import Store

/// What exists and where plans are written, over the `BlueprintRecords` of one transaction its
/// caller holds (`BlueprintApplier`). Maps blueprint fields to records and back, hashes
/// passwords and seals secrets (the store only ever sees them hashed or sealed). Stores
/// `group`, `user`, `scope-mapping`, `oauth2-provider`, `saml-provider`, `application`, `policy`,
/// `scim-source` and `oauth-source` (see the `BlueprintObjects+…` files); every other model is refused when
/// written (and reads as missing).
///
/// Reads go through the transaction's records, so they see what earlier steps wrote.
/// Each change appends one `blueprint.apply` audit event in the same transaction; its context
/// names the model, identifiers, action and the names of the fields written, never a value.
final class BlueprintObjects: ExistingObjects, BlueprintTarget {
    let records: any BlueprintRecords
    let hasher: PasswordHasher
    /// Seals client secrets; nil when no master key is configured (then a client secret cannot be stored).
    let sealer: SecretSealer?
    /// The file and blueprint being applied, for the audit events.
    var file = ""
    var blueprintName = ""

    init(records: any BlueprintRecords, hasher: PasswordHasher, sealer: SecretSealer? = nil) {
        self.records = records
        self.hasher = hasher
        self.sealer = sealer
    }

    var users: any UserStore { records.users }
    var groups: any GroupStore { records.groups }

    // MARK: ExistingObjects

    func fields(of key: EntryKey) throws -> [String: FieldValue]? {
        switch key.model {
        case "group":
            guard let name = key.identifiers["name"], let group = try groups.group(name: name) else { return nil }
            try refuseAdoption(of: group)
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
                "groups": .list(try records.directory.directGroupNames(ofUser: user.id).map(FieldValue.string)),
            ]
            if let email = user.email { fields["email"] = .string(email) }
            return fields
        case "scope-mapping", "oauth2-provider":
            return try oauthFields(of: key)
        case "saml-provider":
            return try samlFields(of: key)
        case "scim-source":
            guard let slug = key.identifiers["slug"], let source = try records.scimSources.scimSource(slug: slug) else { return nil }
            return ["name": .string(source.name), "purge_on_delete": .bool(source.purgeOnDelete)]
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
            guard let slug = key.identifiers["slug"],
                  let stored = try records.scimSources.scimSource(slug: slug)?.tokenSHA256,
                  let bytes = Hex.decode(stored) else { return false }
            return constantTimeEquals(bytes, Digest.sha256(secret.reveal()))
        }
        if key.model == "oauth-source", field == BlueprintObjects.sourceSecretKey {
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
        try records.savepoint { try body(BlueprintWriter(self)) }
    }

    // MARK: Helpers

    /// A group an upstream directory's sync or a SCIM source made is theirs: a blueprint that
    /// names it would silently take it over (its members, the feed's control of them) for an
    /// application or a superuser grant. Refused, naming the owner; the blueprint must use
    /// another name.
    func refuseAdoption(of group: Group) throws {
        if let source = try records.directory.provisioningSource(ofGroup: group.id) {
            throw StoreError.invalid("group \(group.name) was provisioned by SCIM source \(source); a blueprint may not take it over (choose another name)")
        }
        if case .map(let attributes)? = AttributesJSON.decode(group.attributes.text),
           case .string(let source)? = attributes["source"], attributes["upstream_id"] != nil {
            throw StoreError.invalid("group \(group.name) is synced from upstream source \(source); a blueprint may not take it over (choose another name)")
        }
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
