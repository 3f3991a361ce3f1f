import Expressions
import OIDC
import Store

/// Evaluates a scope mapping's expression (the CEL subset, `Docs/expressions.md`) into
/// claims. The context: `user` (username, email, name, groups, attributes, is_superuser,
/// is_active), `scopes`, `client_id`, `application` (slug, name). Parsed expressions are
/// kept, keyed by their source, so a changed mapping is parsed once and an unchanged one never again.
final class CELScopeClaims: ScopeClaimsEvaluator {
    private let parsed = Locked<[String: Expression]>([:])
    /// Enough for any reasonable claims map; a runaway expression stops here.
    static let limits = ExpressionLimits.default

    struct NotAMap: Error, CustomStringConvertible {
        let got: String
        var description: String { "the expression must return a map of claims, not \(got)" }
    }

    func claims(of mapping: OAuthScopeMapping, user: User, groups: [String], client: OAuthClient,
                scopes: [String]) throws -> [String: JSONValue] {
        let expression = try compiled(mapping.expression)
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
        var application: [String: ExprValue] = [:]
        if let app = client.application {
            application = ["slug": .string(app.slug), "name": .string(app.name)]
        }
        let result = try expression.evaluate([
            "user": .map(userValue),
            "scopes": .list(scopes.map { .string($0) }),
            "client_id": .string(client.clientID),
            "application": .map(application),
        ], limits: Self.limits)
        guard case .map(let members) = result else { throw NotAMap(got: result.typeName) }
        return members.mapValues(Self.json)
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

    static func json(_ value: ExprValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .list(let items): return .array(items.map(json))
        case .map(let members): return .object(members.mapValues(json))
        }
    }
}
