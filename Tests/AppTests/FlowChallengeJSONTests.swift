@testable import Portal
import Identity
import JSON
import XCTest
@testable import App
import Flows

/// The JSON executor's shape for the stages added with MFA (authentik's component names).
final class FlowChallengeJSONTests: XCTestCase {
    let flow = Flow(slug: "f", title: "Link", designation: .stageConfiguration, bindings: [])

    func object(_ challenge: Challenge) throws -> [String: Any] {
        let text = JSONValue.object(FlowExecutorRoutes.challengeJSON(challenge, flow: flow)).serialized(.insertionOrder)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testPromptConsentValidateSetupAndCodes() throws {
        let prompt = try object(.prompt(fields: [PromptField(key: "whatsapp_number", label: "WhatsApp", kind: .phone)],
                                        values: ["whatsapp_number": "+66 8"], flowTitle: "Link"))
        XCTAssertEqual(prompt["component"] as? String, "ak-stage-prompt")
        let field = try XCTUnwrap((prompt["fields"] as? [[String: Any]])?.first)
        XCTAssertEqual(field["field_key"] as? String, "whatsapp_number")
        XCTAssertEqual(field["type"] as? String, "phone")
        XCTAssertEqual(field["initial_value"] as? String, "+66 8")
        XCTAssertEqual(try object(.consent(message: "Agree?", flowTitle: "Link"))["header_text"] as? String, "Agree?")
        let validate = try object(.authenticatorValidate(deviceClasses: ["totp", "webauthn"], flowTitle: "t",
                                                         webAuthnOptions: ["challenge": "abc", "rpId": "id.example.com"]))
        let challenges = try XCTUnwrap(validate["device_challenges"] as? [[String: Any]])
        XCTAssertEqual(challenges.map { $0["device_class"] as? String }, ["totp", "webauthn"])
        XCTAssertEqual((challenges[1]["challenge"] as? [String: Any])?["rpId"] as? String, "id.example.com")
        let setup = try object(.totpSetup(configURL: "otpauth://totp/A:b?secret=X", secret: "X", flowTitle: "t"))
        XCTAssertEqual(setup["config_url"] as? String, "otpauth://totp/A:b?secret=X")
        XCTAssertEqual(try object(.recoveryCodes(["AAAA-BBBB-CCCC"]))["codes"] as? [String], ["AAAA-BBBB-CCCC"])
        XCTAssertEqual(try object(.webAuthnSetup(options: ["challenge": "x"], flowTitle: "t"))["registration"] as? [String: String],
                       ["challenge": "x"])
    }

    func testRelyingPartyFromTheExternalURL() {
        XCTAssertEqual(LoginServices.relyingParty(externalURL: "https://id.example.co.th"),
                       .init(id: "id.example.co.th", origin: "https://id.example.co.th"))
        XCTAssertEqual(LoginServices.relyingParty(externalURL: "http://127.0.0.1:8080/"),
                       .init(id: "127.0.0.1", origin: "http://127.0.0.1:8080"))
        XCTAssertNil(LoginServices.relyingParty(externalURL: "ftp://x"))
    }
}
