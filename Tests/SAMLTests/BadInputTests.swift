import Crypto
import HTTP
import Store
import XCTest
import XMLSec
@testable import SAML

/// Hostile and broken input to every intake: each is answered with our error page (400) or a
/// 404/415, never a crash, a 500, a post to anyone, or a record written.
final class BadInputTests: XCTestCase {
    func assertRefused(_ harness: Harness, _ response: HTTPResponse, _ message: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue([.badRequest, .unsupportedMediaType].contains(response.status), "\(response.status)", file: file, line: line)
        XCTAssertNil(Harness.postedForm(response), file: file, line: line)
        if let message { XCTAssertTrue(response.text.contains(message), "\(message) not in \(response.text.prefix(2000))", file: file, line: line) }
        XCTAssertEqual(harness.participants.rows.withLock { $0.count }, 0, file: file, line: line)
    }

    func redirect(_ harness: Harness, rawXML: String, path: String = "sso") -> HTTPResponse {
        let query = "SAMLRequest=" + PercentEncoding.encode(Base64.encode(RawDeflate.deflate(Array(rawXML.utf8))))
        return harness.send(.get, "/application/saml/m3/\(path)/binding/redirect/?" + query, user: "somchai")
    }

    func post(_ harness: Harness, rawXML: String, path: String = "sso") -> HTTPResponse {
        harness.send(.post, "/application/saml/m3/\(path)/binding/post/", form: [("SAMLRequest", Base64.encode(Array(rawXML.utf8)))],
                     user: "somchai")
    }

    func testDoctypeXXEAndBillionLaughsAreRefused() throws {
        let harness = try Harness()
        let request = harness.authnRequest().xml
        let xxe = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" + request.replacingOccurrences(of: Harness.audience, with: "&x;")
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\
            <samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_a" Version="2.0" IssueInstant="2027-01-15T08:00:00Z">&lol3;</samlp:AuthnRequest>
            """
        // An ID declared through a DTD (CVE-2025-23369's class) is refused with the DTD.
        let idByDTD = "<!DOCTYPE samlp:AuthnRequest [<!ATTLIST samlp:AuthnRequest Foo ID #IMPLIED>]>" + request
        for document in [xxe, laughs, idByDTD] {
            for path in ["sso", "slo"] {
                assertRefused(harness, redirect(harness, rawXML: document, path: path), "not acceptable XML")
                assertRefused(harness, post(harness, rawXML: document, path: path), "not acceptable XML")
            }
        }
    }

    /// A few kilobytes that inflate past the cap: stopped at the cap, refused.
    func testDeflateBombIsRefused() throws {
        let harness = try Harness()
        let bomb = RawDeflate.deflate([UInt8](repeating: UInt8(ascii: "a"), count: 8 << 20))
        XCTAssertLessThan(bomb.count, 64 * 1024)
        let query = "SAMLRequest=" + PercentEncoding.encode(Base64.encode(bomb))
        assertRefused(harness, harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + query, user: "somchai"), "does not inflate")
    }

    func testMalformedEncodings() throws {
        let harness = try Harness()
        let cases = [
            "",                                                     // nothing
            "SAMLRequest=",                                         // empty
            "SAMLRequest=%%%",                                      // bad escape
            "SAMLRequest=not-base64!!",                             // not base64
            "SAMLRequest=" + PercentEncoding.encode(Base64.encode(Array("plain text, not deflate".utf8))),
            "SAMLRequest=" + PercentEncoding.encode(Base64.encode(Array(RawDeflate.deflate(Array("<a".utf8))))),
            "SAMLRequest=" + PercentEncoding.encode(Base64.encode(RawDeflate.deflate(Array("<x/>".utf8)))),
            "SAMLRequest=a&SAMLRequest=b",                          // ambiguous
            "SAMLRequest=a&SAMLResponse=b",
            "SAMLResponse=" + PercentEncoding.encode(Base64.encode(RawDeflate.deflate(Array("<x/>".utf8)))),
        ]
        for query in cases {
            let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + query, user: "somchai")
            assertRefused(harness, response)
        }
        for form in [[("SAMLRequest", "!!!")], [("SAMLRequest", "")], [("Other", "x")],
                     [("SAMLRequest", Base64.encode(Array("<x/>".utf8))), ("SAMLRequest", "y")]] {
            assertRefused(harness, harness.send(.post, "/application/saml/m3/sso/binding/post/", form: form, user: "somchai"))
        }
        // Not a form at all.
        assertRefused(harness, harness.send(.post, "/application/saml/m3/sso/binding/post/", body: Array("{}".utf8),
                                            contentType: "application/json", user: "somchai"))
    }

    func testWrongMessagesAndShapes() throws {
        let harness = try Harness()
        let logout = harness.logoutRequest(nameID: "somchai", sessionIndex: nil, destination: Harness.ssoRedirect())
        assertRefused(harness, redirect(harness, rawXML: logout), "Expected a samlp:AuthnRequest")
        let authn = harness.authnRequest(destination: Harness.sloRedirect()).xml
        assertRefused(harness, redirect(harness, rawXML: authn, path: "slo"), "Expected a samlp:LogoutRequest")
        for bad in [
            harness.authnRequest().xml.replacingOccurrences(of: "Version=\"2.0\"", with: "Version=\"1.1\""),
            harness.authnRequest().xml.replacingOccurrences(of: "IssueInstant=\"", with: "IssueInstant=\"yesterday"),
            harness.authnRequest(attributes: " ForceAuthn=\"maybe\"").xml,
            harness.authnRequest(acs: nil, attributes: " AssertionConsumerServiceIndex=\"1\" AssertionConsumerServiceURL=\"\(Harness.acs)\"").xml,
            harness.authnRequest(inner: "<samlp:NameIDPolicy/><samlp:NameIDPolicy/>").xml,
            harness.authnRequest(inner: "<saml:Issuer>second</saml:Issuer>").xml,
            harness.authnRequest(issuer: "a<!-- comment -->b").xml,
            harness.authnRequest().xml.replacingOccurrences(of: " ID=\"", with: " XID=\""),
        ] {
            assertRefused(harness, redirect(harness, rawXML: bad))
        }
        // A RelayState far beyond the binding's 80 bytes.
        let request = harness.authnRequest()
        let query = try Harness.redirectQuery(request.xml, relayState: String(repeating: "r", count: 2000))
        assertRefused(harness, harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + query, user: "somchai"), "RelayState")
    }

    /// NUL bytes, invalid UTF-8 and control characters in the message: refused.
    func testBinaryGarbage() throws {
        let harness = try Harness()
        var garbage: [UInt8] = Array(harness.authnRequest().xml.utf8)
        garbage.insert(0, at: 40)
        garbage.insert(0xFF, at: 60)
        let query = "SAMLRequest=" + PercentEncoding.encode(Base64.encode(RawDeflate.deflate(garbage)))
        assertRefused(harness, harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + query, user: "somchai"))
        for seed in 0..<64 {
            var random = SecureRandom.bytes(64 + seed * 7)
            random[0] = UInt8(seed)
            let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?SAMLRequest="
                                        + PercentEncoding.encode(Base64.encode(random)), user: "somchai")
            assertRefused(harness, response)
        }
    }
}
