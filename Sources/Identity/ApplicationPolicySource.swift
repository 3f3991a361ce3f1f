import Expressions
import Policies
import Store

/// What decides access to one application: its policy bindings and how they combine.
public struct ApplicationAccessRules: Sendable {
    public var mode: PolicyEngineMode
    public var bindings: [PolicyBinding]
    /// `applications.meta.attributes`, for `application.attributes` in expressions.
    public var attributes: ExprValue
    /// Set when `meta.sensitive` is true: `mfa_window` (default 30 minutes), `upstream_mfa` (default true).
    public var stepUp: StepUpRequirement?

    public init(mode: PolicyEngineMode, bindings: [PolicyBinding], attributes: ExprValue, stepUp: StepUpRequirement? = nil) {
        self.mode = mode
        self.bindings = bindings
        self.attributes = attributes
        self.stepUp = stepUp
    }
}

/// Where the access rules and the failed-login counts come from.
public protocol ApplicationPolicySource: Sendable {
    /// nil when no application has the slug. A stored policy that cannot be read is not an
    /// error here: it becomes a binding that errs (and so counts as its failure result).
    func rules(applicationSlug: String) throws -> ApplicationAccessRules?
    /// Failed logins of the user, or from the IP, in the throttle's open window (the larger).
    func recentFailures(userID: UserID, ip: String?, at now: Timestamp) throws -> Int
}

/// The rules as stored (`ApplicationPolicyStore`), read on every decision: a few indexed rows.
/// `CachedApplicationPolicies` keeps them in memory in front of this.
public struct StoredApplicationPolicies: ApplicationPolicySource {
    let store: any ApplicationPolicyStore
    /// The throttle's window (`ThrottleLimits.windowSeconds`).
    var failureWindowSeconds: Int64 = 900

    public init(store: any ApplicationPolicyStore) { self.store = store }

    public func rules(applicationSlug slug: String) throws -> ApplicationAccessRules? {
        guard let record = try store.policyRecord(applicationSlug: slug) else { return nil }
        return Self.rules(record)
    }

    static func rules(_ record: ApplicationPolicyRecord) -> ApplicationAccessRules {
        var mode = PolicyEngineMode.any
        var attributes = ExprValue.map([:])
        var stepUp: StepUpRequirement?
        if case .map(let meta)? = try? ExprValue(jsonText: record.meta.text) {
            if case .string(let m)? = meta["policy_engine_mode"], let parsed = PolicyEngineMode(rawValue: m) { mode = parsed }
            if let a = meta["attributes"], case .map = a { attributes = a }
            if case .bool(true)? = meta["sensitive"] {
                var requirement = StepUpRequirement()
                if case .string(let window)? = meta["mfa_window"], let seconds = DurationText.seconds(window) {
                    requirement.windowSeconds = seconds
                }
                if case .bool(let upstream)? = meta["upstream_mfa"] { requirement.acceptsUpstreamMFA = upstream }
                stepUp = requirement
            }
        }
        let bindings = record.bindings.map { stored -> PolicyBinding in
            let policy: Policy
            do {
                policy = try Policy(name: stored.policyName, kind: stored.kind, configJSON: stored.configJSON)
            } catch {
                // Kept as a policy that always errs, so the binding's failure result decides.
                policy = Policy(name: stored.policyName, kind: .invalid(reason: "\(error)"))
            }
            return PolicyBinding(policy: policy, order: stored.position, negate: stored.negate, failureResult: stored.failureResult)
        }
        return ApplicationAccessRules(mode: mode, bindings: bindings, attributes: attributes, stepUp: stepUp)
    }

    public func recentFailures(userID: UserID, ip: String?, at now: Timestamp) throws -> Int {
        try store.recentLoginFailures(userID: userID, ip: ip, since: now.adding(seconds: -failureWindowSeconds))
    }
}
