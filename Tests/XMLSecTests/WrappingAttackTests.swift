import XCTest
import Crypto
@testable import XMLSec

/// Signature wrapping (XSW) and key-substitution shapes. Each test first shows the untouched
/// message verifies, then that the attack is refused for the stated reason.
final class WrappingAttackTests: XCTestCase {
    let verifier = TestKeys.verifier(TestKeys.rsa)
    let saml = Samples.assertionNS

    /// A Response whose Assertion is signed with our key (the usual IdP output).
    func signedAssertionText() throws -> String {
        let document = Samples.response()
        let assertion = Samples.assertion(in: document)
        try XMLSigner(key: TestKeys.rsa.privateKey).sign(assertion, at: .after(Samples.issuer(of: assertion)))
        let text = Samples.text(document)
        XCTAssertNoThrow(try verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(text))))
        return text
    }

    func expect(_ expected: (XMLSignatureError) -> Bool, _ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("the attack verified", file: file, line: line)
        } catch let error as XMLSignatureError {
            XCTAssertTrue(expected(error), "unexpected refusal: \(error)", file: file, line: line)
        } catch {
            XCTFail("not an XMLSignatureError: \(error)", file: file, line: line)
        }
    }

    static func isMalformed(_ error: XMLSignatureError) -> Bool { if case .malformedSignature = error { true } else { false } }
    static func isDuplicate(_ error: XMLSignatureError) -> Bool { if case .duplicateID = error { true } else { false } }
    static func isInvalid(_ error: XMLSignatureError) -> Bool { if case .invalidSignature = error { true } else { false } }

    /// XSW: the signed assertion goes into a ds:Object of its own signature and a forged one
    /// takes its place, carrying the original signature.
    func testOriginalMovedIntoObjectForgedInPlace() throws {
        for forgedID in ["_assert1", "_evil"] {
            let document = try Samples.parse(try signedAssertionText())
            let original = Samples.assertion(in: document)
            let forged = try document.root.appendCopy(of: original, at: .before(original))
            try forged.setAttribute("ID", value: forgedID)
            try forged.firstChildElement(named: "Subject", namespace: saml)?.childElements[0].setText("root@example.org")
            let signature = try XCTUnwrap(forged.firstChildElement(named: "Signature", namespace: XMLNamespace.dsig))
            let object = try signature.appendElement("Object", namespace: XMLNamespace.dsig, prefix: "ds")
            try object.insert(original)
            XCTAssertEqual(Samples.assertion(in: document), forged, "the forged assertion is the one a consumer finds")
            let received = try Samples.roundTrip(document)
            expect(forgedID == "_assert1" ? Self.isDuplicate : Self.isMalformed) {
                try self.verifier.verify(signedElement: Samples.assertion(in: received))
            }
        }
    }

    /// XSW: the signed assertion is parked in samlp:Extensions and a forged one stands where
    /// a consumer looks, with the same ID, with another ID and the copied signature, or with
    /// no signature at all.
    func testOriginalMovedIntoExtensions() throws {
        for variant in ["same ID", "other ID", "unsigned"] {
            let document = try Samples.parse(try signedAssertionText())
            let original = Samples.assertion(in: document)
            let extensions = try document.root.appendElement("Extensions", namespace: Samples.protocolNS, prefix: "samlp",
                                                             at: .after(Samples.issuer(of: document.root)))
            let forged = try document.root.appendCopy(of: original, at: .after(original))
            try extensions.insert(original)
            try forged.firstChildElement(named: "Subject", namespace: saml)?.childElements[0].setText("root@example.org")
            switch variant {
            case "other ID": try forged.setAttribute("ID", value: "_evil")
            case "unsigned":
                try forged.setAttribute("ID", value: "_evil")
                try forged.firstChildElement(named: "Signature", namespace: XMLNamespace.dsig)?.remove()
            default: break
            }
            let received = try Samples.roundTrip(document)
            let target = Samples.assertion(in: received)
            XCTAssertEqual(try target.firstChildElement(named: "Subject", namespace: saml)?.childElements[0].text(), "root@example.org")
            switch variant {
            case "same ID": expect(Self.isDuplicate) { try self.verifier.verify(signedElement: target) }
            case "other ID": expect(Self.isMalformed) { try self.verifier.verify(signedElement: target) }
            default: expect({ $0 == .signatureMissing }) { try self.verifier.verify(signedElement: target) }
            }
        }
    }

    func testSecondReferenceIsRefused() throws {
        let text = try signedAssertionText()
        let reference = try XCTUnwrap(text.slice(from: "<ds:Reference URI=\"#_assert1\">", to: "</ds:Reference>"))
        let second = reference.replacingFirst("URI=\"#_assert1\"", with: "URI=\"#_resp1\"")
        let attacked = text.replacingFirst(reference, with: reference + "\n" + second)
        expect(Self.isMalformed) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(attacked))) }
    }

    /// The signature of one element placed into another: its Reference names the original.
    func testReferenceToAnotherElementIsRefused() throws {
        let document = try Samples.parse(try signedAssertionText())
        let original = Samples.assertion(in: document)
        let forged = try document.root.appendCopy(of: original, at: .after(original))
        try forged.setAttribute("ID", value: "_evil")
        // The original stays in the document, so xmlsec alone would happily digest it.
        let received = try Samples.roundTrip(document)
        let target = received.root.childElements(named: "Assertion", namespace: saml)[1]
        XCTAssertEqual(target.attribute("ID"), "_evil")
        expect(Self.isMalformed) { try self.verifier.verify(signedElement: target) }
    }

    func testEmptyAndOtherURIsAreRefused() throws {
        let text = try signedAssertionText()
        for uri in ["", "#xpointer(/)", "#xpointer(id('_assert1'))", "http://evil.example/a.xml", "#_resp1"] {
            let attacked = text.replacingFirst("URI=\"#_assert1\"", with: "URI=\"\(uri)\"")
            expect(Self.isMalformed) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(attacked))) }
        }
        let noURI = text.replacingFirst(" URI=\"#_assert1\"", with: "")
        expect(Self.isMalformed) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(noURI))) }
    }

    /// The attacker signs a forged assertion with their own key and puts the key in
    /// KeyInfo/KeyValue. The signature is valid under that key; it must still fail, because
    /// keys come only from configuration.
    func testKeyValueInTheMessageIsNotUsed() throws {
        let document = Samples.response()
        let assertion = Samples.assertion(in: document)
        try assertion.firstChildElement(named: "Subject", namespace: saml)?.childElements[0].setText("root@example.org")
        try XMLSigner(key: TestKeys.attacker.privateKey).sign(assertion, at: .after(Samples.issuer(of: assertion)))
        let text = Samples.text(document)
        let keyInfo = try XCTUnwrap(text.slice(from: "<ds:KeyInfo>", to: "</ds:KeyInfo>"))
        let attacked = text.replacingFirst(keyInfo, with: "<ds:KeyInfo>\(try attackerKeyValue())</ds:KeyInfo>")
        let received = try Samples.parse(attacked)
        XCTAssertTrue(attacked.contains("<ds:RSAKeyValue>"))
        expect(Self.isInvalid) { try self.verifier.verify(signedElement: Samples.assertion(in: received)) }
        // The same message verifies under the attacker's key: the test would catch a verifier
        // that took the key from the message.
        XCTAssertNoThrow(try TestKeys.verifier(TestKeys.attacker).verify(signedElement: Samples.assertion(in: received)))
        // Also with RetrievalMethod and X509Data pointing elsewhere.
        let retrieval = text.replacingFirst(keyInfo, with: """
            <ds:KeyInfo><ds:RetrievalMethod URI="file:///etc/passwd" Type="http://www.w3.org/2000/09/xmldsig#rawX509Certificate"/>\
            <ds:KeyName>idp-rsa</ds:KeyName></ds:KeyInfo>
            """)
        expect(Self.isInvalid) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(retrieval))) }
    }

    /// A certificate in KeyInfo that is not one we trust: the attacker's own self-signed one.
    func testUntrustedCertificateInKeyInfoFails() throws {
        let document = Samples.response()
        let assertion = Samples.assertion(in: document)
        try XMLSigner(key: TestKeys.attacker.privateKey).sign(assertion, at: .after(Samples.issuer(of: assertion)))
        let received = try Samples.roundTrip(document)
        XCTAssertTrue(Samples.text(received).contains(TestKeys.attacker.certificate.base64DER))
        expect(Self.isInvalid) { try self.verifier.verify(signedElement: Samples.assertion(in: received)) }
        // Our certificate copied into KeyInfo does not help either.
        let swapped = Samples.text(received).replacingFirst(TestKeys.attacker.certificate.base64DER,
                                                            with: TestKeys.rsa.certificate.base64DER)
        expect(Self.isInvalid) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(swapped))) }
    }

    /// libxml2 reads `abc<!---->def` as "abcdef"; a signature never has comments, so one
    /// inside DigestValue (or anywhere in the Signature) is refused outright.
    func testCommentInsideDigestValueIsRefused() throws {
        let text = try signedAssertionText()
        let digest = try XCTUnwrap(text.slice(from: "<ds:DigestValue>", to: "</ds:DigestValue>"))
        let middle = digest.index(digest.startIndex, offsetBy: 10)
        let commented = String(digest[..<middle]) + "<!---->" + String(digest[middle...])
        let attacked = text.replacingFirst("<ds:DigestValue>" + digest, with: "<ds:DigestValue>" + commented)
        XCTAssertNotEqual(attacked, text)
        expect(Self.isMalformed) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(attacked))) }
        let inSignedInfo = text.replacingFirst("<ds:SignedInfo>", with: "<ds:SignedInfo><!-- x -->")
        expect(Self.isMalformed) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(inSignedInfo))) }
    }

    func testObjectInsideSignatureIsRefused() throws {
        let text = try signedAssertionText()
        let attacked = text.replacingFirst("</ds:KeyInfo>", with: "</ds:KeyInfo><ds:Object><x/></ds:Object>")
        expect(Self.isMalformed) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(attacked))) }
    }

    func testOtherTransformsAreRefused() throws {
        let text = try signedAssertionText()
        let xpath = text.replacingFirst("<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>", with: """
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            <ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(ancestor-or-self::saml:Subject)</ds:XPath></ds:Transform>
            """)
        XCTAssertNotEqual(xpath, text)
        expect(Self.isMalformed) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(xpath))) }
        let onlyC14N = text.replacingFirst("<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", with: "")
        expect(Self.isMalformed) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(onlyC14N))) }
        let inclusive = text.replacingFirst("<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                                            with: "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>")
        expect({ if case .algorithmNotAllowed = $0 { true } else { false } }) {
            try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(inclusive)))
        }
    }

    func testSignatureMustBeADirectChildAndUnique() throws {
        let document = try Samples.parse(try signedAssertionText())
        let assertion = Samples.assertion(in: document)
        let signature = try XCTUnwrap(assertion.firstChildElement(named: "Signature", namespace: XMLNamespace.dsig))
        let copy = try assertion.appendCopy(of: signature)
        expect({ $0 == .multipleSignatures }) { try self.verifier.verify(signedElement: assertion) }
        try copy.remove()
        XCTAssertNoThrow(try verifier.verify(signedElement: assertion))
        let subject = try XCTUnwrap(assertion.firstChildElement(named: "Subject", namespace: saml))
        try subject.insert(signature)
        expect({ $0 == .signatureMissing }) { try self.verifier.verify(signedElement: assertion) }
    }

    /// libxml2 registers xml:id attributes as IDs by itself; another element claiming the
    /// signed ID that way (or as a plain ID) is refused.
    func testIDCollisionsAreRefused() throws {
        let text = try signedAssertionText()
        let xmlID = text.replacingFirst("<samlp:Status>", with: "<samlp:Status xml:id=\"_assert1\">")
        expect(Self.isDuplicate) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(xmlID))) }
        let plain = text.replacingFirst("<samlp:Status>", with: "<samlp:Status ID=\"_assert1\">")
        expect(Self.isDuplicate) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(plain))) }
        let missing = text.replacingFirst(" ID=\"_assert1\"", with: "")
        expect({ $0 == .missingID }) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(missing))) }
        let qualified = text.replacingFirst(" ID=\"_assert1\"", with: " xmlns:q=\"urn:q\" q:ID=\"_assert1\"")
        expect({ $0 == .missingID }) { try self.verifier.verify(signedElement: Samples.assertion(in: try Samples.parse(qualified))) }
    }

    /// `<ds:KeyValue><ds:RSAKeyValue>` of the attacker's key.
    func attackerKeyValue() throws -> String {
        let jwk = TestKeys.attacker.signingKey.publicKey.jwkJSON()
        let n = try XCTUnwrap(jwk.slice(from: "\"n\":\"", to: "\""))
        let e = try XCTUnwrap(jwk.slice(from: "\"e\":\"", to: "\""))
        let modulus = Base64.encode(try XCTUnwrap(Base64URL.decode(n)))
        let exponent = Base64.encode(try XCTUnwrap(Base64URL.decode(e)))
        return "<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>\(modulus)</ds:Modulus><ds:Exponent>\(exponent)</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>"
    }
}

extension String {
    /// The text between the first `start` and the next `end` after it.
    func slice(from start: String, to end: String) -> String? {
        guard let lower = range(of: start)?.upperBound, let upper = range(of: end, range: lower..<endIndex)?.lowerBound else { return nil }
        return String(self[lower..<upper])
    }
}
