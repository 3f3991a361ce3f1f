import GatehouseTesting
import Identity
import Crypto
import Store
import XCTest
@testable import Flows

/// The second-factor stages on in-memory stores, with the test's clock: the set-up and helpers
/// every MFA test class shares (it has no tests of its own).
class MFAFlowTestCase: XCTestCase {
    var users: FakeUserStore!
    var sessions: FakeSessionStore!
    var events: FakeEventStore!
    var authenticators: FakeAuthenticatorStore!
    var executor: FlowExecutor!
    var now = Timestamp(secondsSince1970: 1_800_000_010)
    var somchai: User!
    let hasher = PasswordHasher(parameters: FlowsTests.testParameters)
    var seconds: Int64 { now.microsecondsSince1970 / 1_000_000 }

    override func setUpWithError() throws {
        users = FakeUserStore()
        sessions = FakeSessionStore(users: users)
        events = FakeEventStore()
        authenticators = FakeAuthenticatorStore()
        executor = FlowExecutor(users: users, sessions: sessions, events: events, hasher: hasher,
                                throttle: InMemoryLoginThrottle(), authenticators: authenticators, totpIssuer: "Acme")
        somchai = try users.createUser(NewUser(username: "somchai", email: "somchai@example.co.th", name: "Somchai",
                                               passwordHash: hasher.hash(FlowsTests.password)))
    }

    func step(_ plan: FlowPlan, _ input: FlowInput, session: [UInt8]? = nil, user: UserID? = nil) throws -> FlowOutcome {
        let restored = try XCTUnwrap(FlowPlan(json: JSONText(plan.jsonText().text)))
        return try executor.execute(plan: restored, input: input, context: FlowContext(
            clientIP: "192.0.2.10", userAgent: "XCTest", now: now, currentSessionIDHash: session, currentUserID: user))
    }

    /// A signed-in session of somchai (as user-login would make it).
    func signedInSession() throws -> [UInt8] {
        let hash = Digest.sha256(SecureRandom.token())
        try sessions.createSession(Session(idHash: hash, userID: somchai.id, createdAt: now, lastSeenAt: now,
                                           expiresAt: now.adding(seconds: 86_400), idleTimeoutSeconds: 28_800,
                                           authTime: now, authMethods: ["pwd"]))
        return hash
    }

    /// Enrols a TOTP device through the setup flow; returns its generator and the recovery codes shown.
    func enrol(session: [UInt8]) throws -> (TOTP, [String]) {
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-authenticator-totp-setup", next: "/done"))
        let shown = try step(plan, .none, session: session, user: somchai.id)
        guard case .totpSetup(let url, let secret, _) = shown.challenge else { throw TestPrecondition("no setup challenge: \(shown)") }
        XCTAssertTrue(url.hasPrefix("otpauth://totp/Acme:somchai@example.co.th?secret=\(secret)&issuer=Acme"), url)
        // Showing the page again keeps the same pending device (no new secret on reload).
        let again = try step(XCTUnwrap(shown.plan), .none, session: session, user: somchai.id)
        XCTAssertEqual(again.challenge, shown.challenge)
        let totp = TOTP(secret: try XCTUnwrap(Base32.decode(secret)))
        let wrong = try step(XCTUnwrap(again.plan), .totpSetupCode("000000" == totp.code(at: seconds) ? "111111" : "000000"),
                             session: session, user: somchai.id)
        XCTAssertEqual(wrong.errors.first?.code, "invalid")
        let done = try step(XCTUnwrap(wrong.plan), .totpSetupCode(totp.code(at: seconds)), session: session, user: somchai.id)
        guard case .recoveryCodes(let codes) = done.challenge else { throw TestPrecondition("no recovery codes: \(done)") }
        XCTAssertEqual(codes.count, 10)
        XCTAssertEqual(Set(codes).count, 10)
        // Shown once: the next request finishes the flow.
        let after = try step(XCTUnwrap(done.plan), .none, session: session, user: somchai.id)
        guard case .completed(let completion) = after.step else { throw TestPrecondition("the set-up flow did not complete: \(after)") }
        XCTAssertEqual(completion.redirect, "/done")
        XCTAssertEqual(try authenticators.recoveryCodeCount(userID: somchai.id), 10)
        XCTAssertTrue(try authenticators.totpDevices(ofUser: somchai.id).allSatisfy(\.confirmed))
        return (totp, codes)
    }

    /// identification → password on the default flow; the outcome after the password.
    func passwordStep() throws -> FlowOutcome {
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-authentication-mfa-flow", next: nil))
        let id = try step(plan, .identification(uid: "somchai"))
        return try step(XCTUnwrap(id.plan), .password(FlowsTests.password))
    }

}

/// The second-factor stages themselves.
final class MFAFlowTests: MFAFlowTestCase {
    func testLoginWithoutAuthenticatorSkipsValidation() throws {
        guard case .completed(let done) = try passwordStep().step else { return XCTFail("no login") }
        XCTAssertEqual(done.issued?.session.authMethods, ["pwd"])
    }

    func testEnrolThenLoginAsksForTheCodeAcceptsItOnceAndRecordsMFA() throws {
        let session = try signedInSession()
        now = now.adding(seconds: 60)  // setup's step is spent; log in two steps later
        let (totp, _) = try enrol(session: session)
        now = now.adding(seconds: 60)
        let asked = try passwordStep()
        XCTAssertEqual(asked.challenge, .authenticatorValidate(deviceClasses: ["totp", "webauthn", "static"],
                                                              flowTitle: Flow.authenticationWithMFA.title))
        let code = totp.code(at: seconds)
        guard case .completed(let done) = try step(XCTUnwrap(asked.plan), .authenticatorCode(code)).step,
              let issued = done.issued else { return XCTFail("no login") }
        XCTAssertEqual(issued.session.authMethods, ["pwd", "otp", "mfa"])
        XCTAssertEqual(try authenticators.sessionMFA(sessionIDHash: issued.session.idHash)?.verifiedAt, now)
        // The same code again (same step, a second login): refused.
        let replay = try step(XCTUnwrap(try passwordStep().plan), .authenticatorCode(code))
        XCTAssertEqual(replay.errors.first?.code, "invalid")
        XCTAssertEqual(try events.recentEvents(limit: 1).first?.context.text.contains("replayed"), true)
        // The next step's code (inside the ±1 window) works once.
        let next = totp.code(step: totp.step(at: seconds) + 1)
        guard case .completed = try step(XCTUnwrap(replay.plan), .authenticatorCode(next)).step else { return XCTFail("refused") }
        // Two steps ahead is outside the window.
        let far = try step(XCTUnwrap(try passwordStep().plan), .authenticatorCode(totp.code(step: totp.step(at: seconds) + 3)))
        XCTAssertEqual(far.errors.first?.code, "invalid")
    }

    func testRecoveryCodesWorkOnceEach() throws {
        let (_, codes) = try enrol(session: try signedInSession())
        let plan = try XCTUnwrap(try passwordStep().plan)
        guard case .completed = try step(plan, .authenticatorCode(codes[3].lowercased())).step else { return XCTFail("refused") }
        XCTAssertEqual(try authenticators.recoveryCodeCount(userID: somchai.id), 9)
        let again = try step(XCTUnwrap(try passwordStep().plan), .authenticatorCode(codes[3]))
        XCTAssertEqual(again.errors.first?.code, "invalid")
    }

    func testFiveWrongCodesEndTheSessionAndRequireAFreshLogin() throws {
        let session = try signedInSession()
        let (totp, _) = try enrol(session: session)
        now = now.adding(seconds: 90)
        var plan = try XCTUnwrap(executor.start(flowSlug: "default-authenticator-validation-flow", next: "/back"))
        let wrong = totp.code(at: seconds) == "123456" ? "654321" : "123456"
        for attempt in 1...5 {
            let outcome = try step(plan, .authenticatorCode(wrong), session: session, user: somchai.id)
            if attempt < 5 {
                XCTAssertEqual(outcome.errors.first?.code, "invalid", "attempt \(attempt)")
                plan = try XCTUnwrap(outcome.plan)
            } else {
                XCTAssertEqual(outcome.challenge, .accessDenied(message: FlowExecutor.mfaLockedMessage))
                XCTAssertNil(outcome.plan)
            }
        }
        XCTAssertNil(try sessions.session(idHash: session, at: now), "the session must end")
        // A new login is refused at the code stage until the throttle window (15 minutes) passes.
        XCTAssertEqual(try passwordStep().challenge, .accessDenied(message: FlowExecutor.mfaLockedMessage))
        now = now.adding(seconds: 901)
        let fresh = try passwordStep()
        XCTAssertEqual(fresh.challenge.component, "ak-stage-authenticator-validate")
        guard case .completed = try step(XCTUnwrap(fresh.plan), .authenticatorCode(totp.code(at: seconds))).step else {
            return XCTFail("the right code after the window was refused")
        }
    }

    func testStepUpFlowRecordsMFAOnTheCurrentSessionAndHonoursTheThreshold() throws {
        let session = try signedInSession()
        let (totp, _) = try enrol(session: session)
        now = now.adding(seconds: 90)
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-authenticator-validation-flow", next: "/back"))
        let asked = try step(plan, .none, session: session, user: somchai.id)
        XCTAssertEqual(asked.challenge.component, "ak-stage-authenticator-validate")
        guard case .completed(let done) = try step(XCTUnwrap(asked.plan), .authenticatorCode(totp.code(at: seconds)),
                                                   session: session, user: somchai.id).step else { return XCTFail("refused") }
        XCTAssertEqual(done.redirect, "/back")
        XCTAssertNil(done.issued, "step-up makes no new session")
        XCTAssertEqual(try authenticators.sessionMFA(sessionIDHash: session)?.verifiedAt, now)

        // With a threshold, a recent verification skips the prompt; an old one does not.
        let flow = Flow(slug: "threshold", title: "t", designation: .stageConfiguration, bindings: [
            StageBinding(name: "v", stage: .authenticatorValidate(AuthenticatorValidation(lastAuthThresholdSeconds: 1800,
                                                                                         notConfigured: .deny)))])
        executor = FlowExecutor(users: users, sessions: sessions, events: events, hasher: hasher, throttle: InMemoryLoginThrottle(),
                                flows: [flow], authenticators: authenticators)
        now = now.adding(seconds: 600)
        guard case .completed = try step(FlowPlan(flow: flow, next: nil), .none, session: session, user: somchai.id).step else {
            return XCTFail("asked inside the threshold")
        }
        now = now.adding(seconds: 1260)
        XCTAssertEqual(try step(FlowPlan(flow: flow, next: nil), .none, session: session, user: somchai.id).challenge.component,
                       "ak-stage-authenticator-validate")
    }

    func testStepUpWithoutAuthenticatorIsDeniedAndAnonymousIsRefused() throws {
        let session = try signedInSession()
        let plan = try XCTUnwrap(executor.start(flowSlug: "default-authenticator-validation-flow", next: nil))
        XCTAssertEqual(try step(plan, .none, session: session, user: somchai.id).challenge,
                       .accessDenied(message: FlowExecutor.mfaNotConfiguredMessage))
        XCTAssertEqual(try step(plan, .none).challenge, .accessDenied(message: FlowExecutor.signInFirstMessage))
        let setup = try XCTUnwrap(executor.start(flowSlug: "default-authenticator-totp-setup", next: nil))
        XCTAssertEqual(try step(setup, .none).challenge, .accessDenied(message: FlowExecutor.signInFirstMessage))
    }
}
