import Store

/// Narrowing a SCIM filter in the store before it is evaluated on the resources: an `eq` on a
/// key attribute (alone or inside `and`) becomes a `ProvisioningKey`. The whole filter is
/// still evaluated on what the store returns, so a key only has to keep every match (it may
/// keep more).
enum SCIMFilterPushdown {
    /// The key for users, best first: the first two are indexed.
    static func userKey(_ filter: SCIMFilter) -> ProvisioningKey? {
        best(filter, [
            ("username", ProvisioningKey.username),
            ("externalid", ProvisioningKey.externalID),
            // `users.name` is `displayName` when there is one: a superset of the matches.
            ("displayname", ProvisioningKey.name),
            // `emails[type eq "work"].value eq …`, `emails.value eq …`, `emails eq …` (Entra ID's mail matching).
            ("emails.value", ProvisioningKey.email),
        ])
    }

    static func groupKey(_ filter: SCIMFilter) -> ProvisioningKey? {
        best(filter, [("displayname", ProvisioningKey.name), ("externalid", ProvisioningKey.externalID)])
    }

    /// The first of `keys` (by attribute) that `filter` implies, with its value.
    static func best(_ filter: SCIMFilter, _ keys: [(attribute: String, key: (String) -> ProvisioningKey)]) -> ProvisioningKey? {
        let found = equalities(filter)
        for candidate in keys {
            if let value = found.first(where: { $0.key == candidate.attribute })?.value { return candidate.key(value) }
        }
        return nil
    }

    /// Every `attribute eq value` that must hold for `filter` to match, keyed `attribute` or
    /// `attribute.sub` (lower case).
    static func equalities(_ filter: SCIMFilter) -> [(key: String, value: String)] {
        switch filter {
        case let .compare(path, .eq, value):
            guard path.schema == nil || path.schema == SCIMSchema.userURN || path.schema == SCIMSchema.groupURN,
                  let text = literal(value) else { return [] }
            let attribute = path.attribute.lowercased()
            if let sub = path.subAttribute?.lowercased() { return [(attribute + "." + sub, text)] }
            // `emails eq "x"` compares the elements' `value`.
            return attribute == "emails" ? [("emails.value", text)] : [(attribute, text)]
        case let .valuePath(path, inner) where path.schema == nil:
            return equalities(inner).filter { $0.key == "value" }.map { (path.attribute.lowercased() + ".value", $0.value) }
        case let .and(a, b):
            return equalities(a) + equalities(b)
        default:
            return []
        }
    }

    static func literal(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .number: return value.text
        default: return nil
        }
    }
}
