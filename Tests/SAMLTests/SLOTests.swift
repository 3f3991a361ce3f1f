import Crypto
import HTTP
import Store
import XCTest
import XMLSec
@testable import SAML

/// Single logout from the SP (profiles §4.4): the Gatehouse session ends and the SP gets a
/// (signed) LogoutResponse.
final class SLOTests: XCTestCase {
    func sessionIndex(_ harness: Harness) throws -> String {
        try XCTUnwrap(try harness.sessions.session(token: FakeSessions.token(for: "somchai"))).sid
    }

    func testLogoutRequestEndsTheSessionAndAnswersSigned() throws {
        let harness = try Harness()
        _ = try harness.signIn()
        let sid = try sessionIndex(harness)
        XCTAssertEqual(try harness.participants.participants(sessionID: sid).count, 1)
        let request = harness.logoutRequest(nameID: "somchai", sessionIndex: sid)
        let response = harness.send(.get, "/application/saml/m3/slo/binding/redirect/?" + (try Harness.redirectQuery(request, relayState: "bye")),
                                    user: "somchai")
        XCTAssertEqual(response.status, .found)
        XCTAssertEqual(harness.sessions.ended.withLock { $0 }, [FakeSessions.token(for: "somchai")])
        XCTAssertTrue(response.headers.values("Set-Cookie").contains { $0.contains("gatehouse_session=;") })
        let location = try XCTUnwrap(response.headers["Location"])
        XCTAssertTrue(location.hasPrefix(Harness.slo + "?SAMLResponse="))
        // The query's detached signature verifies over the octets as sent.
        let query = try RedirectBindingQuery(rawQuery: String(location.split(separator: "?", maxSplits: 1)[1]))
        XCTAssertEqual(query.rawRelayState, "bye")
        let signature = try XCTUnwrap(Base64.decode(try XCTUnwrap(PercentEncoding.decode(try XCTUnwrap(query.rawSignature), plusAsSpace: true))))
        XCTAssertNoThrow(try Harness.idpVerifier.verifyRedirectBinding(
            signature: signature, octets: try XCTUnwrap(query.signedOctets),
            sigAlg: try XCTUnwrap(PercentEncoding.decode(try XCTUnwrap(query.rawSigAlg), plusAsSpace: true))))
        let xml = try RawDeflate.inflate(try XCTUnwrap(Base64.decode(try XCTUnwrap(PercentEncoding.decode(query.rawMessage, plusAsSpace: true)))))
        let document = try XMLDocument.parse(xml)
        XCTAssertTrue(document.root.isNamed("LogoutResponse", namespace: SAMLNamespace.protocol))
        XCTAssertEqual(Harness.statusCodes(document), [SAMLStatus.success])
        XCTAssertEqual(document.root.attribute("Destination"), Harness.slo)
        XCTAssertEqual(harness.events.outcomes("saml.slo"), ["signed_out"])
        XCTAssertEqual(try harness.participants.participants(sessionID: sid), [], "the session's SPs are forgotten")
    }

    func testPostBindingLogoutContinuesWithTheCookieAndAnswersByPost() throws {
        let harness = try Harness()
        harness.directory.update("m3") { $0.sloBinding = .post }
        let request = harness.logoutRequest(nameID: "somchai", sessionIndex: nil,
                                            destination: Harness.base + "/application/saml/m3/slo/binding/post/")
        let intake = harness.send(.post, "/application/saml/m3/slo/binding/post/", form: [("SAMLRequest", try Harness.postValue(request))])
        XCTAssertEqual(intake.status, .seeOther)
        let answer = harness.send(.get, try XCTUnwrap(intake.headers["Location"]), user: "somchai")
        let form = try XCTUnwrap(Harness.postedForm(answer))
        XCTAssertEqual(form.action, Harness.slo)
        let document = try form.document
        XCTAssertEqual(Harness.statusCodes(document), [SAMLStatus.success])
        XCTAssertNoThrow(try Harness.idpVerifier.verify(signedElement: document.root))
        XCTAssertEqual(harness.sessions.ended.withLock { $0.count }, 1)
    }

    func testALogoutRequestForSomeoneElseEndsNothing() throws {
        let harness = try Harness()
        for (nameID, index) in [("nok", nil), ("somchai", "not-this-session")] as [(String, String?)] {
            let request = harness.logoutRequest(nameID: nameID, sessionIndex: index)
            let response = harness.send(.get, "/application/saml/m3/slo/binding/redirect/?" + (try Harness.redirectQuery(request)),
                                        user: "somchai")
            let location = try XCTUnwrap(response.headers["Location"])
            let query = try RedirectBindingQuery(rawQuery: String(location.split(separator: "?", maxSplits: 1)[1]))
            let xml = try RawDeflate.inflate(try XCTUnwrap(Base64.decode(try XCTUnwrap(PercentEncoding.decode(query.rawMessage, plusAsSpace: true)))))
            XCTAssertEqual(Harness.statusCodes(try XMLDocument.parse(xml)), [SAMLStatus.requester, SAMLStatus.unknownPrincipal])
        }
        XCTAssertEqual(harness.sessions.ended.withLock { $0 }, [])
    }

    func testNoSessionAnswersSuccess() throws {
        let harness = try Harness()
        let request = harness.logoutRequest(nameID: "somchai", sessionIndex: nil)
        let response = harness.send(.get, "/application/saml/m3/slo/binding/redirect/?" + (try Harness.redirectQuery(request)))
        XCTAssertEqual(response.status, .found)
        XCTAssertEqual(harness.events.outcomes("saml.slo"), ["no_session"])
    }

    func testRefusedLogoutRequests() throws {
        let harness = try Harness()
        // Replayed.
        let request = harness.logoutRequest(nameID: "somchai", sessionIndex: nil)
        let query = try Harness.redirectQuery(request)
        XCTAssertEqual(harness.send(.get, "/application/saml/m3/slo/binding/redirect/?" + query).status, .found)
        XCTAssertEqual(harness.send(.get, "/application/saml/m3/slo/binding/redirect/?" + query).status, .badRequest)
        // Unsigned where signing is required.
        let unsigned = harness.logoutRequest(nameID: "somchai", sessionIndex: nil, destination: Harness.sloRedirect("signed"))
        XCTAssertEqual(harness.send(.get, "/application/saml/signed/slo/binding/redirect/?" + (try Harness.redirectQuery(unsigned)),
                                    user: "somchai").status, .badRequest)
        XCTAssertEqual(harness.sessions.ended.withLock { $0 }, [])
        // No SingleLogoutService to answer.
        harness.directory.update("m3") { $0.sloURL = nil }
        let orphan = harness.logoutRequest(nameID: "somchai", sessionIndex: nil)
        XCTAssertEqual(harness.send(.get, "/application/saml/m3/slo/binding/redirect/?" + (try Harness.redirectQuery(orphan)),
                                    user: "somchai").status, .badRequest)
        XCTAssertEqual(harness.events.outcomes("saml.slo"), ["no_session", "replayed", "unsigned_request", "no_slo_endpoint"])
    }
}
