import XCTest
import Foundation
import Crypto
@testable import XMLSec

final class EncryptionTests: XCTestCase {
    let saml = Samples.assertionNS

    /// A Response whose (signed) Assertion is replaced by EncryptedAssertion/EncryptedData,
    /// as the SAML IdP will send it; returned as received by the SP.
    func encryptedResponse(_ content: XMLContentEncryption, to recipient: X509Certificate = TestKeys.rsa.certificate) throws -> XMLDocument {
        let document = Samples.response()
        let assertion = Samples.assertion(in: document)
        try XMLSigner(key: TestKeys.ec.privateKey).sign(assertion, at: .after(Samples.issuer(of: assertion)))
        let encryptedData = try XMLEncryptor(recipient: recipient, contentEncryption: content).encrypt(assertion)
        let wrapper = try document.root.appendElement("EncryptedAssertion", namespace: saml, prefix: "saml", at: .after(assertion))
        try wrapper.insert(encryptedData)
        try assertion.remove()
        let received = try Samples.roundTrip(document)
        XCTAssertNil(received.root.firstChildElement(named: "Assertion", namespace: saml))
        XCTAssertFalse(Samples.text(received).contains("admin@example.org"), "the assertion is not in clear")
        return received
    }

    func encryptedData(in document: XMLDocument) throws -> XMLElement {
        try XCTUnwrap(document.root.firstChildElement(named: "EncryptedAssertion", namespace: saml)?
            .firstChildElement(named: "EncryptedData", namespace: XMLNamespace.xmlenc))
    }

    func testRoundTripForEachContentAlgorithm() throws {
        for content in XMLContentEncryption.allCases {
            let received = try encryptedResponse(content)
            let text = Samples.text(received)
            XCTAssertTrue(text.contains(content.uri) && text.contains(XMLKeyTransport.rsaOAEPMGF1P.uri), text)
            let decrypted = try XMLDecryptor(key: TestKeys.rsa.privateKey).decrypt(try encryptedData(in: received))
            let assertion = decrypted.root
            XCTAssertTrue(assertion.isNamed("Assertion", namespace: saml))
            XCTAssertEqual(try assertion.firstChildElement(named: "Subject", namespace: saml)?.childElements[0].text(), "admin@example.org")
            // Standalone: the saml prefix (declared on the Response) and xs (used only inside an
            // attribute value) are declared on the decrypted Assertion itself.
            let reparsed = try XMLDocument.parse(assertion.serialized())
            XCTAssertEqual(reparsed.root.namespaceURI, saml)
            let value = try XCTUnwrap(reparsed.root.childElements.last?.childElements.first?.childElements.first)
            XCTAssertEqual(value.namespaceURI(forPrefix: "xs"), "http://www.w3.org/2001/XMLSchema")
            // And its signature, made before encryption, still verifies.
            let verified = try TestKeys.verifier(TestKeys.ec).verify(signedElement: reparsed.root)
            XCTAssertEqual(verified.element, reparsed.root)
            XCTAssertNoThrow(try TestKeys.verifier(TestKeys.ec).verify(signedElement: assertion))
        }
    }

    func testWrongKeyFails() throws {
        let received = try encryptedResponse(.aes256GCM)
        XCTAssertThrowsError(try XMLDecryptor(key: TestKeys.rsaNext.privateKey).decrypt(try encryptedData(in: received))) { error in
            guard case .decryptionFailed = error as? XMLEncryptionError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try XMLDecryptor(key: TestKeys.ec.privateKey).decrypt(try encryptedData(in: received)))
    }

    func testAlteredCiphertextFails() throws {
        for content in [XMLContentEncryption.aes256GCM, .aes128CBC] {
            let received = try encryptedResponse(content)
            let cipherValue = try XCTUnwrap(try encryptedData(in: received).childElements.last?.childElements.first)
            var bytes = try XCTUnwrap(Base64.decode(try cipherValue.text(), ignoringWhitespace: true))
            bytes[bytes.count - 20] ^= 0x01
            try cipherValue.setText(Base64.encode(bytes))
            XCTAssertThrowsError(try XMLDecryptor(key: TestKeys.rsa.privateKey).decrypt(try encryptedData(in: received))) { error in
                guard case .decryptionFailed = error as? XMLEncryptionError else { return XCTFail("\(error)") }
            }
        }
    }

    /// SAML allows the EncryptedKey beside the EncryptedData inside EncryptedAssertion.
    func testEncryptedKeyBesideEncryptedData() throws {
        let received = try encryptedResponse(.aes128CBC)
        let data = try encryptedData(in: received)
        let keyInfo = try XCTUnwrap(data.firstChildElement(named: "KeyInfo", namespace: XMLNamespace.dsig))
        let encryptedKey = try XCTUnwrap(keyInfo.childElements.first)
        try XCTUnwrap(data.parent).insert(encryptedKey)
        try keyInfo.remove()
        let moved = try Samples.roundTrip(received)
        let decrypted = try XMLDecryptor(key: TestKeys.rsa.privateKey).decrypt(try encryptedData(in: moved))
        XCTAssertTrue(decrypted.root.isNamed("Assertion", namespace: saml))
    }

    /// A key in the message other than an EncryptedKey for us is never used.
    func testKeyInfoWithoutEncryptedKeyIsRefused() throws {
        let received = try encryptedResponse(.aes256GCM)
        let data = try encryptedData(in: received)
        let keyInfo = try XCTUnwrap(data.firstChildElement(named: "KeyInfo", namespace: XMLNamespace.dsig))
        try keyInfo.childElements[0].remove()
        try keyInfo.appendElement("KeyName", namespace: XMLNamespace.dsig, prefix: "ds").appendText("content-key")
        try keyInfo.appendElement("KeyValue", namespace: XMLNamespace.dsig, prefix: "ds")
            .appendText(Base64.encode(Array(0..<32)))
        let retrieval = try keyInfo.appendElement("RetrievalMethod", namespace: XMLNamespace.dsig, prefix: "ds")
        try retrieval.setAttribute("URI", value: "file:///etc/passwd")
        XCTAssertThrowsError(try XMLDecryptor(key: TestKeys.rsa.privateKey).decrypt(try encryptedData(in: try Samples.roundTrip(received)))) { error in
            XCTAssertEqual(error as? XMLEncryptionError, .noEncryptedKey)
        }
    }

    func testRefusedAlgorithmsAndShapes() throws {
        let received = try encryptedResponse(.aes128CBC)
        let text = Samples.text(received)
        let decryptor = XMLDecryptor(key: TestKeys.rsa.privateKey)
        // RSA PKCS#1 v1.5 key transport.
        let pkcs1 = text.replacingFirst(XMLKeyTransport.rsaOAEPMGF1P.uri, with: "http://www.w3.org/2001/04/xmlenc#rsa-1_5")
        XCTAssertThrowsError(try decryptor.decrypt(try encryptedData(in: try Samples.parse(pkcs1)))) { error in
            XCTAssertEqual(error as? XMLEncryptionError, .algorithmNotAllowed("http://www.w3.org/2001/04/xmlenc#rsa-1_5"))
        }
        // A decryptor limited to GCM refuses CBC.
        XCTAssertThrowsError(try XMLDecryptor(key: TestKeys.rsa.privateKey, allowedContentEncryption: [.aes256GCM])
            .decrypt(try encryptedData(in: received))) { error in
            XCTAssertEqual(error as? XMLEncryptionError, .algorithmNotAllowed(XMLContentEncryption.aes128CBC.uri))
        }
        // Ciphertext from a URI.
        let reference = try Samples.parse(text)
        let cipherData = try XCTUnwrap(try encryptedData(in: reference).childElements.last)
        try cipherData.childElements[0].remove()
        try cipherData.appendElement("CipherReference", namespace: XMLNamespace.xmlenc, prefix: "xenc")
            .setAttribute("URI", value: "file:///etc/passwd")
        XCTAssertThrowsError(try decryptor.decrypt(try encryptedData(in: reference))) { error in
            guard case .malformed = error as? XMLEncryptionError else { return XCTFail("\(error)") }
        }
        // Content (not Element) type.
        let contentType = text.replacingFirst("Type=\"http://www.w3.org/2001/04/xmlenc#Element\"", with: "Type=\"http://www.w3.org/2001/04/xmlenc#Content\"")
        XCTAssertThrowsError(try decryptor.decrypt(try encryptedData(in: try Samples.parse(contentType))))
        // Not an EncryptedData at all.
        XCTAssertThrowsError(try decryptor.decrypt(received.root))
    }

    func testOnlyRSARecipients() {
        XCTAssertThrowsError(try XMLEncryptor(recipient: TestKeys.ec.certificate)) { error in
            guard case .unsupportedRecipient = error as? XMLEncryptionError else { return XCTFail("\(error)") }
        }
    }

    /// The plaintext goes through the hardened parser: a DOCTYPE inside the ciphertext is
    /// refused like any other.
    func testDecryptedPlaintextIsParsedHardened() throws {
        let document = Samples.response()
        let contentKey = SecureRandom.bytes(32)
        let encryptedKey = try EncryptedTemplate.encryptedKey(in: document, transport: .rsaOAEPMGF1P)
        let recipient = try XCTUnwrap(XMLSecKey.publicKey(of: TestKeys.rsa.certificate, errors: LibraryErrors()))
        XCTAssertTrue(EncContext.encrypt(contentKey, key: recipient, algorithm: XMLKeyTransport.rsaOAEPMGF1P.transform, into: encryptedKey.node))
        let encryptedData = try EncryptedTemplate.encryptedData(in: document, content: .aes256GCM)
        let plaintext = Array("<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><r>&e;</r>".utf8)
        XCTAssertTrue(EncContext.encrypt(plaintext, key: try XCTUnwrap(XMLSecKey.aesKey(contentKey)),
                                         algorithm: XMLContentEncryption.aes256GCM.transform, into: encryptedData.node))
        try EncryptedTemplate.addKeyInfo(holding: encryptedKey, to: encryptedData)
        XCTAssertThrowsError(try XMLDecryptor(key: TestKeys.rsa.privateKey).decrypt(encryptedData)) { error in
            guard case .decryptionFailed(let detail) = error as? XMLEncryptionError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("doctype"), detail)
        }
    }

    /// OpenSSL, independently: the EncryptedKey is RSA-OAEP (SHA-1, MGF1-SHA1) under our
    /// certificate's key, and the CBC content is IV || AES-128-CBC with XML Encryption padding.
    func testOpenSSLDecryptsWhatWeEncrypt() throws {
        let received = try encryptedResponse(.aes128CBC)
        let data = try encryptedData(in: received)
        let encryptedKey = try XCTUnwrap(data.firstChildElement(named: "KeyInfo", namespace: XMLNamespace.dsig)?.childElements.first)
        let wrapped = try XCTUnwrap(Base64.decode(try XCTUnwrap(encryptedKey.childElements.last?.childElements.first).text(), ignoringWhitespace: true))
        let ciphertext = try XCTUnwrap(Base64.decode(try XCTUnwrap(data.childElements.last?.childElements.first).text(), ignoringWhitespace: true))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xmlenc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try TestKeys.rsa.pem.write(to: directory.appendingPathComponent("key.pem"), atomically: true, encoding: .utf8)
        let contentKey = try openssl(["pkeyutl", "-decrypt", "-inkey", "key.pem", "-pkeyopt", "rsa_padding_mode:oaep",
                                      "-pkeyopt", "rsa_oaep_md:sha1", "-pkeyopt", "rsa_mgf1_md:sha1"], input: wrapped, in: directory)
        XCTAssertEqual(contentKey.count, 16)
        let iv = Array(ciphertext.prefix(16))
        let padded = try openssl(["enc", "-d", "-aes-128-cbc", "-nopad", "-K", Hex.encode(contentKey), "-iv", Hex.encode(iv)],
                                 input: Array(ciphertext.dropFirst(16)), in: directory)
        let padding = Int(try XCTUnwrap(padded.last))
        let plaintext = String(decoding: padded.dropLast(padding), as: UTF8.self)
        XCTAssertTrue(plaintext.hasPrefix("<saml:Assertion xmlns:saml=\"\(saml)\""), plaintext)
        XCTAssertTrue(plaintext.contains("admin@example.org"))
    }

    func openssl(_ arguments: [String], input: [UInt8], in directory: URL) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = Pipe()
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "openssl \(arguments)")
        return Array(output)
    }
}
