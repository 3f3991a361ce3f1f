import XCTest
import Crypto
import XMLSec

final class RedirectBindingTests: XCTestCase {
    /// URL-encoded values as an SP might send them (uppercase escapes, + for nothing here).
    static let message = "fZJNT8MwDIbv%2FIoq9zZpp7EtWisNJgRSjQkJ0M"
    static let relayState = "https%3A%2F%2Fsp.example%2Fafter"

    func query(_ algorithm: XMLSignatureAlgorithm, relayState: Bool = true) -> String {
        let sigAlg = algorithm.uri.replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: "/", with: "%2F")
            .replacingOccurrences(of: "#", with: "%23")
        return "SAMLRequest=\(Self.message)" + (relayState ? "&RelayState=\(Self.relayState)" : "") + "&SigAlg=\(sigAlg)"
    }

    func testSignAndVerifyEachAlgorithm() throws {
        for (pair, algorithm) in [(TestKeys.rsa, XMLSignatureAlgorithm.rsaSHA256), (TestKeys.rsa, .rsaSHA512), (TestKeys.ec, .ecdsaSHA256)] {
            for relayState in [true, false] {
                let signer = try XMLSigner(key: pair.privateKey, signatureAlgorithm: algorithm)
                let sent = query(algorithm, relayState: relayState)
                let octets = try XCTUnwrap(try RedirectBindingQuery(rawQuery: sent).signedOctets)
                XCTAssertEqual(String(decoding: octets, as: UTF8.self), sent)
                let signature = try signer.signRedirectBinding(octets)
                // The receiver sees the parameters in another order plus the Signature; the
                // octets it rebuilds are the same.
                let received = "SigAlg=" + sent.components(separatedBy: "&SigAlg=")[1] + "&Signature=" + Base64.encode(signature)
                    + "&" + sent.components(separatedBy: "&SigAlg=")[0] + "&extra=1"
                let parsed = try RedirectBindingQuery(rawQuery: "?" + received)
                XCTAssertEqual(parsed.signedOctets, octets)
                XCTAssertEqual(parsed.rawSignature, Base64.encode(signature))
                let certificate = try TestKeys.verifier(pair).verifyRedirectBinding(signature: signature, octets: octets, sigAlg: algorithm.uri)
                XCTAssertEqual(certificate, pair.certificate)
            }
        }
    }

    func testReorderedOrReencodedOctetsFail() throws {
        let signer = try XMLSigner(key: TestKeys.rsa.privateKey)
        let octets = try XCTUnwrap(try RedirectBindingQuery(rawQuery: query(.rsaSHA256)).signedOctets)
        let signature = try signer.signRedirectBinding(octets)
        let verifier = TestKeys.verifier(TestKeys.rsa)
        XCTAssertNoThrow(try verifier.verifyRedirectBinding(signature: signature, octets: octets, sigAlg: XMLSignatureAlgorithm.rsaSHA256.uri))
        let sent = String(decoding: octets, as: UTF8.self)
        let parts = sent.components(separatedBy: "&")
        let variants = [
            [parts[1], parts[0], parts[2]].joined(separator: "&"),  // reordered
            sent.replacingOccurrences(of: "%2F", with: "%2f"),       // re-encoded escapes
            sent.replacingOccurrences(of: "%3A", with: ":"),         // decoded
            [parts[0], parts[2]].joined(separator: "&"),             // RelayState dropped
            sent + "&extra=1",
        ]
        for variant in variants {
            XCTAssertNotEqual(variant, sent)
            XCTAssertThrowsError(try verifier.verifyRedirectBinding(signature: signature, octets: Array(variant.utf8),
                                                                     sigAlg: XMLSignatureAlgorithm.rsaSHA256.uri), variant) { error in
                guard case .invalidSignature = error as? XMLSignatureError else { return XCTFail("\(error)") }
            }
        }
    }

    func testUntrustedKeyAlgorithmMismatchAndSHA1Fail() throws {
        let octets = try XCTUnwrap(try RedirectBindingQuery(rawQuery: query(.rsaSHA256)).signedOctets)
        let signature = try XMLSigner(key: TestKeys.attacker.privateKey).signRedirectBinding(octets)
        XCTAssertThrowsError(try TestKeys.verifier(TestKeys.rsa).verifyRedirectBinding(signature: signature, octets: octets, sigAlg: XMLSignatureAlgorithm.rsaSHA256.uri))
        XCTAssertNoThrow(try TestKeys.verifier(TestKeys.attacker).verifyRedirectBinding(signature: signature, octets: octets, sigAlg: XMLSignatureAlgorithm.rsaSHA256.uri))
        // The same bytes named as another algorithm, or as SHA-1, do not verify.
        XCTAssertThrowsError(try TestKeys.verifier(TestKeys.attacker).verifyRedirectBinding(signature: signature, octets: octets, sigAlg: XMLSignatureAlgorithm.rsaSHA512.uri))
        XCTAssertThrowsError(try TestKeys.verifier(TestKeys.attacker).verifyRedirectBinding(signature: signature, octets: octets, sigAlg: XMLSignatureAlgorithm.rsaSHA1.uri)) { error in
            guard case .algorithmNotAllowed = error as? XMLSignatureError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try TestKeys.verifier(TestKeys.ec).verifyRedirectBinding(signature: signature, octets: octets, sigAlg: XMLSignatureAlgorithm.ecdsaSHA256.uri))
        XCTAssertThrowsError(try TestKeys.verifier(TestKeys.rsa).verifyRedirectBinding(signature: [], octets: octets, sigAlg: XMLSignatureAlgorithm.rsaSHA256.uri))
    }

    func testQueryParsingRefusesAmbiguity() throws {
        XCTAssertThrowsError(try RedirectBindingQuery(rawQuery: "SAMLRequest=a&SAMLRequest=b&SigAlg=x"))
        XCTAssertThrowsError(try RedirectBindingQuery(rawQuery: "SAMLRequest=a&SAMLResponse=b&SigAlg=x"))
        XCTAssertThrowsError(try RedirectBindingQuery(rawQuery: "SAMLRequest=a&SigAlg=x&SigAlg=y"))
        XCTAssertThrowsError(try RedirectBindingQuery(rawQuery: "SAML%52equest=a&SigAlg=x")) { error in
            XCTAssertEqual(error as? RedirectBindingError, .ambiguousParameter("SAML%52equest"))
        }
        XCTAssertThrowsError(try RedirectBindingQuery(rawQuery: "RelayState=a")) { error in
            XCTAssertEqual(error as? RedirectBindingError, .missingParameter("SAMLRequest or SAMLResponse"))
        }
        let unsigned = try RedirectBindingQuery(rawQuery: "SAMLResponse=abc&RelayState=")
        XCTAssertEqual(unsigned.messageParameter, "SAMLResponse")
        XCTAssertNil(unsigned.signedOctets)
        XCTAssertEqual(unsigned.rawRelayState, "")
    }
}
