import Expressions
import OIDC
import Policies
import Postgres
import Store

/// What decides access to one application: its policy bindings and how they combine.
struct ApplicationAccessRules: Sendable {
    var mode: PolicyEngineMode
    var bindings: [PolicyBinding]
    /// `applications.meta.attributes`, for `application.attributes` in expressions.
    var attributes: ExprValue
    /// Set when `meta.sensitive` is true: `mfa_window` (default 30 minutes), `upstream_mfa` (default true).
    var stepUp: StepUpRequirement? = nil
}

/// Where the access rules and the failed-login counts come from.
protocol ApplicationPolicySource: Sendable {
    /// nil when no application has the slug. A stored policy that cannot be read is not an
    /// error here: it becomes a binding that errs (and so counts as its failure result).
    func rules(applicationSlug: String) throws -> ApplicationAccessRules?
    /// Failed logins of the user, or from the IP, in the throttle's open window (the larger).
    func recentFailures(userID: UserID, ip: String?, at now: Timestamp) throws -> Int
}

/// Reads `policies`, `policy_bindings` (target_kind `application`) and `applications.meta`
/// (`policy_engine_mode`: any | all, `attributes`) on every decision: a few indexed rows.
struct PostgresApplicationPolicies: ApplicationPolicySource {
    let pool: PGPool
    /// The throttle's window (`ThrottleLimits.windowSeconds`).
    var failureWindowSeconds: Int64 = 900

    static let targetKind = "application"

    func rules(applicationSlug slug: String) throws -> ApplicationAccessRules? {
        try pool.read { connection -> ApplicationAccessRules? in
            let app = try connection.query(
                "SELECT id::text AS id, meta::text AS meta FROM applications WHERE slug = $1", [.text(slug)])
            guard !app.rows.isEmpty, let id = app.value(0, "id") else { return nil }
            var mode = PolicyEngineMode.any
            var attributes = ExprValue.map([:])
            var stepUp: StepUpRequirement?
            if case .map(let meta)? = try? ExprValue(jsonText: app.value(0, "meta") ?? "{}") {
                if case .string(let m)? = meta["policy_engine_mode"], let parsed = PolicyEngineMode(rawValue: m) { mode = parsed }
                if let a = meta["attributes"], case .map = a { attributes = a }
                if case .bool(true)? = meta["sensitive"] {
                    var requirement = StepUpRequirement()
                    if case .string(let window)? = meta["mfa_window"], let seconds = OAuthProviderConfig.seconds(window) {
                        requirement.windowSeconds = seconds
                    }
                    if case .bool(let upstream)? = meta["upstream_mfa"] { requirement.acceptsUpstreamMFA = upstream }
                    stepUp = requirement
                }
            }
            let rows = try connection.query("""
                SELECT p.name, p.kind, p.config::text AS config, b.position, b.negate, b.failure_result
                FROM policy_bindings b JOIN policies p ON p.id = b.policy_id
                WHERE b.target_kind = $1 AND b.target_id = $2 ORDER BY b.position, p.name
                """, [.text(Self.targetKind), .uuid(id)])
            var bindings: [PolicyBinding] = []
            for row in rows.rows.indices {
                let name = rows.value(row, "name") ?? "?"
                let policy: Policy
                do {
                    policy = try Policy(name: name, kind: rows.value(row, "kind") ?? "", configJSON: rows.value(row, "config") ?? "")
                } catch {
                    // Kept as a policy that always errs, so the binding's failure result decides.
                    policy = Policy(name: name, kind: .invalid(reason: "\(error)"))
                }
                bindings.append(PolicyBinding(policy: policy, order: Int(rows.value(row, "position") ?? "") ?? 0,
                                              negate: rows.value(row, "negate") == "t",
                                              failureResult: rows.value(row, "failure_result") == "t"))
            }
            return ApplicationAccessRules(mode: mode, bindings: bindings, attributes: attributes, stepUp: stepUp)
        }
    }

    func recentFailures(userID: UserID, ip: String?, at now: Timestamp) throws -> Int {
        let text = try pool.read { connection in
            try connection.query("""
                SELECT coalesce(max(failures), 0) FROM login_failures
                WHERE ((scope = 'account' AND key = $1) OR (scope = 'ip' AND key = $2)) AND window_start > $3
                """, [.text(PostgresLoginThrottle.accountKey("user:" + userID.rawValue)), .text(ip ?? ""),
                      .timestamptz(microsecondsSince1970: now.adding(seconds: -failureWindowSeconds).microsecondsSince1970)]).scalar
        }
        return text.flatMap { Int($0) } ?? 0
    }
}
