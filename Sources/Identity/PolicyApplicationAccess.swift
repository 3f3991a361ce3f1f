import Expressions
import JSON
import Policies
import Store

/// Application access through the policy engine: the application's groups (as
/// group-membership bindings, first) and its bound policies, combined by its mode
/// (Docs/policies.md). Used at authorize, at refresh and for `client_credentials`.
public struct PolicyApplicationAccess: ApplicationAccess {
    let users: any UserStore
    let source: any ApplicationPolicySource
    let engine: PolicyEngine
    let events: any EventStore
    var clock: @Sendable () -> Timestamp = { Timestamp.now() }

    public init(users: any UserStore, source: any ApplicationPolicySource, engine: PolicyEngine, events: any EventStore,
                clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        self.users = users
        self.source = source
        self.engine = engine
        self.events = events
        self.clock = clock
    }

    public func allows(_ attempt: AccessAttempt) throws -> Bool {
        guard attempt.user.isActive else { return false }
        let application = attempt.application
        guard let rules = try source.rules(applicationSlug: application.slug) else { return false }
        var bindings = application.groups.enumerated().map { index, group in
            PolicyBinding(policy: Policy(name: "group:" + group, kind: .groupMembership(group: group)),
                          order: Int.min + index)
        }
        bindings += rules.bindings
        if bindings.isEmpty { return true }
        let context = try context(attempt, application: application, attributes: rules.attributes,
                                  needsFailures: bindings.contains { if case .reputation = $0.policy.kind { true } else { false } })
        let decision = engine.evaluate(bindings, mode: rules.mode, context: context)
        if !decision.passing {
            let failed = decision.results.filter { !$0.passing }.map(\.policyName)
            _ = try? events.appendEvent(NewAuditEvent(
                actorUserID: attempt.user.id, action: "policy_denied", clientIP: attempt.clientIP, outcome: "denied",
                context: JSONText(["application": .string(application.slug), "grant": .string(attempt.kind.rawValue),
                                   "failed": .strings(failed)])))
        }
        return decision.passing
    }

    public func stepUp(for application: Application) throws -> StepUpRequirement? {
        try source.rules(applicationSlug: application.slug)?.stepUp
    }

    func context(_ attempt: AccessAttempt, application: Application, attributes: ExprValue,
                 needsFailures: Bool) throws -> PolicyContext {
        let now = clock()
        let user = attempt.user
        let groups = try users.groups(ofUser: user.id).map(\.name)
        let userAttributes = (try? ExprValue(jsonText: user.attributes.text)) ?? .map([:])
        var auth = PolicyContext.AuthInfo()
        if let session = attempt.session {
            auth = PolicyContext.AuthInfo(methods: session.authMethods,
                                          lastMFAAt: session.lastMFAAt.map { $0.microsecondsSince1970 / 1_000_000 },
                                          upstreamAMR: session.upstreamAMR)
        }
        return PolicyContext(
            user: .init(username: user.username, email: user.email, name: user.name, groups: groups,
                        attributes: userAttributes, isSuperuser: user.isSuperuser),
            clientIP: attempt.clientIP, userAgent: attempt.userAgent, requestKind: attempt.kind.rawValue,
            application: .init(slug: application.slug, name: application.name, attributes: attributes),
            auth: auth, now: now.microsecondsSince1970 / 1_000_000,
            recentFailures: needsFailures ? try source.recentFailures(userID: user.id, ip: attempt.clientIP, at: now) : 0)
    }
}
