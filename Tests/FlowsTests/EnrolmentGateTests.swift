import Identity
import Crypto
import Store
import XCTest
@testable import Flows

/// Issue 11, item 1: a password alone must not add an authenticator to an account that has
/// one (NIST SP 800-63B §6.1.2.1), nor replace its recovery codes.
final class EnrolmentGateTests: MFAFlowTestCase {
    func setupFlow(_ slug: String = "default-authenticator-totp-setup", session: [UInt8],
                   executor: FlowExecutor? = nil) throws -> FlowOutcome {
        let plan = try XCTUnwrap((executor ?? self.executor).start(flowSlug: slug, next: "/done"))
        let restored = try XCTUnwrap(FlowPlan(json: JSONText(plan.jsonText().text)))
        return try (executor ?? self.executor).execute(plan: restored, input: .none, context: FlowContext(
            clientIP: "192.0.2.10", userAgent: "XCTest", now: now, currentSessionIDHash: session, currentUserID: somchai.id))
    }

    func testPasswordOnlySessionMustVerifyTheExistingFactorBeforeAddingAnother() throws {
        let (totp, codes) = try enrol(session: try signedInSession())
        now = now.adding(seconds: 3600)
        // The attacker's session: signed in with the password only, no MFA on record.
        let attacker = try signedInSession()

        let asked = try setupFlow(session: attacker)
        guard case .authenticatorValidate = asked.challenge else {
            return XCTFail("the setup stage must ask for the existing factor first, got \(String(describing: asked.challenge))")
        }
        // A code of a secret the attacker made up is no proof.
        let madeUp = TOTP.generate()
        let refused = try step(XCTUnwrap(asked.plan), .authenticatorCode(madeUp.code(at: seconds)), session: attacker, user: somchai.id)
        XCTAssertEqual(refused.errors.first?.code, "invalid")
        // Answering the setup challenge directly is answered with the same validation challenge.
        let skipped = try step(XCTUnwrap(refused.plan), .totpSetupCode(madeUp.code(at: seconds)), session: attacker, user: somchai.id)
        guard case .authenticatorValidate = skipped.challenge else { return XCTFail("\(String(describing: skipped.challenge))") }
        XCTAssertEqual(try authenticators.totpDevices(ofUser: somchai.id).count, 1, "no second device")
        XCTAssertEqual(try authenticators.recoveryCodeCount(userID: somchai.id), 10, "the old codes still stand")

        // The owner proves the first device, then sees the setup challenge in the same flow.
        let setup = try step(XCTUnwrap(skipped.plan), .authenticatorCode(totp.code(at: seconds)), session: attacker, user: somchai.id)
        guard case .totpSetup(_, let secret, _) = setup.challenge else { return XCTFail("\(String(describing: setup.challenge))") }
        let second = TOTP(secret: try XCTUnwrap(Base32.decode(secret)))
        let done = try step(XCTUnwrap(setup.plan), .totpSetupCode(second.code(at: seconds)), session: attacker, user: somchai.id)
        guard case .completed = done.step else { return XCTFail("adding the second device must finish the flow: \(done)") }
        XCTAssertEqual(try authenticators.totpDevices(ofUser: somchai.id).filter(\.confirmed).count, 2)
        // Recovery codes were not replaced: the ones written down still work.
        XCTAssertEqual(try authenticators.recoveryCodeCount(userID: somchai.id), 10)
        XCTAssertTrue(try authenticators.useRecoveryCode(userID: somchai.id, hash: FlowExecutor.recoveryCodeHash(codes[0]), at: now))
    }

    func testARecentVerificationOfTheSessionIsEnough() throws {
        let session = try signedInSession()
        _ = try enrol(session: session)
        now = now.adding(seconds: 120)
        try authenticators.recordMFA(sessionIDHash: session, at: now, methods: ["pwd", "otp", "mfa"])
        guard case .totpSetup = try setupFlow(session: session).challenge else { return XCTFail("a verified session sets up directly") }
        // Past the 30-minute window it must verify again.
        now = now.adding(seconds: Int64(FlowExecutor.authenticatorChangeWindowSeconds) + 1)
        guard case .authenticatorValidate = try setupFlow(session: session).challenge else { return XCTFail("window passed") }
    }

    func testRecoveryCodesAloneCountAsAnExistingFactor() throws {
        let session = try signedInSession()
        _ = try enrol(session: session)
        let device = try XCTUnwrap(try authenticators.totpDevices(ofUser: somchai.id).first)
        XCTAssertTrue(try authenticators.deleteTOTPDevice(id: device.id, userID: somchai.id))
        now = now.adding(seconds: 3600)
        guard case .authenticatorValidate = try setupFlow(session: try signedInSession()).challenge else {
            return XCTFail("recovery codes are a second factor")
        }
    }

    func testWebAuthnSetupIsGatedTheSameWay() throws {
        _ = try enrol(session: try signedInSession())
        now = now.adding(seconds: 3600)
        let withKeys = FlowExecutor(users: users, sessions: sessions, events: events, hasher: hasher,
                                    throttle: InMemoryLoginThrottle(), authenticators: authenticators, totpIssuer: "Acme",
                                    webAuthn: WebAuthn.RelyingParty(id: "id.example.com", origin: "https://id.example.com"))
        let asked = try setupFlow("default-authenticator-webauthn-setup", session: try signedInSession(), executor: withKeys)
        guard case .authenticatorValidate = asked.challenge else {
            return XCTFail("a passkey must not be added with the password alone: \(String(describing: asked.challenge))")
        }
    }

    func testFirstEnrolmentNeedsNoSecondFactor() throws {
        guard case .totpSetup = try setupFlow(session: try signedInSession()).challenge else { return XCTFail("first device") }
    }

    /// Round 2, finding 12: starting the set-up over (a new plan each time) reuses the pending
    /// device instead of piling up unconfirmed ones.
    func testStartingOverReusesTheUnconfirmedDevice() throws {
        let session = try signedInSession()
        var secrets: Set<String> = []
        for _ in 0..<5 {
            guard case .totpSetup(_, let secret, _) = try setupFlow(session: session).challenge else { return XCTFail("set-up") }
            secrets.insert(secret)
        }
        XCTAssertEqual(try authenticators.totpDevices(ofUser: somchai.id).count, 1)
        XCTAssertEqual(secrets.count, 1, "the same pending device (and secret) each time")
    }
}
