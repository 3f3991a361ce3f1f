import HTTP
import Identity
import Store
import XCTest
@testable import OIDC

/// Step-up MFA at authorize (F-06, scenario C) with the harness's clock.
final class StepUpTests: XCTestCase {
    /// A/R Aging is sensitive (30 minutes); the group rule stays.
    struct SensitiveAccess: ApplicationAccess {
        let users: any UserStore
        var requirement = StepUpRequirement()
        func allows(_ attempt: AccessAttempt) throws -> Bool { try GroupAccess(users: users).allows(attempt) }
        func stepUp(for application: Application) throws -> StepUpRequirement? {
            application.slug == "ar-aging" ? requirement : nil
        }
    }

    func harness(_ requirement: StepUpRequirement = StepUpRequirement()) throws -> Harness {
        try Harness(access: { SensitiveAccess(users: $0, requirement: requirement) })
    }

    func isStepUp(_ response: HTTPResponse) -> Bool {
        response.status == .found
            && (response.headers["Location"] ?? "").hasPrefix("/if/flow/default-authenticator-validation-flow/?next=/application/o/authorize/%3F")
    }

    func testScenarioCWindow() throws {
        let h = try harness()
        // Signed in with a password only: the sensitive app sends the browser to the OTP prompt.
        XCTAssertTrue(isStepUp(h.authorize()), "\(h.authorize().headers["Location"] ?? "")")
        // After the prompt (the validation flow records the verification): a code, tokens say mfa.
        h.sessions.lastMFA.withLock { $0 = h.now }
        let code = try h.code()
        let (_, tokens) = h.exchange(code)
        let id = Harness.payload(tokens["id_token"]?.stringValue ?? "")
        XCTAssertEqual(id["amr"], .strings(["pwd", "otp", "mfa"]))
        XCTAssertEqual(id["acr"], .string("urn:gatehouse:acr:mfa"))
        // Ten minutes later: no prompt. Thirty-one minutes after the verification: prompt again.
        h.advance(seconds: 600)
        XCTAssertNotNil(Harness.locationParameters(h.authorize())["code"])
        h.advance(seconds: 1260)
        XCTAssertTrue(isStepUp(h.authorize()))
        // The edge: exactly 30 minutes still counts, one second more does not.
        h.sessions.lastMFA.withLock { $0 = h.now.adding(seconds: -1800) }
        XCTAssertNotNil(Harness.locationParameters(h.authorize())["code"])
        h.advance(seconds: 1)
        XCTAssertTrue(isStepUp(h.authorize()))
        // prompt=none cannot show the prompt.
        XCTAssertEqual(Harness.locationParameters(h.authorize([("prompt", "none")]))["error"], "interaction_required")
        // Other applications are not sensitive.
        XCTAssertNotNil(Harness.locationParameters(h.authorize(client: "spa", redirect: "https://spa.example.com/cb",
                                                               scope: "openid"))["code"])
    }

    func testUpstreamMFACountsWhenAccepted() throws {
        let h = try harness()
        h.sessions.upstreamAMR.withLock { $0 = ["pwd", "mfa"] }
        h.sessions.authTime.withLock { $0 = h.now.adding(seconds: -60) }
        let code = try h.code()
        XCTAssertEqual(Harness.payload(h.exchange(code).1["id_token"]?.stringValue ?? "")["amr"], .strings(["pwd", "mfa"]))
        h.advance(seconds: 1800)
        XCTAssertTrue(isStepUp(h.authorize()), "the upstream verification is older than the window")
        let strict = try harness(StepUpRequirement(acceptsUpstreamMFA: false))
        strict.sessions.upstreamAMR.withLock { $0 = ["pwd", "mfa"] }
        XCTAssertTrue(isStepUp(strict.authorize()))
    }

    func testACRValuesAskingForMFA() throws {
        let h = try harness()
        let spa = { (extra: [(String, String)]) in
            h.authorize(extra, client: "spa", redirect: "https://spa.example.com/cb", scope: "openid")
        }
        XCTAssertTrue(isStepUp(spa([("acr_values", "urn:gatehouse:acr:mfa")])))
        XCTAssertNotNil(Harness.locationParameters(spa([("acr_values", "urn:gatehouse:acr:1fa urn:gatehouse:acr:mfa")]))["code"])
        h.sessions.lastMFA.withLock { $0 = h.now.adding(seconds: -7200) }
        XCTAssertNotNil(Harness.locationParameters(spa([("acr_values", "urn:gatehouse:acr:mfa")]))["code"],
                        "any verification in the session satisfies acr_values without max_age")
        // With max_age, the verification must be that recent (and max_age's own sign-in check applies).
        h.sessions.authTime.withLock { $0 = h.now }
        XCTAssertTrue(isStepUp(spa([("acr_values", "urn:gatehouse:acr:mfa"), ("max_age", "3600")])))
    }
}
