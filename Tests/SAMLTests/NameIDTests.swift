import Crypto
import Store
import XCTest
import XMLSec
@testable import SAML

/// NameID formats (core §8.3): unspecified, emailAddress, persistent (stable per user and SP,
/// keyed, not guessable) and transient (new per session).
final class NameIDTests: XCTestCase {
    func nameID(_ harness: Harness, slug: String = "m3", user: String = "somchai",
                issuer: String = Harness.audience) throws -> (String, String?) {
        let request = harness.authnRequest(destination: Harness.ssoRedirect(slug), issuer: issuer)
        let response = harness.send(.get, "/application/saml/\(slug)/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: user)
        let element = try XCTUnwrap(Harness.element(Harness.assertion(in: try XCTUnwrap(Harness.postedForm(response), "\(response.status) \(response.text.prefix(3000))").document),
                                                    "Subject", "NameID"))
        return (try element.text(), element.attribute("Format"))
    }

    func testUnspecifiedIsTheUsernameAndAnExpressionOverridesIt() throws {
        let harness = try Harness()
        XCTAssertEqual(try nameID(harness).0, "somchai")
        harness.directory.update("m3") { $0.nameIDExpression = "user.attributes.m3_user_id" }
        XCTAssertEqual(try nameID(harness).0, "SOMCHAI01")
    }

    func testEmailAddress() throws {
        let harness = try Harness()
        harness.directory.update("m3") { $0.nameIDFormat = SAMLNameIDFormat.emailAddress.rawValue }
        let (value, format) = try nameID(harness)
        XCTAssertEqual(value, "somchai@example.co.th")
        XCTAssertEqual(format, SAMLNameIDFormat.emailAddress.rawValue)
    }

    func testPersistentIsStablePerUserAndServiceProviderAndKeyed() throws {
        let harness = try Harness()
        harness.directory.update("m3") { $0.nameIDFormat = SAMLNameIDFormat.persistent.rawValue }
        let first = try nameID(harness).0
        harness.sessions.generation.withLock { $0 += 1 }
        XCTAssertEqual(try nameID(harness).0, first, "stable across sessions")
        XCTAssertNotEqual(first, "somchai")
        XCTAssertFalse(first.contains(try XCTUnwrap(try harness.users.user(username: "somchai")).id.rawValue))
        // Another SP sees another value (not correlatable).
        harness.directory.set({
            var other = Harness.serviceProvider("other", groups: [])
            other.audience = "https://other.example.com/sp"
            other.nameIDFormat = SAMLNameIDFormat.persistent.rawValue
            return other
        }())
        XCTAssertNotEqual(try nameID(harness, slug: "other", issuer: "https://other.example.com/sp").0, first)
        // Another user, another value; and the value is 256 bits of HMAC, not a plain hash of
        // public data: without the key it cannot be computed.
        harness.directory.update("m3") { $0.application = Application(slug: "m3", name: "M3", launchURL: nil, groups: []) }
        XCTAssertNotEqual(try nameID(harness, user: "nok").0, first)
        let user = try XCTUnwrap(try harness.users.user(username: "somchai"))
        XCTAssertNotEqual(first, Base64URL.encode(Digest.sha256("persistent\u{0}\(Harness.audience)\u{0}\(user.id.rawValue)")))
        XCTAssertEqual(Base64URL.decode(first)?.count, 32)
    }

    func testTransientIsNewPerSessionAndStableWithinOne() throws {
        let harness = try Harness()
        harness.directory.update("m3") { $0.nameIDFormat = SAMLNameIDFormat.transient.rawValue }
        let first = try nameID(harness)
        XCTAssertEqual(first.1, SAMLNameIDFormat.transient.rawValue)
        XCTAssertEqual(try nameID(harness).0, first.0)
        harness.sessions.generation.withLock { $0 += 1 }
        XCTAssertNotEqual(try nameID(harness).0, first.0)
    }

    func testAUserWithoutEmailGetsAStatusNotAnAssertion() throws {
        let harness = try Harness()
        harness.users.add("noemail", groups: ["finance"])
        harness.directory.update("m3") { $0.nameIDFormat = SAMLNameIDFormat.emailAddress.rawValue }
        let request = harness.authnRequest()
        let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "noemail")
        let document = try XCTUnwrap(Harness.postedForm(response)).document
        XCTAssertEqual(Harness.statusCodes(document), [SAMLStatus.responder, SAMLStatus.invalidNameIDPolicy])
        XCTAssertNil(Harness.assertion(in: document))
    }
}
