import Crypto
import HTTP
import Store
import XCTest
import XMLSec
@testable import SAML

/// What a successful single sign-on answers: one signed Assertion with one AuthnStatement, its
/// Conditions and bearer SubjectConfirmation, posted only to the registered ACS (core §2.3-2.7,
/// profiles §4.1.4.2).
final class SSOResponseTests: XCTestCase {
    func testResponseCarriesOneAssertionWithEverythingTheProfileRequires() throws {
        let harness = try Harness()
        let (requestID, response) = try harness.signIn()
        XCTAssertEqual(response.status, .ok)
        let form = try XCTUnwrap(Harness.postedForm(response))
        XCTAssertEqual(form.action, Harness.acs)
        XCTAssertEqual(form.fields["RelayState"], "rs-1")
        let document = try form.document
        let root = document.root
        XCTAssertEqual(root.attribute("InResponseTo"), requestID)
        XCTAssertEqual(root.attribute("Destination"), Harness.acs)
        XCTAssertEqual(Harness.statusCodes(document), [SAMLStatus.success])
        XCTAssertEqual(root.childElements(named: "Assertion", namespace: SAMLNamespace.assertion).count, 1)
        let assertion = try XCTUnwrap(Harness.assertion(in: document))
        XCTAssertEqual(assertion.childElements(named: "AuthnStatement", namespace: SAMLNamespace.assertion).count, 1)

        let statement = try XCTUnwrap(Harness.element(assertion, "AuthnStatement"))
        let session = try XCTUnwrap(try harness.sessions.session(token: FakeSessions.token(for: "somchai")))
        XCTAssertEqual(statement.attribute("SessionIndex"), session.sid, "SessionIndex is the Gatehouse session's sid")
        XCTAssertEqual(statement.attribute("AuthnInstant"), SAMLTime.format(session.authTime))

        let conditions = try XCTUnwrap(Harness.element(assertion, "Conditions"))
        XCTAssertEqual(conditions.attribute("NotBefore"), SAMLTime.format(harness.now.adding(seconds: -120)))
        XCTAssertEqual(conditions.attribute("NotOnOrAfter"), SAMLTime.format(harness.now.adding(seconds: 300)))
        XCTAssertEqual(try Harness.element(conditions, "AudienceRestriction", "Audience")?.text(), Harness.audience)

        let confirmation = try XCTUnwrap(Harness.element(assertion, "Subject", "SubjectConfirmation"))
        XCTAssertEqual(confirmation.attribute("Method"), "urn:oasis:names:tc:SAML:2.0:cm:bearer")
        let data = try XCTUnwrap(Harness.element(confirmation, "SubjectConfirmationData"))
        XCTAssertEqual(data.attribute("Recipient"), Harness.acs)
        XCTAssertEqual(data.attribute("InResponseTo"), requestID)
        XCTAssertEqual(data.attribute("NotOnOrAfter"), SAMLTime.format(harness.now.adding(seconds: 300)))

        let values = try XCTUnwrap(Harness.element(assertion, "AttributeStatement")).childElements.map { attribute in
            (attribute.attribute("Name") ?? "", attribute.attribute("NameFormat") ?? "", attribute.childElements.map { (try? $0.text()) ?? "" })
        }
        XCTAssertEqual(values.map(\.0), ["http://schemas.infor.com/claims/Identity2", "email", "groups"])
        XCTAssertEqual(values[0].1, "urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
        XCTAssertEqual(values[1].1, "urn:oasis:names:tc:SAML:2.0:attrname-format:basic")
        XCTAssertEqual(values[0].2, ["somchai"])
        XCTAssertEqual(values[2].2, ["finance"])
        XCTAssertEqual(harness.events.outcomes("saml.sso"), ["success"])
        XCTAssertEqual(try harness.participants.participants(sessionID: session.sid).map(\.providerName), ["m3"])
    }

    /// Response only, assertion only, or both: the assertion is signed first, then the
    /// response, and each signature verifies on its own (authentik #12306 broke this).
    func testSigningChoicesAllVerify() throws {
        for (signResponse, signAssertion) in [(true, true), (true, false), (false, true)] {
            let harness = try Harness()
            harness.directory.update("m3") {
                $0.signResponse = signResponse
                $0.signAssertion = signAssertion
            }
            let document = try XCTUnwrap(Harness.postedForm(try harness.signIn().response)).document
            let assertion = try XCTUnwrap(Harness.assertion(in: document))
            let responseSignature = document.root.firstChildElement(named: "Signature", namespace: XMLNamespace.dsig)
            let assertionSignature = assertion.firstChildElement(named: "Signature", namespace: XMLNamespace.dsig)
            XCTAssertEqual(responseSignature != nil, signResponse)
            XCTAssertEqual(assertionSignature != nil, signAssertion)
            if signResponse { XCTAssertNoThrow(try Harness.idpVerifier.verify(signedElement: document.root)) }
            // The assertion alone, as an SP that checks only it reads it back.
            let standalone = try XMLDocument.parse(assertion.serialized())
            if signAssertion { XCTAssertNoThrow(try Harness.idpVerifier.verify(signedElement: standalone.root)) }
            // Schema order: the signature right after the Issuer.
            if signResponse { XCTAssertEqual(document.root.childElements.map(\.localName).prefix(3), ["Issuer", "Signature", "Status"]) }
            if signAssertion { XCTAssertEqual(assertion.childElements.map(\.localName).prefix(3), ["Issuer", "Signature", "Subject"]) }
        }
    }

    func testSignatureAlgorithmsFollowTheProvider() throws {
        for (name, uri, certificate) in [("rsa-sha512", XMLSignatureAlgorithm.rsaSHA512.uri, TestKeys.idpRSA.certificate),
                                         ("ecdsa-sha256", XMLSignatureAlgorithm.ecdsaSHA256.uri, TestKeys.idpEC.certificate)] {
            let harness = try Harness()
            harness.directory.update("m3") { $0.signatureAlgorithm = name }
            let document = try XCTUnwrap(Harness.postedForm(try harness.signIn().response)).document
            let verified = try XCTUnwrap(try? Harness.idpVerifier.verify(signedElement: document.root))
            XCTAssertEqual(verified.signatureAlgorithm.uri, uri)
            XCTAssertEqual(verified.certificate, certificate)
        }
    }

    /// EncryptedAssertion (AES-256-GCM, RSA-OAEP to the SP's certificate) that keeps the
    /// assertion's namespaces (authentik #19586) and whose inner signature still verifies (#14098).
    func testEncryptedAssertionDecryptsStandaloneAndItsSignatureVerifies() throws {
        let harness = try Harness()
        harness.directory.update("m3") { $0.encryptionCertificatePEM = TestKeys.sp.certificate.pem }
        let document = try XCTUnwrap(Harness.postedForm(try harness.signIn().response)).document
        XCTAssertNil(Harness.assertion(in: document))
        let wrapper = try XCTUnwrap(document.root.firstChildElement(named: "EncryptedAssertion", namespace: SAMLNamespace.assertion))
        let encrypted = try XCTUnwrap(wrapper.firstChildElement(named: "EncryptedData", namespace: XMLNamespace.xmlenc))
        XCTAssertEqual(encrypted.firstChildElement(named: "EncryptionMethod", namespace: XMLNamespace.xmlenc)?.attribute("Algorithm"),
                       XMLContentEncryption.aes256GCM.uri)
        XCTAssertNoThrow(try Harness.idpVerifier.verify(signedElement: document.root))
        let plain = try XMLDecryptor(key: TestKeys.sp.privateKey).decrypt(encrypted)
        XCTAssertTrue(plain.root.isNamed("Assertion", namespace: SAMLNamespace.assertion))
        XCTAssertNoThrow(try Harness.idpVerifier.verify(signedElement: plain.root))
        XCTAssertEqual(try Harness.element(plain.root, "Subject", "NameID")?.text(), "somchai")
    }

    func testAuthnContextClassReflectsMultiFactor() throws {
        let harness = try Harness()
        func classRef() throws -> String? {
            let document = try XCTUnwrap(Harness.postedForm(try harness.signIn().response)).document
            return try Harness.element(Harness.assertion(in: document), "AuthnStatement", "AuthnContext", "AuthnContextClassRef")?.text()
        }
        XCTAssertEqual(try classRef(), SAMLAuthnContextClass.passwordProtectedTransport)
        harness.sessions.lastMFA.withLock { $0 = harness.now.adding(seconds: -60) }
        XCTAssertEqual(try classRef(), SAMLAuthnContextClass.multiFactor)
    }

    func testSessionNotOnOrAfterFromTheProvider() throws {
        let harness = try Harness()
        harness.directory.update("m3") { $0.sessionValidSeconds = 8 * 3600 }
        let document = try XCTUnwrap(Harness.postedForm(try harness.signIn().response)).document
        XCTAssertEqual(Harness.element(Harness.assertion(in: document), "AuthnStatement")?.attribute("SessionNotOnOrAfter"),
                       SAMLTime.format(harness.now.adding(seconds: 8 * 3600)))
    }

    /// IdP-initiated: the default ACS, the provider's default RelayState, no InResponseTo.
    func testIdPInitiatedUsesTheDefaultRelayState() throws {
        let harness = try Harness()
        let response = harness.send(.get, "/application/saml/m3/sso/binding/init/", user: "somchai")
        let form = try XCTUnwrap(Harness.postedForm(response))
        XCTAssertEqual(form.action, Harness.acs)
        XCTAssertEqual(form.fields["RelayState"], "https://m3.example.co.th/mingle/")
        let document = try form.document
        XCTAssertNil(document.root.attribute("InResponseTo"))
        XCTAssertNil(Harness.element(Harness.assertion(in: document), "Subject", "SubjectConfirmation", "SubjectConfirmationData")?
            .attribute("InResponseTo"))
    }
}
