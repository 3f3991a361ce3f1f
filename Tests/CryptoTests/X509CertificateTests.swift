import XCTest
import Foundation
@testable import Crypto

final class X509CertificateTests: XCTestCase {
    static let start: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
    static let end: Int64 = start + 3 * 365 * 86_400

    func testSelfSignedRSAAndP256() throws {
        for algorithm in [JWSAlgorithm.rs256, .es256] {
            let key = try SigningKey.generate(algorithm)
            let certificate = try X509Certificate.selfSigned(commonName: "Gatehouse SAML signing", key: key,
                                                             notBefore: Self.start, notAfter: Self.end)
            XCTAssertEqual(certificate.subjectCommonName, "Gatehouse SAML signing")
            XCTAssertEqual(certificate.notBefore, Self.start)
            XCTAssertEqual(certificate.notAfter, Self.end)
            XCTAssertTrue(certificate.isValid(at: Self.start + 10))
            XCTAssertFalse(certificate.isValid(at: Self.end + 1))
            XCTAssertEqual(certificate.keyType, algorithm == .rs256 ? .rsa(bits: 2048) : .ec(curve: "P-256"))
            XCTAssertTrue(certificate.matches(key))
            XCTAssertTrue(certificate.matchesPrivateKey(pem: try key.pkcs8PEM()))
            XCTAssertFalse(certificate.matches(try SigningKey.generate(algorithm)))
            XCTAssertFalse(certificate.matchesPrivateKey(pem: "not a key"))
            XCTAssertEqual(try X509Certificate(pem: certificate.pem), certificate)
            XCTAssertEqual(try X509Certificate(base64DER: certificate.base64DER), certificate)
            XCTAssertEqual(certificate.sha256Fingerprint, Digest.sha256(certificate.der))
        }
    }

    /// OpenSSL's own tools read our certificate: the same fingerprint, subject, dates, SHA-256
    /// signature, and a signature that verifies against its own key.
    func testOpenSSLReadsOurCertificate() throws {
        let cli = try OpenSSLCLI()
        defer { cli.remove() }
        for algorithm in [JWSAlgorithm.rs256, .es256] {
            let certificate = try X509Certificate.selfSigned(commonName: "idp", key: try SigningKey.generate(algorithm),
                                                             notBefore: Self.start, notAfter: Self.end)
            try cli.write("ours.pem", certificate.pem)
            let text = try cli.run(["x509", "-in", "ours.pem", "-noout", "-fingerprint", "-sha256", "-subject", "-enddate", "-text"])
            XCTAssertTrue(text.contains("sha256 Fingerprint=" + certificate.sha256FingerprintText), text)
            XCTAssertTrue(text.contains("subject=CN = idp"), text)
            XCTAssertTrue(text.contains("notAfter=Dec 31 00:00:00 2028 GMT"), text)
            XCTAssertTrue(text.contains(algorithm == .rs256 ? "sha256WithRSAEncryption" : "ecdsa-with-SHA256"), text)
            XCTAssertTrue(try cli.run(["verify", "-no_check_time", "-CAfile", "ours.pem", "ours.pem"]).contains("OK"))
        }
    }

    /// Certificates as a Let's Encrypt-style CA issues them, RSA and EC, are accepted; a
    /// chain file gives the leaf first.
    func testCAIssuedRSAAndECCertificatesAreAccepted() throws {
        let cli = try OpenSSLCLI()
        defer { cli.remove() }
        let cases: [([String], X509Certificate.KeyType)] = [
            (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], .rsa(bits: 2048)),
            (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], .ec(curve: "P-256")),
            (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], .ec(curve: "P-384")),
        ]
        for (index, (arguments, keyType)) in cases.enumerated() {
            let leafPEM = try cli.issuedCertificate(name: "leaf\(index)", key: arguments)
            let leaf = try X509Certificate(pem: leafPEM)
            XCTAssertEqual(leaf.keyType, keyType)
            XCTAssertEqual(leaf.subjectCommonName, "idp.example.org")
            XCTAssertTrue(leaf.matchesPrivateKey(pem: try cli.read("leaf\(index).key")))
            let chain = try X509Certificate.chain(pem: try cli.read("leaf\(index)-chain.pem"))
            XCTAssertEqual(chain.count, 2)
            XCTAssertEqual(chain.first, leaf)
            XCTAssertEqual(chain.last?.subjectCommonName, "Test R3")
            let fingerprint = try cli.run(["x509", "-in", "leaf\(index).pem", "-noout", "-fingerprint", "-sha256"])
            XCTAssertTrue(fingerprint.contains(leaf.sha256FingerprintText), fingerprint)
        }
    }

    func testWeakOrUnsupportedKeysAreRefused() throws {
        let cli = try OpenSSLCLI()
        defer { cli.remove() }
        try cli.run(["req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", "weak.key", "-out", "weak.pem", "-days", "1", "-subj", "/CN=weak"])
        XCTAssertThrowsError(try X509Certificate(pem: try cli.read("weak.pem"))) { error in
            guard case .unsupportedKey = error as? CertificateError else { return XCTFail("\(error)") }
        }
        try cli.run(["req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", "ed.key", "-out", "ed.pem", "-days", "1", "-subj", "/CN=ed"])
        XCTAssertThrowsError(try X509Certificate(pem: try cli.read("ed.pem"))) { error in
            guard case .unsupportedKey = error as? CertificateError else { return XCTFail("\(error)") }
        }
    }

    func testMalformedInputIsRefused() throws {
        let certificate = try X509Certificate.selfSigned(commonName: "x", key: try SigningKey.generate(.es256),
                                                         notBefore: Self.start, notAfter: Self.end)
        XCTAssertThrowsError(try X509Certificate(der: certificate.der + [0]), "trailing bytes")
        XCTAssertThrowsError(try X509Certificate(der: Array(certificate.der.dropLast())))
        XCTAssertThrowsError(try X509Certificate(der: []))
        XCTAssertThrowsError(try X509Certificate(pem: "-----BEGIN CERTIFICATE-----\nAAAA"))
        XCTAssertThrowsError(try X509Certificate(base64DER: "!!!"))
        XCTAssertThrowsError(try X509Certificate.selfSigned(commonName: "", key: try SigningKey.generate(.es256),
                                                            notBefore: Self.start, notAfter: Self.end))
    }

    func testBase64StandardAlphabet() {
        // RFC 4648 §10 test vectors.
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64.decode(encoded), Array(plain.utf8))
        }
        XCTAssertEqual(Base64.encode([0xFB, 0xFF]), "+/8=")
        XCTAssertNil(Base64.decode("Zg="), "length not a multiple of 4")
        XCTAssertNil(Base64.decode("Zh=="), "non-zero bits under the padding")
        XCTAssertNil(Base64.decode("Z=g="), "padding inside")
        XCTAssertNil(Base64.decode("Zm9v\nYg=="), "whitespace only when asked")
        XCTAssertEqual(Base64.decode("Zm9v\r\n Yg==", ignoringWhitespace: true), Array("foob".utf8))
    }
}
