import Expressions

/// The source's `attribute_mapping` and `group_mapping` (the CEL subset, Docs/expressions.md),
/// evaluated once per sign-in before anything is written. Variables: `upstream` (the verified
/// ID token's claims) and `profile` (`identifier`, `username`, `email`, `name`, `tenant`, `amr`,
/// `groups`: the upstream group names).
///
/// - `attribute_mapping` returns a map, merged into the user's attributes (its keys win).
/// - `group_mapping` returns a list of group names: the groups to sync instead of the upstream's
///   list (a name the upstream also has keeps its upstream id; others are matched by name).
public enum IdentityMapping {
    static let limits = ExpressionLimits.default

    public static func apply(_ config: OAuthSourceConfig, to identity: UpstreamIdentity) throws(FederationError) -> UpstreamIdentity {
        guard config.attributeMapping != nil || config.groupMapping != nil else { return identity }
        var identity = identity
        let variables = self.variables(identity)
        if let source = config.attributeMapping {
            let result = try evaluate(source, variables, what: "attribute_mapping")
            guard case .map = result else { throw .mappingFailed("attribute_mapping must return a map") }
            identity.mappedAttributes = result.jsonText()
        }
        if let source = config.groupMapping {
            guard case .list(let items) = try evaluate(source, variables, what: "group_mapping") else {
                throw .mappingFailed("group_mapping must return a list of group names")
            }
            var groups: [UpstreamGroup] = []
            for item in items {
                guard case .string(let name) = item, !name.isEmpty else {
                    throw .mappingFailed("group_mapping must return a list of group names")
                }
                let upstream = identity.groups?.first { $0.name == name }
                let group = upstream ?? UpstreamGroup(id: name, name: name)
                if !groups.contains(group) { groups.append(group) }
            }
            identity.groups = groups
        }
        return identity
    }

    static func variables(_ identity: UpstreamIdentity) -> [String: ExprValue] {
        let claims = (try? ExprValue(jsonText: identity.claimsJSON)) ?? .map([:])
        func optional(_ s: String?) -> ExprValue { s.map { .string($0) } ?? .null }
        return [
            "upstream": claims,
            "profile": .map([
                "identifier": .string(identity.identifier), "username": optional(identity.username),
                "email": optional(identity.email), "name": .string(identity.name), "tenant": optional(identity.tenant),
                "amr": .list(identity.amr.map { .string($0) }),
                "groups": .list((identity.groups ?? []).map { .string($0.name) }),
            ]),
        ]
    }

    static func evaluate(_ source: String, _ variables: [String: ExprValue], what: String) throws(FederationError) -> ExprValue {
        do {
            return try Expression.parse(source, limits: limits).evaluate(variables, limits: limits)
        } catch {
            throw .mappingFailed("\(what): \(error)")
        }
    }
}
