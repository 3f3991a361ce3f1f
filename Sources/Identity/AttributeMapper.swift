import Expressions
import Store
import Synchronization

/// What a mapping expression sees (`Docs/expressions.md`): `user` (username, email, name,
/// groups, attributes, is_superuser, is_active), `application` (slug, name), and whatever the
/// protocol adds (OIDC: `scopes`, `client_id`).
public struct MappingContext: Sendable {
    public var user: User
    public var groups: [String]
    public var application: Application?
    public var extra: [String: ExprValue]

    public init(user: User, groups: [String], application: Application?, extra: [String: ExprValue] = [:]) {
        self.user = user
        self.groups = groups
        self.application = application
        self.extra = extra
    }

    /// The expression's variables.
    public var variables: [String: ExprValue] {
        let attributes = (try? ExprValue(jsonText: user.attributes.text)) ?? .map([:])
        var userValue: [String: ExprValue] = [
            "username": .string(user.username),
            "name": .string(user.name),
            "groups": .list(groups.map { .string($0) }),
            "attributes": attributes,
            "is_superuser": .bool(user.isSuperuser),
            "is_active": .bool(user.isActive),
        ]
        userValue["email"] = user.email.map { .string($0) } ?? .null
        var out = extra
        out["user"] = .map(userValue)
        out["application"] = .map(application.map { ["slug": .string($0.slug), "name": .string($0.name)] } ?? [:])
        return out
    }
}

/// Turns mapping expressions into values: OIDC scope mappings (a map of claims), SAML
/// attribute mappings and NameIDs, LDAP attributes. One implementation, the CEL subset.
public protocol AttributeMapper: Sendable {
    func evaluate(_ expression: String, _ context: MappingContext) throws -> ExprValue
}

/// The CEL subset (`Expressions`). Parsed expressions are kept, keyed by their source, so a
/// changed mapping is parsed once and an unchanged one never again.
public final class CELAttributeMapper: AttributeMapper {
    private let parsed = Mutex<[String: Expression]>([:])
    /// Enough for any reasonable mapping; a runaway expression stops here.
    public static let limits = ExpressionLimits.default

    public init() {}

    public func evaluate(_ expression: String, _ context: MappingContext) throws -> ExprValue {
        try compiled(expression).evaluate(context.variables, limits: Self.limits)
    }

    private func compiled(_ source: String) throws -> Expression {
        if let hit = parsed.withLock({ $0[source] }) { return hit }
        let expression = try Expression.parse(source, limits: Self.limits)
        parsed.withLock { cache in
            if cache.count > 1000 { cache.removeAll() }
            cache[source] = expression
        }
        return expression
    }
}
