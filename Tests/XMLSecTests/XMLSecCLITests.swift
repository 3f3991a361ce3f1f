import XCTest
import Foundation
import Crypto
@testable import XMLSec

/// Cross-checks with the `xmlsec1` command (Debian package xmlsec1, installed by
/// Deploy/test.sh): what we sign and encrypt, it verifies and decrypts; what it signs, we verify.
final class XMLSecCLITests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("xmlsec1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Runs xmlsec1; returns its exit status and output (stdout then stderr).
    func xmlsec1(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xmlsec1")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    static let responseID = ["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response"]

    func testXmlsec1VerifiesOurSignatures() throws {
        for pair in [TestKeys.rsa, TestKeys.ec] {
            let document = Samples.response()
            try XMLSigner(key: pair.privateKey).sign(document.root, at: .after(Samples.issuer(of: document.root)))
            try write("cert.pem", pair.certificate.pem)
            try write("signed.xml", Samples.text(document))
            // Only our configured key: KeyInfo's certificate is not read (key-name only).
            let (status, output) = try xmlsec1(["--verify", "--pubkey-cert-pem", "cert.pem", "--enabled-key-data", "key-name"]
                + Self.responseID + ["signed.xml"])
            XCTAssertEqual(status, 0, output)
            XCTAssertTrue(output.contains("OK"), output)
            try write("tampered.xml", Samples.text(document).replacingFirst("admin@example.org", with: "root@example.org"))
            let (tamperedStatus, _) = try xmlsec1(["--verify", "--pubkey-cert-pem", "cert.pem", "--enabled-key-data", "key-name"]
                + Self.responseID + ["tampered.xml"])
            XCTAssertNotEqual(tamperedStatus, 0)
        }
    }

    func testWeVerifyXmlsec1Signatures() throws {
        let template = Samples.responseText.replacingFirst("<saml:Issuer>https://idp.example.org</saml:Issuer>", with: """
            <saml:Issuer>https://idp.example.org</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\
            <ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
            <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"/><ds:Reference URI="#_resp1">\
            <ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>\
            <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha512"/><ds:DigestValue/></ds:Reference>\
            </ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo></ds:Signature>
            """)
        try write("template.xml", template)
        try write("key.pem", TestKeys.rsa.pem)
        try write("cert.pem", TestKeys.rsa.certificate.pem)
        let (status, output) = try xmlsec1(["--sign", "--privkey-pem", "key.pem,cert.pem", "--output", "signed.xml"]
            + Self.responseID + ["template.xml"])
        XCTAssertEqual(status, 0, output)
        let signed = try String(contentsOf: directory.appendingPathComponent("signed.xml"), encoding: .utf8)
        let document = try Samples.parse(signed)
        let verified = try TestKeys.verifier(TestKeys.rsa).verify(signedElement: document.root)
        XCTAssertEqual(verified.signatureAlgorithm, .rsaSHA512)
        XCTAssertEqual(verified.digestAlgorithm, .sha512)
        XCTAssertThrowsError(try TestKeys.verifier(TestKeys.rsa).verify(
            signedElement: try Samples.parse(signed.replacingFirst("admin@example.org", with: "root@example.org")).root))
    }

    func testXmlsec1DecryptsWhatWeEncrypt() throws {
        for content in [XMLContentEncryption.aes256GCM, .aes128CBC] {
            let document = Samples.response()
            let assertion = Samples.assertion(in: document)
            let encrypted = try XMLEncryptor(recipient: TestKeys.rsa.certificate, contentEncryption: content).encrypt(assertion)
            let wrapper = try document.root.appendElement("EncryptedAssertion", namespace: Samples.assertionNS, prefix: "saml",
                                                          at: .after(assertion))
            try wrapper.insert(encrypted)
            try assertion.remove()
            try write("encrypted.xml", Samples.text(document))
            try write("key.pem", TestKeys.rsa.pem)
            let (status, output) = try xmlsec1(["--decrypt", "--privkey-pem", "key.pem", "encrypted.xml"])
            XCTAssertEqual(status, 0, output)
            XCTAssertTrue(output.contains("<saml:NameID>admin@example.org</saml:NameID>"), output)
        }
    }
}
