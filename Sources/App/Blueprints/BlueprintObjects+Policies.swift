import Blueprints
import Store

/// The `policy` model (a kind and a JSON config of the other fields, as
/// `Policy(name:kind:configJSON:)` reads it) and the application's policy fields: `policies`
/// (its bindings, position = list index) and `policy_engine_mode`, `sensitive`, `mfa_window`,
/// `upstream_mfa`, `attributes` (keys of the application's `meta`).
extension BlueprintObjects {
    static let applicationMetaFields = ["policy_engine_mode", "sensitive", "mfa_window", "upstream_mfa", "attributes"]

    // MARK: policy

    func policyFields(of key: EntryKey) throws -> [String: FieldValue]? {
        guard let policy = try records.policies.policy(named: try policyName(key)) else { return nil }
        guard case .map(var fields)? = AttributesJSON.decode(policy.config.text) else {
            throw StoreError.invalid("the stored config of policy \(policy.name) is not a JSON object")
        }
        fields["kind"] = .string(policy.kind)
        return fields
    }

    func createPolicy(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard case .string(let kind)? = fields["kind"] else { throw StoreError.invalid("kind is required") }
        try records.policies.createPolicy(StoredPolicy(name: try policyName(key), kind: kind, config: try policyConfig(fields)))
    }

    /// The kind and every field are replaced together: a policy's fields only mean something with its kind.
    func updatePolicy(_ key: EntryKey, fields: [String: FieldValue]) throws {
        let name = try policyName(key)
        guard var merged = try policyFields(of: key) else { throw StoreError.notFound("policy \(name)") }
        if let kind = fields["kind"], kind != merged["kind"] { merged = ["kind": kind] }
        for (field, value) in fields { merged[field] = value }
        guard case .string(let kind)? = merged["kind"] else { throw StoreError.invalid("kind is required") }
        try records.policies.updatePolicy(StoredPolicy(name: name, kind: kind, config: try policyConfig(merged)))
    }

    /// Refused while an application binds it: dropping the binding could open the application to everyone.
    func deletePolicy(_ key: EntryKey) throws {
        let name = try policyName(key)
        if let slug = try records.policies.applicationSlugs(binding: name).first {
            throw StoreError.invalid("policy \(name) is still bound to application \(slug); remove it from the application's policies first")
        }
        guard try records.policies.deletePolicy(named: name) else { throw StoreError.notFound("policy \(name)") }
    }

    private func policyConfig(_ fields: [String: FieldValue]) throws -> JSONText {
        var config = fields
        config.removeValue(forKey: "kind")
        guard let text = AttributesJSON.encode(.map(config.mapValues(\.revealingSecrets))) else {
            throw StoreError.invalid("the policy cannot be stored as JSON")
        }
        return JSONText(text)
    }

    private func policyName(_ key: EntryKey) throws -> String {
        guard let name = key.identifiers["name"] else { throw StoreError.invalid("missing identifier name") }
        return name
    }

    // MARK: application

    func applicationPolicyFields(of key: EntryKey, into fields: inout [String: FieldValue]) throws {
        guard let slug = key.identifiers["slug"], let application = try records.applications.application(slug: slug) else { return }
        if case .map(let meta)? = AttributesJSON.decode(application.meta.text) {
            for name in Self.applicationMetaFields { if let value = meta[name] { fields[name] = value } }
        }
        let bindings = try records.applications.policyBindings(ofApplication: application.id)
        guard !bindings.isEmpty else { return }
        fields["policies"] = .list(bindings.map { stored in
            var binding: [String: FieldValue] = ["policy": .string(stored.policyName)]
            // Only true flags are written back, so an entry that leaves them out reads as unchanged.
            if stored.negate { binding["negate"] = .bool(true) }
            if stored.failureResult { binding["failure_result"] = .bool(true) }
            return .map(binding)
        })
    }

    /// Writes the given policy fields of an application (after its row exists).
    func setApplicationPolicies(_ key: EntryKey, fields: [String: FieldValue]) throws {
        guard let slug = key.identifiers["slug"], let id = try records.applications.application(slug: slug)?.id else {
            throw StoreError.notFound("application")
        }
        let meta = Self.applicationMetaFields.compactMap { name in fields[name].map { (name, $0.revealingSecrets) } }
        if !meta.isEmpty {
            guard let patch = AttributesJSON.encode(.map(Dictionary(uniqueKeysWithValues: meta))) else {
                throw StoreError.invalid("the application's settings cannot be stored as JSON")
            }
            try records.applications.mergeMeta(ofApplication: id, JSONText(patch))
        }
        guard case .list(let items)? = fields["policies"] else { return }
        try records.applications.removePolicyBindings(ofApplication: id)
        for (position, item) in items.enumerated() {
            guard case .map(let binding) = item, case .string(let name)? = binding["policy"] else {
                throw StoreError.invalid("policies[\(position)] needs a policy")
            }
            try records.applications.addPolicyBinding(
                StoredPolicyBinding(policyName: name, negate: binding["negate"] == .bool(true),
                                    failureResult: binding["failure_result"] == .bool(true)),
                toApplication: id, position: position)
        }
    }
}
