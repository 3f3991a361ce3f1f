import Expressions
import Synchronization

/// The outcome of one binding.
public struct BindingResult: Sendable, Hashable {
    public var policyName: String
    /// The binding's final result (after `negate`, or its `failureResult` when the policy erred).
    public var passing: Bool
    /// Why the policy erred, if it did.
    public var error: String?
}

/// The outcome of a target's bindings.
public struct PolicyDecision: Sendable, Hashable {
    public var passing: Bool
    /// One per binding, in the order they ran.
    public var results: [BindingResult]

    public static let noBindings = PolicyDecision(passing: true, results: [])
}

/// Evaluates bindings. Every policy is bounded: expressions by `limits` (steps, sizes,
/// nesting), and the whole decision by `timeBudget`: a binding reached after the budget is
/// spent counts as its failure result, like a policy that erred. Errors are reported through
/// `log` (never thrown), so one broken policy cannot take a login down.
public final class PolicyEngine: Sendable {
    public let limits: ExpressionLimits
    public let timeBudget: Duration
    public let functions: ExpressionFunctions
    private let log: @Sendable (String) -> Void
    private let parsed = Mutex<[String: Result<Expression, ExpressionError>]>([:])

    /// Expressions are held to fewer steps than scope mappings: a policy is a yes/no question.
    public static let defaultLimits = ExpressionLimits(maxSourceLength: 4096, maxNestingDepth: 32, maxSteps: 2_000,
                                                       maxStringLength: 16_384, maxCollectionSize: 1_000)

    public init(limits: ExpressionLimits = PolicyEngine.defaultLimits, timeBudget: Duration = .milliseconds(50),
                functions: ExpressionFunctions = .policies, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.limits = limits
        self.timeBudget = timeBudget
        self.functions = functions
        self.log = log
    }

    /// Runs `bindings` (by `order`, ties in the given order) and combines them by `mode`.
    /// No bindings: passing. `all` stops at the first failure, `any` at the first pass.
    public func evaluate(_ bindings: [PolicyBinding], mode: PolicyEngineMode, context: PolicyContext) -> PolicyDecision {
        guard !bindings.isEmpty else { return .noBindings }
        let ordered = bindings.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }
            .map(\.element)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeBudget)
        let variables = context.variables
        var results: [BindingResult] = []
        for binding in ordered {
            var result: BindingResult
            if clock.now >= deadline {
                result = BindingResult(policyName: binding.policy.name, passing: binding.failureResult,
                                       error: "the time budget of the decision was spent before this policy ran")
            } else {
                switch check(binding.policy, context: context, variables: variables) {
                case .success(let passed):
                    result = BindingResult(policyName: binding.policy.name, passing: passed != binding.negate, error: nil)
                case .failure(let error):
                    result = BindingResult(policyName: binding.policy.name, passing: binding.failureResult,
                                           error: error.message)
                }
            }
            if let error = result.error {
                log("policy \(binding.policy.name) failed: \(error); counted as \(result.passing ? "pass" : "fail")")
            }
            results.append(result)
            if mode == .all, !result.passing { return PolicyDecision(passing: false, results: results) }
            if mode == .any, result.passing { return PolicyDecision(passing: true, results: results) }
        }
        return PolicyDecision(passing: mode == .all, results: results)
    }

    /// Why a policy could not answer.
    public struct PolicyError: Error, Sendable, Hashable {
        public var message: String
    }

    /// One policy's raw answer (before `negate`).
    public func check(_ policy: Policy, context: PolicyContext) -> Result<Bool, PolicyError> {
        check(policy, context: context, variables: context.variables)
    }

    private func check(_ policy: Policy, context: PolicyContext,
                       variables: [String: ExprValue]) -> Result<Bool, PolicyError> {
        switch policy.kind {
        case .expression(let source):
            let expression: Expression
            switch compiled(source) {
            case .success(let e): expression = e
            case .failure(let error): return .failure(PolicyError(message: error.description))
            }
            do {
                let value = try expression.evaluate(variables, functions: functions, limits: limits)
                guard let bool = value.asBool else {
                    return .failure(PolicyError(message: "the expression returned \(value.typeName), not bool"))
                }
                return .success(bool)
            } catch {
                return .failure(PolicyError(message: error.description))
            }
        case .groupMembership(let group):
            return .success(context.user?.groups.contains(group) ?? false)
        case .ipNetwork(let cidrs):
            guard let ip = context.clientIP else { return .success(false) }
            guard let ipIn = ExpressionFunctions.standard["ip_in"] else {
                return .failure(PolicyError(message: "ip_in is missing"))
            }
            for cidr in cidrs {
                do {
                    if case .bool(true) = try ipIn([.string(ip), .string(cidr)]) { return .success(true) }
                } catch {
                    return .failure(PolicyError(message: error.message))
                }
            }
            return .success(false)
        case .timeWindow(let window):
            return .success(window.contains(unixSeconds: context.now))
        case .reputation(let maxFailures):
            return .success(context.recentFailures < maxFailures)
        case .invalid(let reason):
            return .failure(PolicyError(message: reason))
        }
    }

    /// Parsed once per source text (a changed policy is a new source); parse errors are kept too.
    private func compiled(_ source: String) -> Result<Expression, ExpressionError> {
        if let hit = parsed.withLock({ $0[source] }) { return hit }
        let result: Result<Expression, ExpressionError>
        do {
            result = .success(try Expression.parse(source, limits: limits))
        } catch {
            result = .failure(error)
        }
        parsed.withLock { cache in
            if cache.count > 1000 { cache.removeAll() }
            cache[source] = result
        }
        return result
    }
}
