import Identity
import Crypto
import Expressions
import Store
import XCTest
@testable import Flows

/// The prompt stage (fields checked, answers stored in attributes) and the consent stage.
final class PromptConsentTests: XCTestCase {
    var users: FakeUserStore!
    var sessions: FakeSessionStore!
    var events: FakeEventStore!
    var somchai: User!
    let now = Timestamp(secondsSince1970: 1_800_000_010)

    static let whatsApp = Flow(slug: "link-whatsapp", title: "Link WhatsApp", designation: .stageConfiguration, bindings: [
        StageBinding(name: "terms", stage: .consent(message: "Gatehouse will store your WhatsApp number.")),
        StageBinding(name: "number", stage: .prompt(PromptStage(fields: [
            PromptField(key: "whatsapp_number", label: "WhatsApp number", kind: .phone),
            PromptField(key: "extension_3cx", label: "3CX extension", kind: .number, required: false, pattern: "[0-9]{3,4}"),
            PromptField(key: "email_alias", label: "Alias", kind: .email, required: false, maxLength: 40),
        ], writeToAttributes: true))),
    ])

    override func setUpWithError() throws {
        users = FakeUserStore()
        sessions = FakeSessionStore(users: users)
        events = FakeEventStore()
        somchai = try users.createUser(NewUser(username: "somchai", attributes: JSONText(#"{"m3_company":"100"}"#)))
    }

    func step(_ plan: FlowPlan, _ input: FlowInput, signedIn: Bool = true) throws -> FlowOutcome {
        let executor = FlowExecutor(users: users, sessions: sessions, events: events,
                                    hasher: PasswordHasher(parameters: FlowsTests.testParameters),
                                    throttle: InMemoryLoginThrottle(), flows: [Self.whatsApp])
        let restored = try XCTUnwrap(FlowPlan(json: JSONText(plan.jsonText().text)))
        return try executor.execute(plan: restored, input: input, context: FlowContext(
            clientIP: "10.1.1.1", userAgent: "XCTest", now: now, currentSessionIDHash: Digest.sha256("s"),
            currentUserID: signedIn ? somchai.id : nil))
    }

    func testConsentThenPromptValidatesAndWritesAttributes() throws {
        let start = FlowPlan(flow: Self.whatsApp, next: "/portal")
        let asked = try step(start, .none)
        XCTAssertEqual(asked.challenge, .consent(message: "Gatehouse will store your WhatsApp number.", flowTitle: "Link WhatsApp"))
        let declined = try step(XCTUnwrap(asked.plan), .consent(accepted: false))
        XCTAssertEqual(declined.challenge, .accessDenied(message: FlowExecutor.consentDeclinedMessage))
        XCTAssertNil(declined.plan)

        let prompt = try step(XCTUnwrap(asked.plan), .consent(accepted: true))
        XCTAssertEqual(prompt.challenge.component, "ak-stage-prompt")
        let bad = try step(XCTUnwrap(prompt.plan), .prompt(["whatsapp_number": "081 234", "extension_3cx": "12",
                                                            "email_alias": "not-an-address"]))
        XCTAssertEqual(Set(bad.errors.map(\.field)), ["whatsapp_number", "extension_3cx", "email_alias"])
        guard case .prompt(_, let shownBack, _) = bad.challenge else { return XCTFail("\(bad.challenge)") }
        XCTAssertEqual(shownBack["whatsapp_number"], "081 234")
        let missing = try step(XCTUnwrap(bad.plan), .prompt(["extension_3cx": "1234"]))
        XCTAssertEqual(missing.errors.map(\.code), ["required"])
        let tooLong = try step(XCTUnwrap(bad.plan), .prompt(["whatsapp_number": "+66812345678",
                                                            "email_alias": String(repeating: "a", count: 40) + "@x.co"]))
        XCTAssertEqual(tooLong.errors.map(\.code), ["max_length"])

        guard case .completed(let done) = try step(XCTUnwrap(bad.plan), .prompt([
            "whatsapp_number": " +66 81-234-5678 ", "extension_3cx": "1234", "email_alias": ""])).step else {
            return XCTFail("refused good answers")
        }
        XCTAssertEqual(done.redirect, "/portal")
        let stored = try ExprValue(jsonText: try XCTUnwrap(users.user(id: somchai.id)).attributes.text)
        XCTAssertEqual(stored, .map(["m3_company": .string("100"), "whatsapp_number": .string("+66 81-234-5678"),
                                     "extension_3cx": .string("1234")]))
    }

    func testWritingAttributesNeedsAUser() throws {
        let plan = try XCTUnwrap(try step(FlowPlan(flow: Self.whatsApp, next: nil), .consent(accepted: true), signedIn: false).plan)
        XCTAssertEqual(try step(plan, .prompt(["whatsapp_number": "+66812345678"]), signedIn: false).challenge,
                       .accessDenied(message: FlowExecutor.signInFirstMessage))
    }
}
