import Identity
import Crypto
import Policies
import Store
import XCTest
@testable import Flows

/// Policies bound to stage bindings decide whether a stage runs.
final class StagePolicyTests: XCTestCase {
    var users: FakeUserStore!
    var sessions: FakeSessionStore!
    var authenticators: FakeAuthenticatorStore!
    let hasher = PasswordHasher(parameters: FlowsTests.testParameters)
    let now = Timestamp(secondsSince1970: 1_800_000_010)

    override func setUpWithError() throws {
        users = FakeUserStore()
        sessions = FakeSessionStore(users: users)
        authenticators = FakeAuthenticatorStore()
        for (name, groups) in [("somchai", ["finance"]), ("nok", ["warehouse"])] {
            let user = try users.createUser(NewUser(username: name, passwordHash: hasher.hash(FlowsTests.password)))
            users.memberships.withLock { $0[user.id] = groups }
        }
    }

    func run(_ flow: Flow, _ uid: String, ip: String) throws -> FlowOutcome {
        let executor = FlowExecutor(users: users, sessions: sessions, events: FakeEventStore(), hasher: hasher,
                                    throttle: InMemoryLoginThrottle(), flows: [flow], authenticators: authenticators)
        func step(_ plan: FlowPlan, _ input: FlowInput) throws -> FlowOutcome {
            try executor.execute(plan: plan, input: input, context: FlowContext(clientIP: ip, userAgent: "XCTest", now: now))
        }
        let identified = try step(FlowPlan(flow: flow, next: nil), .identification(uid: uid))
        return try step(XCTUnwrap(identified.plan), .password(FlowsTests.password))
    }

    func testOnlyFinanceMaySignInThroughThisFlow() throws {
        // The deny stage runs for everyone NOT in finance (negated group binding).
        let flow = Flow(slug: "finance-only", title: "t", designation: .authentication, bindings: [
            StageBinding(name: "id", stage: .identification(fields: [.username])),
            StageBinding(name: "pw", stage: .password),
            StageBinding(name: "not-finance", stage: .deny(message: "Finance only."),
                         policies: [PolicyBinding(policy: Policy(name: "finance", kind: .groupMembership(group: "finance")),
                                                  negate: true)]),
            StageBinding(name: "login", stage: .userLogin(SessionLifetime())),
        ])
        guard case .completed(let done) = try run(flow, "somchai", ip: "10.1.1.1").step else { return XCTFail("finance denied") }
        XCTAssertNotNil(done.issued)
        XCTAssertEqual(try run(flow, "nok", ip: "10.1.1.1").challenge, .accessDenied(message: "Finance only."))
    }

    func testSecondFactorOnlyOffTheOfficeNetwork() throws {
        let flow = Flow(slug: "mfa-off-lan", title: "t", designation: .authentication, bindings: [
            StageBinding(name: "id", stage: .identification(fields: [.username])),
            StageBinding(name: "pw", stage: .password),
            StageBinding(name: "mfa", stage: .authenticatorValidate(AuthenticatorValidation(notConfigured: .deny)),
                         policies: [PolicyBinding(policy: Policy(name: "off-lan", kind: .expression("!ip_in(request.ip, '10.0.0.0/8')")))]),
            StageBinding(name: "login", stage: .userLogin(SessionLifetime())),
        ])
        guard case .completed = try run(flow, "nok", ip: "10.1.1.1").step else { return XCTFail("asked on the LAN") }
        // Off the LAN the stage runs (and nok has no authenticator: denied).
        XCTAssertEqual(try run(flow, "nok", ip: "198.51.100.7").challenge,
                       .accessDenied(message: FlowExecutor.mfaNotConfiguredMessage))
        // A policy that errs counts as its binding's failure result: with failure_result true the stage runs.
        let failClosed = Flow(slug: "x", title: "t", designation: .authentication, bindings: [
            StageBinding(name: "id", stage: .identification(fields: [.username])),
            StageBinding(name: "pw", stage: .password),
            StageBinding(name: "mfa", stage: .authenticatorValidate(AuthenticatorValidation(notConfigured: .deny)),
                         policies: [PolicyBinding(policy: Policy(name: "broken", kind: .expression("int('x') > 0")),
                                                  failureResult: true)]),
            StageBinding(name: "login", stage: .userLogin(SessionLifetime())),
        ])
        XCTAssertEqual(try run(failClosed, "nok", ip: "10.1.1.1").challenge,
                       .accessDenied(message: FlowExecutor.mfaNotConfiguredMessage))
    }
}
