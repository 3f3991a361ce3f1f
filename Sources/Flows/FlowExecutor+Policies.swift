import Expressions
import Policies
import Store

/// Policies bound to stage bindings: the context is the flow's user (verified or pending),
/// the request, and what the flow has done so far.
extension FlowExecutor {
    func stagePolicies(_ binding: StageBinding, plan: FlowPlan, context: FlowContext) throws(StoreError) -> PolicyDecision {
        var userInfo: PolicyContext.UserInfo?
        if let id = plan.pendingUser ?? context.currentUserID, let user = try users.user(id: id) {
            userInfo = PolicyContext.UserInfo(
                username: user.username, email: user.email, name: user.name,
                groups: try users.groups(ofUser: user.id).map(\.name),
                attributes: (try? ExprValue(jsonText: user.attributes.text)) ?? .map([:]), isSuperuser: user.isSuperuser)
        }
        var lastMFA: Int64?
        if let session = context.currentSessionIDHash, let authenticators,
           let mfa = try authenticators.sessionMFA(sessionIDHash: session) {
            lastMFA = mfa.verifiedAt.microsecondsSince1970 / 1_000_000
        }
        let policyContext = PolicyContext(
            user: userInfo, clientIP: context.clientIP, userAgent: context.userAgent, requestKind: "flow",
            auth: PolicyContext.AuthInfo(methods: plan.methods, lastMFAAt: lastMFA),
            now: context.now.microsecondsSince1970 / 1_000_000)
        return policyEngine.evaluate(binding.policies, mode: binding.policyMode, context: policyContext)
    }
}
