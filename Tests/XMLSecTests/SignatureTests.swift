import XCTest
import Crypto
@testable import XMLSec

final class SignatureTests: XCTestCase {
    func assertSignatureError(_ expected: XMLSignatureError? = nil, _ body: () throws -> Any,
                              file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("verification succeeded", file: file, line: line)
        } catch let error as XMLSignatureError {
            if let expected { XCTAssertEqual(error, expected, file: file, line: line) }
        } catch {
            XCTFail("not an XMLSignatureError: \(error)", file: file, line: line)
        }
    }

    func assertInvalid(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("verification succeeded", file: file, line: line)
        } catch let error as XMLSignatureError {
            guard case .invalidSignature = error else { return XCTFail("\(error)", file: file, line: line) }
        } catch {
            XCTFail("not an XMLSignatureError: \(error)", file: file, line: line)
        }
    }

    func assertMalformed(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("verification succeeded", file: file, line: line)
        } catch let error as XMLSignatureError {
            guard case .malformedSignature = error else { return XCTFail("\(error)", file: file, line: line) }
        } catch {
            XCTFail("not an XMLSignatureError: \(error)", file: file, line: line)
        }
    }

    func testRoundTripForEachAlgorithm() throws {
        let cases: [(TestKeys.Pair, XMLSignatureAlgorithm, XMLDigestAlgorithm)] = [
            (TestKeys.rsa, .rsaSHA256, .sha256), (TestKeys.rsa, .rsaSHA512, .sha256), (TestKeys.rsa, .rsaSHA256, .sha512),
            (TestKeys.rsa, .rsaSHA512, .sha512), (TestKeys.ec, .ecdsaSHA256, .sha256), (TestKeys.ec, .ecdsaSHA256, .sha512),
        ]
        for (pair, algorithm, digest) in cases {
            let document = Samples.response()
            let signer = try XMLSigner(key: pair.privateKey, signatureAlgorithm: algorithm, digestAlgorithm: digest)
            try signer.sign(document.root, at: .after(Samples.issuer(of: document.root)))
            let received = try Samples.roundTrip(document)
            let verified = try TestKeys.verifier(pair).verify(signedElement: received.root)
            XCTAssertEqual(verified.element, received.root, "the same node comes back")
            XCTAssertEqual(verified.signatureAlgorithm, algorithm)
            XCTAssertEqual(verified.digestAlgorithm, digest)
            XCTAssertEqual(verified.certificate, pair.certificate)
            let text = Samples.text(received)
            XCTAssertTrue(text.contains(algorithm.uri) && text.contains(digest.uri), text)
            // The other key type does not verify it.
            assertInvalid { try TestKeys.verifier(pair.certificate == TestKeys.ec.certificate ? TestKeys.rsa : TestKeys.ec).verify(signedElement: received.root) }
        }
    }

    func testSignatureGoesRightAfterIssuerAndCarriesOurCertificate() throws {
        let document = Samples.response()
        try XMLSigner(key: TestKeys.rsa.privateKey).sign(document.root, at: .after(Samples.issuer(of: document.root)))
        let children = document.root.childElements.map(\.localName)
        XCTAssertEqual(children, ["Issuer", "Signature", "Status", "Assertion"])
        let signature = document.root.childElements[1]
        XCTAssertEqual(signature.prefix, "ds")
        let certificate = try XCTUnwrap(signature.firstChildElement(named: "KeyInfo", namespace: XMLNamespace.dsig)?
            .firstChildElement(named: "X509Data", namespace: XMLNamespace.dsig)?
            .firstChildElement(named: "X509Certificate", namespace: XMLNamespace.dsig))
        XCTAssertEqual(try X509Certificate(base64DER: certificate.text()), TestKeys.rsa.certificate)
        let reference = try XCTUnwrap(signature.childElements.first?.childElements.last)
        XCTAssertEqual(reference.attribute("URI"), "#_resp1")
    }

    func testInclusiveNamespacePrefixList() throws {
        let document = Samples.response()
        let signer = try XMLSigner(key: TestKeys.rsa.privateKey, inclusiveNamespacePrefixes: ["xs", "xsi"])
        try signer.sign(document.root, at: .after(Samples.issuer(of: document.root)))
        let text = Samples.text(document)
        XCTAssertTrue(text.contains("PrefixList=\"xs xsi\""), text)
        XCTAssertNoThrow(try TestKeys.verifier(TestKeys.rsa).verify(signedElement: try Samples.roundTrip(document).root))
    }

    func testModifiedContentFails() throws {
        let document = Samples.response()
        try XMLSigner(key: TestKeys.rsa.privateKey).sign(document.root, at: .after(Samples.issuer(of: document.root)))
        let original = Samples.text(document)
        XCTAssertNoThrow(try TestKeys.verifier(TestKeys.rsa).verify(signedElement: try Samples.parse(original).root))
        for (from, to) in [("admin@example.org", "root@example.org"), (">user<", ">admin<"), ("Version=\"2.0\"", "Version=\"2.1\""),
                           ("<saml:Issuer>https://idp.example.org</saml:Issuer>", "<saml:Issuer>https://evil.example</saml:Issuer>")] {
            let tampered = original.replacingFirst(from, with: to)
            XCTAssertNotEqual(tampered, original)
            assertInvalid { try TestKeys.verifier(TestKeys.rsa).verify(signedElement: try Samples.parse(tampered).root) }
        }
    }

    func testKeyRotationOverlap() throws {
        let document = Samples.response()
        try XMLSigner(key: TestKeys.rsaNext.privateKey).sign(document.root)
        let received = try Samples.roundTrip(document)
        let verified = try TestKeys.verifier(TestKeys.rsa, TestKeys.rsaNext).verify(signedElement: received.root)
        XCTAssertEqual(verified.certificate, TestKeys.rsaNext.certificate)
        assertInvalid { try TestKeys.verifier(TestKeys.rsa).verify(signedElement: received.root) }
        XCTAssertThrowsError(try XMLSignatureVerifier(trustedCertificates: []).verify(signedElement: received.root)) { error in
            XCTAssertEqual(error as? XMLSignatureError, .noTrustedCertificates)
        }
    }

    func testResponseAndAssertionBothSigned() throws {
        let document = Samples.response()
        let assertion = Samples.assertion(in: document)
        let signer = try XMLSigner(key: TestKeys.ec.privateKey)
        // Inner first, then the outer one, whose digest then covers the inner signature.
        try signer.sign(assertion, at: .after(Samples.issuer(of: assertion)))
        try signer.sign(document.root, at: .after(Samples.issuer(of: document.root)))
        let received = try Samples.roundTrip(document)
        let verifier = TestKeys.verifier(TestKeys.ec)
        let response = try verifier.verify(signedElement: received.root)
        let receivedAssertion = Samples.assertion(in: received)
        let verifiedAssertion = try verifier.verify(signedElement: receivedAssertion)
        XCTAssertEqual(verifiedAssertion.element, receivedAssertion)
        XCTAssertEqual(response.element, received.root)
        // Changing the assertion breaks both.
        let tampered = try Samples.parse(Samples.text(received).replacingFirst("admin@example.org", with: "root@example.org"))
        assertInvalid { try verifier.verify(signedElement: tampered.root) }
        assertInvalid { try verifier.verify(signedElement: Samples.assertion(in: tampered)) }
    }

    /// The comment-truncation attack: a comment inserted into a signed NameID leaves the
    /// signature valid (exclusive c14n without comments drops it) and the value we read is the
    /// whole signed value, not the part before the comment.
    func testCommentInSignedNameIDReadsAsTheSignedValue() throws {
        let document = Samples.response()
        let assertion = Samples.assertion(in: document)
        try XMLSigner(key: TestKeys.rsa.privateKey).sign(assertion, at: .after(Samples.issuer(of: assertion)))
        let withComment = Samples.text(document).replacingFirst("admin@example.org", with: "admin@example.org<!---->.evil.com")
        // Signed as "admin@example.org"; the attacker's comment splits a longer value: not valid.
        assertInvalid { try TestKeys.verifier(TestKeys.rsa).verify(signedElement: Samples.assertion(in: try Samples.parse(withComment))) }
        let split = Samples.text(document).replacingFirst("admin@example.org", with: "admin@exa<!-- x -->mple.org")
        let received = try Samples.parse(split)
        let verified = try TestKeys.verifier(TestKeys.rsa).verify(signedElement: Samples.assertion(in: received))
        let nameID = try XCTUnwrap(verified.element.firstChildElement(named: "Subject", namespace: Samples.assertionNS)?
            .firstChildElement(named: "NameID", namespace: Samples.assertionNS))
        XCTAssertEqual(try nameID.text(), "admin@example.org")
    }

    func testSHA1IsRefusedByDefault() throws {
        for (algorithm, digest) in [(XMLSignatureAlgorithm.rsaSHA1, XMLDigestAlgorithm.sha256), (.rsaSHA256, .sha1), (.rsaSHA1, .sha1)] {
            let document = Samples.response()
            try XMLSigner(unchecked: TestKeys.rsa.privateKey, signatureAlgorithm: algorithm, digestAlgorithm: digest).sign(document.root)
            let received = try Samples.roundTrip(document)
            assertSignatureError { try TestKeys.verifier(TestKeys.rsa).verify(signedElement: received.root) }
            XCTAssertThrowsError(try TestKeys.verifier(TestKeys.rsa).verify(signedElement: received.root)) { error in
                guard case .algorithmNotAllowed = error as? XMLSignatureError else { return XCTFail("\(error)") }
            }
            // The same signature is valid: a policy that allows SHA-1 accepts it.
            XCTAssertNoThrow(try TestKeys.verifier(TestKeys.rsa, policy: .legacySHA1).verify(signedElement: received.root))
        }
        XCTAssertThrowsError(try XMLSigner(key: TestKeys.rsa.privateKey, signatureAlgorithm: .rsaSHA1))
        XCTAssertThrowsError(try XMLSigner(key: TestKeys.rsa.privateKey, digestAlgorithm: .sha1))
        XCTAssertThrowsError(try XMLSigner(key: TestKeys.ec.privateKey, signatureAlgorithm: .rsaSHA256))
        XCTAssertThrowsError(try XMLSigner(key: TestKeys.rsa.privateKey, signatureAlgorithm: .ecdsaSHA256))
    }

    func testSigningNeedsAnIDAndOnlyOneSignature() throws {
        let document = try Samples.parse("<r><x/></r>")
        assertSignatureError(.missingID) { try XMLSigner(key: TestKeys.rsa.privateKey).sign(document.root) }
        try document.root.setAttribute("ID", value: "_ok")
        try XMLSigner(key: TestKeys.rsa.privateKey).sign(document.root, at: .last)
        XCTAssertEqual(document.root.childElements.map(\.localName), ["x", "Signature"])
        assertSignatureError { try XMLSigner(key: TestKeys.rsa.privateKey).sign(document.root) }
        let other = try Samples.parse("<r ID=\"_2\"><x/></r>")
        assertSignatureError { try XMLSigner(key: TestKeys.rsa.privateKey).sign(other.root, at: .after(document.root.childElements[0])) }
        XCTAssertTrue(other.root.childElements.count == 1, "a refused signing leaves the element unchanged")
    }

    func testPrivateKeyMustMatchItsCertificate() {
        XCTAssertThrowsError(try XMLPrivateKey(privateKeyPEM: TestKeys.rsa.pem, certificate: TestKeys.rsaNext.certificate)) { error in
            XCTAssertEqual(error as? XMLKeyError, .keyDoesNotMatchCertificate)
        }
        XCTAssertThrowsError(try XMLPrivateKey(privateKeyPEM: "garbage", certificate: TestKeys.rsa.certificate))
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
