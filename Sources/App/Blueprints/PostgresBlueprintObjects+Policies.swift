import Blueprints
import Postgres
import Store

/// The `policy` model (table `policies`: kind and a JSON config of the other fields, as
/// `Policy(name:kind:configJSON:)` reads it) and the application's policy fields: `policies`
/// (rows of `policy_bindings`, target_kind `application`, position = list index) and
/// `policy_engine_mode`, `sensitive`, `mfa_window`, `attributes` (keys of `applications.meta`).
extension PostgresBlueprintObjects {
    static let applicationMetaFields = ["policy_engine_mode", "sensitive", "mfa_window", "upstream_mfa", "attributes"]

    // MARK: policy

    func policyFields(of key: EntryKey) throws -> [String: FieldValue]? {
        let result = try connection.query("SELECT kind, config::text AS config FROM policies WHERE name = $1",
                                          [.text(try policyName(key))])
        guard !result.rows.isEmpty, let kind = result.value(0, "kind") else { return nil }
        guard case .map(var fields)? = AttributesJSON.decode(result.value(0, "config") ?? "{}") else {
            throw StoreError.invalid("the stored config of policy \(try policyName(key)) is not a JSON object")
        }
        fields["kind"] = .string(kind)
        return fields
    }

    func createPolicy(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard case .string(let kind)? = fields["kind"] else { throw StoreError.invalid("kind is required") }
        try connection.query("INSERT INTO policies (name, kind, config) VALUES ($1, $2, $3)",
                             [.text(try policyName(key)), .text(kind), .jsonb(try policyConfig(fields))])
    }

    /// The kind and every field are replaced together: a policy's fields only mean something with its kind.
    func updatePolicy(_ key: EntryKey, fields: [String: FieldValue]) throws {
        let name = try policyName(key)
        guard var merged = try policyFields(of: key) else { throw StoreError.notFound("policy \(name)") }
        if let kind = fields["kind"], kind != merged["kind"] { merged = ["kind": kind] }
        for (field, value) in fields { merged[field] = value }
        guard case .string(let kind)? = merged["kind"] else { throw StoreError.invalid("kind is required") }
        try connection.query("UPDATE policies SET kind = $2, config = $3, updated_at = now() WHERE name = $1",
                             [.text(name), .text(kind), .jsonb(try policyConfig(merged))])
    }

    /// Refused while an application binds it: dropping the binding could open the application to everyone.
    func deletePolicy(_ key: EntryKey) throws {
        let name = try policyName(key)
        let bound = try connection.query("""
            SELECT a.slug FROM policy_bindings b JOIN policies p ON p.id = b.policy_id
            JOIN applications a ON b.target_kind = 'application' AND a.id = b.target_id WHERE p.name = $1 ORDER BY a.slug
            """, [.text(name)])
        if let slug = bound.scalar {
            throw StoreError.invalid("policy \(name) is still bound to application \(slug); remove it from the application's policies first")
        }
        let result = try connection.query("DELETE FROM policies WHERE name = $1", [.text(name)])
        guard result.affectedRows == 1 else { throw StoreError.notFound("policy \(name)") }
    }

    private func policyConfig(_ fields: [String: FieldValue]) throws -> String {
        var config = fields
        config.removeValue(forKey: "kind")
        guard let text = AttributesJSON.encode(.map(config.mapValues(\.revealingSecrets))) else {
            throw StoreError.invalid("the policy cannot be stored as JSON")
        }
        return text
    }

    private func policyName(_ key: EntryKey) throws -> String {
        guard let name = key.identifiers["name"] else { throw StoreError.invalid("missing identifier name") }
        return name
    }

    // MARK: application

    func applicationPolicyFields(of key: EntryKey, into fields: inout [String: FieldValue]) throws {
        guard let slug = key.identifiers["slug"] else { return }
        let app = try connection.query("SELECT id::text AS id, meta::text AS meta FROM applications WHERE slug = $1", [.text(slug)])
        guard !app.rows.isEmpty, let id = app.value(0, "id") else { return }
        if case .map(let meta)? = AttributesJSON.decode(app.value(0, "meta") ?? "{}") {
            for name in Self.applicationMetaFields { if let value = meta[name] { fields[name] = value } }
        }
        let rows = try connection.query("""
            SELECT p.name, b.negate, b.failure_result FROM policy_bindings b JOIN policies p ON p.id = b.policy_id
            WHERE b.target_kind = 'application' AND b.target_id = $1 ORDER BY b.position
            """, [.uuid(id)])
        guard !rows.rows.isEmpty else { return }
        fields["policies"] = .list(rows.rows.indices.map { row in
            var binding: [String: FieldValue] = ["policy": .string(rows.value(row, "name") ?? "")]
            // Only true flags are written back, so an entry that leaves them out reads as unchanged.
            if rows.value(row, "negate") == "t" { binding["negate"] = .bool(true) }
            if rows.value(row, "failure_result") == "t" { binding["failure_result"] = .bool(true) }
            return .map(binding)
        })
    }

    /// Writes the given policy fields of an application (after its row exists).
    func setApplicationPolicies(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard let slug = key.identifiers["slug"],
              let id = try connection.query("SELECT id::text FROM applications WHERE slug = $1", [.text(slug)]).scalar else {
            throw StoreError.notFound("application")
        }
        let meta = Self.applicationMetaFields.compactMap { name in fields[name].map { (name, $0.revealingSecrets) } }
        if !meta.isEmpty {
            guard let patch = AttributesJSON.encode(.map(Dictionary(uniqueKeysWithValues: meta))) else {
                throw StoreError.invalid("the application's settings cannot be stored as JSON")
            }
            try connection.query("UPDATE applications SET meta = meta || $2::jsonb, updated_at = now() WHERE id = $1",
                                 [.uuid(id), .jsonb(patch)])
        }
        guard case .list(let items)? = fields["policies"] else { return }
        try connection.query("DELETE FROM policy_bindings WHERE target_kind = 'application' AND target_id = $1", [.uuid(id)])
        for (position, item) in items.enumerated() {
            guard case .map(let binding) = item, case .string(let name)? = binding["policy"] else {
                throw StoreError.invalid("policies[\(position)] needs a policy")
            }
            guard let policyID = try connection.query("SELECT id::text FROM policies WHERE name = $1", [.text(name)]).scalar else {
                throw StoreError.notFound("policy \(name)")
            }
            try connection.query("""
                INSERT INTO policy_bindings (policy_id, target_kind, target_id, position, negate, failure_result)
                VALUES ($1, 'application', $2, $3, $4, $5)
                """, [.uuid(policyID), .uuid(id), .int(position), .bool(binding["negate"] == .bool(true)),
                      .bool(binding["failure_result"] == .bool(true))])
        }
    }

    /// Bindings name their target without a foreign key: they go with the application.
    func deleteApplicationPolicyBindings(_ key: EntryKey) throws {
        guard let slug = key.identifiers["slug"] else { return }
        try connection.query("""
            DELETE FROM policy_bindings WHERE target_kind = 'application'
              AND target_id IN (SELECT id FROM applications WHERE slug = $1)
            """, [.text(slug)])
    }
}
