import Crypto
import Store
import XCTest
@testable import Flows

/// The WebAuthn options are built as JSON values now; written in insertion order (as the JSON
/// executor writes them) they are the same text as the hand-assembled options were.
final class WebAuthnOptionsTests: XCTestCase {
    let relyingParty = WebAuthn.RelyingParty(id: "id.example.com", origin: "https://id.example.com")

    func device(_ credentialID: [UInt8]) -> WebAuthnDevice {
        WebAuthnDevice(id: "k", userID: UserID("u"), name: "key", credentialID: credentialID, publicKeyCOSE: [], algorithm: -7,
                       signCount: 0, createdAt: Timestamp(secondsSince1970: 0), lastUsedAt: nil)
    }

    func testRequestOptionsText() {
        let options = FlowExecutor.requestOptions(challenge: [1, 2, 3], relyingParty: relyingParty, keys: [device([4, 5]), device([6])])
        XCTAssertEqual(options.serialized(.insertionOrder),
                       #"{"challenge":"AQID","rpId":"id.example.com","allowCredentials":[{"type":"public-key","id":"BAU"},"#
                       + #"{"type":"public-key","id":"Bg"}],"userVerification":"preferred","timeout":120000}"#)
    }

    func testCreationOptionsText() {
        let user = User(id: UserID("0b0e5f3c"), username: "somchai", email: nil, name: "Somchai \"P\"", isActive: true,
                        isSuperuser: false, attributes: .emptyObject, passwordHash: nil, passwordChangedAt: nil,
                        createdAt: Timestamp(secondsSince1970: 0), updatedAt: Timestamp(secondsSince1970: 0), lastLoginAt: nil,
                        deactivatedAt: nil)
        let options = FlowExecutor.creationOptions(challenge: [1, 2, 3], relyingParty: relyingParty, rpName: "Acme <ID>",
                                                   user: user, existing: [device([4, 5])])
        XCTAssertEqual(options.serialized(.insertionOrder),
                       #"{"challenge":"AQID","rp":{"id":"id.example.com","name":"Acme <ID>"},"user":{"id":"MGIwZTVmM2M","#
                       + #""name":"somchai","displayName":"Somchai \"P\""},"pubKeyCredParams":[{"type":"public-key","alg":-7},"#
                       + #"{"type":"public-key","alg":-257}],"timeout":120000,"attestation":"none","excludeCredentials":"#
                       + #"[{"type":"public-key","id":"BAU"}],"authenticatorSelection":{"residentKey":"preferred","userVerification":"preferred"}}"#)
    }

    func testEventContextIsSortedAndEscaped() {
        XCTAssertEqual(FlowExecutor.eventContext(["stage": "s\u{2028}", "flow": "f\""]).text, #"{"flow":"f\"","stage":"s\u2028"}"#)
    }
}
