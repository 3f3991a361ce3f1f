import SCIM

/// Narrowing a SCIM filter in SQL before it is evaluated on the resources: an `eq` on a key
/// attribute (alone or inside `and`) becomes a condition on `$2`. The whole filter is still
/// evaluated on what the query returns, so a condition only has to keep every match (it may
/// keep more).
extension SCIMDirectory {
    /// Conditions for users, best first: the first two use an index.
    static let userConditions: [(key: String, sql: String)] = [
        ("username", "lower(u.username) = lower($2)"),
        ("externalid", "r.external_id = $2"),
        // `users.name` is `displayName` when there is one: a superset of the matches.
        ("displayname", "lower(u.name) = lower($2)"),
        // `emails[type eq "work"].value eq …`, `emails.value eq …`, `emails eq …` (Entra ID's mail matching).
        ("emails.value", """
            EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.resource->'emails') = 'array'
                    THEN r.resource->'emails' ELSE '[]'::jsonb END) AS e WHERE lower(e->>'value') = lower($2))
            """),
    ]

    static let groupConditions: [(key: String, sql: String)] = [
        ("displayname", "lower(g.name) = lower($2)"),
        ("externalid", "r.external_id = $2"),
    ]

    /// The best condition `filter` implies, with its value.
    static func pushdown(_ filter: SCIMFilter, _ conditions: [(key: String, sql: String)]) -> (String, String)? {
        let found = equalities(filter)
        for condition in conditions {
            if let value = found.first(where: { $0.key == condition.key })?.value { return (condition.sql, value) }
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
