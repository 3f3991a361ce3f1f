import Crypto
import HTTP
import Store
import XCTest
import XMLSec
@testable import SAML

/// The rules of issue 13 item 4 that decide whether and where an answer goes: registered ACS
/// only, signed requests when configured, Destination, freshness, replays, the sign-in flow,
/// ForceAuthn and IsPassive, access rules, step-up, NameIDPolicy.
final class SSORuleTests: XCTestCase {
    /// Not a post anywhere, and no form at all: our error page.
    func assertErrorPage(_ response: HTTPResponse, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, .badRequest, file: file, line: line)
        XCTAssertNil(Harness.postedForm(response), "nothing may be posted", file: file, line: line)
        XCTAssertFalse(response.text.contains("SAMLResponse"), file: file, line: line)
        XCTAssertTrue(response.text.contains(message), "\(message) not in \(response.text.prefix(3000))", file: file, line: line)
    }

    func testUnregisteredACSGetsOurErrorPageNeverAPost() throws {
        let harness = try Harness()
        let request = harness.authnRequest(acs: "https://evil.example.net/acs")
        let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "somchai")
        assertErrorPage(response, "not registered")
        XCTAssertEqual(harness.events.outcomes("saml.sso"), ["unknown_acs"])
    }

    func testACSByIndexAndDefault() throws {
        let harness = try Harness()
        var request = harness.authnRequest(acs: nil, attributes: " AssertionConsumerServiceIndex=\"1\"")
        var response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "somchai")
        XCTAssertEqual(Harness.postedForm(response)?.action, Harness.acs + "2")
        request = harness.authnRequest(acs: nil, attributes: " AssertionConsumerServiceIndex=\"7\"")
        response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)), user: "somchai")
        assertErrorPage(response, "AssertionConsumerServiceIndex")
        request = harness.authnRequest(acs: nil)
        response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)), user: "somchai")
        XCTAssertEqual(Harness.postedForm(response)?.action, Harness.acs)
    }

    func testARedirectBindingResponseIsRefused() throws {
        let harness = try Harness()
        let request = harness.authnRequest(acs: nil, attributes: " ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\"")
        let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "somchai")
        assertErrorPage(response, "HTTP-POST")
    }

    func testSignedRedirectRequestIsVerifiedOverTheQueryAsReceived() throws {
        let harness = try Harness()
        let request = harness.authnRequest(destination: Harness.ssoRedirect("signed"))
        let query = try Harness.redirectQuery(request.xml, relayState: "a b&c", signer: TestKeys.sp)
        let response = harness.send(.get, "/application/saml/signed/sso/binding/redirect/?" + query, user: "somchai")
        XCTAssertEqual(Harness.postedForm(response)?.action, Harness.acs)
        XCTAssertEqual(Harness.postedForm(response)?.fields["RelayState"], "a b&c")
    }

    func testUnsignedRequestIsRefusedWhereSigningIsRequired() throws {
        let harness = try Harness()
        let request = harness.authnRequest(destination: Harness.ssoRedirect("signed"))
        var response = harness.send(.get, "/application/saml/signed/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "somchai")
        assertErrorPage(response, "must be signed")
        let posted = harness.authnRequest(destination: Harness.ssoPost("signed"))
        response = harness.send(.post, "/application/saml/signed/sso/binding/post/", form: [("SAMLRequest", try Harness.postValue(posted.xml))],
                                user: "somchai")
        assertErrorPage(response, "must be signed")
        XCTAssertEqual(harness.events.outcomes("saml.sso"), ["unsigned_request", "unsigned_request"])
    }

    func testSignatureByAnotherKeyIsRefused() throws {
        let harness = try Harness()
        let request = harness.authnRequest(destination: Harness.ssoRedirect("signed"))
        let query = try Harness.redirectQuery(request.xml, signer: TestKeys.attacker)
        assertErrorPage(harness.send(.get, "/application/saml/signed/sso/binding/redirect/?" + query, user: "somchai"), "does not verify")
        let posted = harness.authnRequest(destination: Harness.ssoPost("signed"))
        let response = harness.send(.post, "/application/saml/signed/sso/binding/post/",
                                    form: [("SAMLRequest", try Harness.postValue(posted.xml, signer: TestKeys.attacker))], user: "somchai")
        assertErrorPage(response, "does not verify")
    }

    /// Bindings §3.4.4.1: the signature covers SAMLRequest, RelayState, SigAlg in that order,
    /// as received. The same parameters reordered, or a value re-encoded, no longer verify.
    func testRedirectSignatureOverReorderedParametersIsRefused() throws {
        let harness = try Harness()
        let request = harness.authnRequest(destination: Harness.ssoRedirect("signed"))
        let query = try Harness.redirectQuery(request.xml, relayState: "state/1", signer: TestKeys.sp)
        var pairs = query.split(separator: "&").map(String.init)
        // The signature was made over "SAMLRequest=…&RelayState=…&SigAlg=…": sign the reordered
        // text instead and present it in the order the binding prescribes.
        let reordered = [pairs[2], pairs[0], pairs[1]].joined(separator: "&")
        let badSignature = try XMLSigner(key: TestKeys.sp.privateKey).signRedirectBinding(Array(reordered.utf8))
        pairs[3] = "Signature=" + PercentEncoding.encode(Base64.encode(badSignature))
        assertErrorPage(harness.send(.get, "/application/saml/signed/sso/binding/redirect/?" + pairs.joined(separator: "&"),
                                     user: "somchai"), "does not verify")
        // RelayState re-encoded (/ as %2F): the octets differ from what was signed.
        let reencoded = query.replacingOccurrences(of: "RelayState=state%2F1", with: "RelayState=state/1")
        XCTAssertNotEqual(reencoded, query)
        assertErrorPage(harness.send(.get, "/application/saml/signed/sso/binding/redirect/?" + reencoded, user: "somchai"),
                        "does not verify")
    }

    func testSignedPostRequestContinuesOnOurSiteWithTheCookie() throws {
        let harness = try Harness()
        let request = harness.authnRequest(destination: Harness.ssoPost("signed"))
        let response = harness.send(.post, "/application/saml/signed/sso/binding/post/",
                                    form: [("SAMLRequest", try Harness.postValue(request.xml, signer: TestKeys.sp)), ("RelayState", "r")])
        // A cross-site POST carries no SameSite=Lax cookie: a 303 to our own GET first.
        XCTAssertEqual(response.status, .seeOther)
        let location = try XCTUnwrap(response.headers["Location"])
        XCTAssertTrue(location.hasPrefix("/application/saml/signed/sso/continue/?request="))
        let answered = harness.send(.get, location, user: "somchai")
        let form = try XCTUnwrap(Harness.postedForm(answered))
        XCTAssertEqual(form.fields["RelayState"], "r")
        XCTAssertEqual(try form.document.root.attribute("InResponseTo"), request.id)
        // The continuation is answered once.
        assertErrorPage(harness.send(.get, location, user: "somchai"), "already answered")
    }

    func testReplayedRequestIDIsRefused() throws {
        let harness = try Harness()
        let request = harness.authnRequest()
        let query = try Harness.redirectQuery(request.xml)
        XCTAssertNotNil(Harness.postedForm(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + query, user: "somchai")))
        harness.advance(seconds: 30)
        assertErrorPage(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + query, user: "somchai"), "already used")
        // The same ID in a fresh message is the same request.
        let again = harness.authnRequest(id: request.id)
        assertErrorPage(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(again.xml)),
                                     user: "somchai"), "already used")
    }

    func testAnotherDestinationIsRefused() throws {
        let harness = try Harness()
        for destination in ["https://other-idp.example.com/sso", Harness.ssoPost(), Harness.ssoRedirect("hr")] {
            let request = harness.authnRequest(destination: destination)
            assertErrorPage(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                         user: "somchai"), "another endpoint")
        }
        // A signed request must name its Destination.
        let request = harness.authnRequest(destination: nil)
        let query = try Harness.redirectQuery(request.xml, signer: TestKeys.sp)
        assertErrorPage(harness.send(.get, "/application/saml/signed/sso/binding/redirect/?" + query, user: "somchai"), "Destination")
    }

    func testStaleAndFutureRequestsAreRefused() throws {
        let harness = try Harness()
        let old = harness.authnRequest(instant: harness.now.adding(seconds: -(300 + 121)))
        assertErrorPage(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(old.xml)),
                                     user: "somchai"), "expired")
        let future = harness.authnRequest(instant: harness.now.adding(seconds: 121))
        assertErrorPage(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(future.xml)),
                                     user: "somchai"), "future")
        // Within the two minutes of skew both ways: accepted.
        let skewed = harness.authnRequest(instant: harness.now.adding(seconds: 110))
        XCTAssertNotNil(Harness.postedForm(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?"
                                                        + (try Harness.redirectQuery(skewed.xml)), user: "somchai")))
    }

    func testAnotherIssuerIsRefused() throws {
        let harness = try Harness()
        let request = harness.authnRequest(issuer: "https://someone-else.example.com/sp")
        assertErrorPage(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                     user: "somchai"), "Issuer")
    }

    /// Not signed in: the sign-in flow, then back to a continuation that answers.
    func testSignInFlowThenBack() throws {
        let harness = try Harness()
        let request = harness.authnRequest()
        let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml, relayState: "x")))
        XCTAssertEqual(response.status, .found)
        let location = try XCTUnwrap(response.headers["Location"])
        XCTAssertTrue(location.hasPrefix("/if/flow/default-authentication-flow/?restart=1&next="), location)
        let next = try XCTUnwrap(PercentEncoding.decode(String(location.split(separator: "next=")[1]), plusAsSpace: false))
        XCTAssertTrue(next.hasPrefix("/application/saml/m3/sso/continue/?request="))
        let form = try XCTUnwrap(Harness.postedForm(harness.send(.get, next, user: "somchai")))
        XCTAssertEqual(form.fields["RelayState"], "x")
        XCTAssertEqual(try form.document.root.attribute("InResponseTo"), request.id)
    }

    func testTamperedOrStaleContinuationIsRefused() throws {
        let harness = try Harness()
        let request = harness.authnRequest()
        let location = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)))
            .headers["Location"] ?? ""
        let next = PercentEncoding.decode(String(location.split(separator: "next=").last ?? ""), plusAsSpace: false) ?? ""
        assertErrorPage(harness.send(.get, next + "A", user: "somchai"), "not valid")
        // Sealed for m3: not valid for another application.
        assertErrorPage(harness.send(.get, next.replacingOccurrences(of: "/m3/", with: "/hr/"), user: "somchai"), "not valid")
        harness.advance(seconds: 901)
        assertErrorPage(harness.send(.get, next, user: "somchai"), "too long")
    }

    /// Core §3.4.1: ForceAuthn means a fresh sign-in, whatever session exists.
    func testForceAuthnNeedsASignInAfterTheRequest() throws {
        let harness = try Harness()
        let request = harness.authnRequest(attributes: " ForceAuthn=\"true\"")
        let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "somchai")
        XCTAssertEqual(response.status, .found)
        let location = try XCTUnwrap(response.headers["Location"])
        XCTAssertTrue(location.contains("restart=1"))
        let next = try XCTUnwrap(PercentEncoding.decode(String(location.split(separator: "next=")[1]), plusAsSpace: false))
        // Still the old session: sent to sign in again.
        XCTAssertEqual(harness.send(.get, next, user: "somchai").status, .found)
        harness.advance(seconds: 20)
        harness.sessions.authTime.withLock { $0 = harness.now }
        XCTAssertNotNil(Harness.postedForm(harness.send(.get, next, user: "somchai")))
    }

    /// IsPassive without a session: NoPassive to the SP, no sign-in page.
    func testIsPassiveWithoutSessionAnswersNoPassive() throws {
        let harness = try Harness()
        let request = harness.authnRequest(attributes: " IsPassive=\"true\"")
        let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)))
        let document = try XCTUnwrap(Harness.postedForm(response)).document
        XCTAssertEqual(Harness.statusCodes(document), [SAMLStatus.responder, SAMLStatus.noPassive])
        XCTAssertNil(Harness.assertion(in: document))
        XCTAssertNoThrow(try Harness.idpVerifier.verify(signedElement: document.root))
    }

    /// The application's access rules: a 403 page whose button carries RequestDenied to the SP.
    func testAccessDeniedIsA403WithRequestDeniedForTheSP() throws {
        let harness = try Harness()
        let request = harness.authnRequest(destination: Harness.ssoRedirect("hr"))
        let response = harness.send(.get, "/application/saml/hr/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "somchai")
        XCTAssertEqual(response.status, .forbidden)
        let form = try XCTUnwrap(Harness.postedForm(response))
        XCTAssertEqual(form.action, Harness.acs)
        let document = try form.document
        XCTAssertEqual(Harness.statusCodes(document), [SAMLStatus.responder, SAMLStatus.requestDenied])
        XCTAssertNil(Harness.assertion(in: document))
        XCTAssertFalse(response.text.contains("data-autosubmit"), "the user reads the page first")
        XCTAssertEqual(harness.events.outcomes("saml.sso"), ["access_denied"])
    }

    /// A sensitive application needs a recent MFA verification: the validation flow, then back.
    func testStepUpForASensitiveApplication() throws {
        let harness = try Harness()
        let request = harness.authnRequest(destination: Harness.ssoRedirect("vault"))
        let response = harness.send(.get, "/application/saml/vault/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "somchai")
        XCTAssertEqual(response.status, .found)
        let location = try XCTUnwrap(response.headers["Location"])
        XCTAssertTrue(location.hasPrefix("/if/flow/default-authenticator-validation-flow/?next="), location)
        let next = try XCTUnwrap(PercentEncoding.decode(String(location.split(separator: "next=")[1]), plusAsSpace: false))
        harness.sessions.lastMFA.withLock { $0 = harness.now }
        let document = try XCTUnwrap(Harness.postedForm(harness.send(.get, next, user: "somchai"))).document
        XCTAssertEqual(try Harness.element(Harness.assertion(in: document), "AuthnStatement", "AuthnContext", "AuthnContextClassRef")?.text(),
                       SAMLAuthnContextClass.multiFactor)
        // An old verification, outside mfa_window, does not count.
        harness.advance(seconds: 1801)
        let again = harness.authnRequest(destination: Harness.ssoRedirect("vault"))
        XCTAssertEqual(harness.send(.get, "/application/saml/vault/sso/binding/redirect/?" + (try Harness.redirectQuery(again.xml)),
                                    user: "somchai").status, .found)
    }

    /// An SP asking for the multi-factor class gets a step-up too.
    func testRequestedMultiFactorClassStepsUp() throws {
        let harness = try Harness()
        let context = """
            <samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>\(SAMLAuthnContextClass.multiFactor)</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>
            """
        let request = harness.authnRequest(inner: context)
        let response = harness.send(.get, "/application/saml/m3/sso/binding/redirect/?" + (try Harness.redirectQuery(request.xml)),
                                    user: "somchai")
        XCTAssertTrue(response.headers["Location"]?.hasPrefix("/if/flow/default-authenticator-validation-flow/") ?? false)
    }

    func testNameIDPolicyFormatOtherThanConfiguredIsInvalidNameIDPolicy() throws {
        let harness = try Harness()
        let policy = "<samlp:NameIDPolicy Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\" AllowCreate=\"true\"/>"
        let request = harness.authnRequest(inner: policy)
        let document = try XCTUnwrap(Harness.postedForm(harness.send(.get, "/application/saml/m3/sso/binding/redirect/?"
                                                                     + (try Harness.redirectQuery(request.xml)), user: "somchai"))).document
        XCTAssertEqual(Harness.statusCodes(document), [SAMLStatus.requester, SAMLStatus.invalidNameIDPolicy])
    }
}
