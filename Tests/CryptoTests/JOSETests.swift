import XCTest
import Foundation
import JSON
@testable import Crypto

final class JOSETests: XCTestCase {
    // RFC 7515 Appendix A.2: the RSA key's public half and the RS256 JWS.
    static let rfc7515RSA = """
        {"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}
        """
    static let rfc7515Payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    static let rfc7515RS256 = "eyJhbGciOiJSUzI1NiJ9." + rfc7515Payload
        + ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
    // RFC 7515 Appendix A.3: the P-256 key's public half and the ES256 JWS.
    static let rfc7515EC = """
        {"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        """
    static let rfc7515ES256 = "eyJhbGciOiJFUzI1NiJ9." + rfc7515Payload
        + ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
    // RFC 7638 §3.1.
    static let rfc7638 = """
        {"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}
        """

    static let rsaKey = try! SigningKey.generate(.rs256)
    static let ecKey = try! SigningKey.generate(.es256)

    func key(_ json: String) throws -> PublicKey { try PublicKey(jwkJSON: Array(json.utf8)) }

    func assertThrows(_ expected: JOSEError? = nil, _ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("no error thrown", file: file, line: line)
        } catch let error as JOSEError {
            if let expected { XCTAssertEqual(error, expected, file: file, line: line) }
        } catch {
            XCTFail("not a JOSEError: \(error)", file: file, line: line)
        }
    }

    /// Replaces part `index` (0 header, 1 payload, 2 signature) of a compact JWS.
    func replacing(_ compact: String, part index: Int, with value: String) -> String {
        var parts = compact.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[index] = value
        return parts.joined(separator: ".")
    }

    func testRFC7515RS256Vector() throws {
        let verified = try JWS.verify(Self.rfc7515RS256, key: key(Self.rfc7515RSA), allowed: [.rs256])
        XCTAssertEqual(verified.algorithm, .rs256)
        XCTAssertEqual(verified.keyID, "")
        XCTAssertEqual(String(decoding: verified.payloadJSON, as: UTF8.self),
                       "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}")
        XCTAssertEqual(String(decoding: verified.headerJSON, as: UTF8.self), "{\"alg\":\"RS256\"}")
        // The same token under a policy without RS256, or checked with the wrong key, fails.
        assertThrows(.algorithmNotAllowed("RS256")) { try JWS.verify(Self.rfc7515RS256, key: self.key(Self.rfc7515RSA), allowed: [.es256]) }
        assertThrows(.badSignature) { try JWS.verify(Self.rfc7515RS256, key: self.key(Self.rfc7638), allowed: [.rs256]) }
    }

    func testRFC7515ES256Vector() throws {
        let verified = try JWS.verify(Self.rfc7515ES256, key: key(Self.rfc7515EC), allowed: [.es256])
        XCTAssertEqual(verified.algorithm, .es256)
    }

    func testRFC7638Thumbprint() throws {
        let key = try key(Self.rfc7638)
        XCTAssertEqual(key.thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        XCTAssertEqual(key.keyID, "2011-04-29")
        XCTAssertEqual(key.algorithm, .rs256)
        XCTAssertEqual(key.keyType, .rsa(bits: 2048))
    }

    func testRoundTripsAndPublicJWK() throws {
        for signer in [Self.rsaKey, Self.ecKey] {
            let payload = Array("{\"sub\":\"alice\",\"n\":1}".utf8)
            let token = try JWS.sign(payloadJSON: payload, key: signer, type: "at+jwt")
            // The published JWK is enough to verify, and names the same kid.
            let published = try key(signer.publicJWK)
            XCTAssertEqual(published.keyID, signer.kid)
            XCTAssertEqual(published.thumbprint, signer.kid)
            let verified = try JWS.verify(token, key: published, allowed: JWSAlgorithm.allCases)
            XCTAssertEqual(verified.algorithm, signer.algorithm)
            XCTAssertEqual(verified.keyID, signer.kid)
            XCTAssertEqual(verified.type, "at+jwt")
            XCTAssertEqual(verified.payloadJSON, payload)
            let object = try JSONSerialization.jsonObject(with: Data(signer.publicJWK.utf8)) as? [String: String]
            XCTAssertEqual(object?["use"], "sig")
            XCTAssertEqual(object?["alg"], signer.algorithm.rawValue)
            XCTAssertNil(object?["d"])
            XCTAssertEqual(Set(object?.keys.map { $0 } ?? []),
                           signer.algorithm == .rs256 ? ["kty", "n", "e", "kid", "alg", "use"] : ["kty", "crv", "x", "y", "kid", "alg", "use"])
        }
        let ecToken = try JWS.sign(payloadJSON: Array("{}".utf8), key: Self.ecKey)
        XCTAssertEqual(Base64URL.decode(String(ecToken.split(separator: ".")[2]))?.count, 64, "ES256 signatures are raw r||s")
        XCTAssertFalse(ecToken.contains("typ"))
    }

    func testPEMRoundTrip() throws {
        for signer in [Self.rsaKey, Self.ecKey] {
            let pem = try signer.pkcs8PEM()
            XCTAssertTrue(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let loaded = try SigningKey(pem: pem, algorithm: signer.algorithm)
            XCTAssertEqual(loaded.kid, signer.kid)
            let token = try JWS.sign(payloadJSON: Array("{}".utf8), key: loaded)
            XCTAssertNoThrow(try JWS.verify(token, key: signer.publicKey, allowed: [signer.algorithm]))
            XCTAssertFalse("\(loaded)".contains("PRIVATE"))
        }
        // A key of the other type, or not a key at all, is refused.
        assertThrows { try SigningKey(pem: try Self.rsaKey.pkcs8PEM(), algorithm: .es256) }
        assertThrows { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", algorithm: .es256) }
        assertThrows { try SigningKey(pem: "", algorithm: .rs256) }
    }

    func testTamperedTokensFail() throws {
        for signer in [Self.rsaKey, Self.ecKey] {
            let token = try JWS.sign(payloadJSON: Array("{\"sub\":\"alice\"}".utf8), key: signer)
            let parts = token.split(separator: ".").map(String.init)
            assertThrows(.badSignature) {
                try JWS.verify(self.replacing(token, part: 1, with: Base64URL.encode("{\"sub\":\"mallory\"}")), key: signer.publicKey, allowed: [signer.algorithm])
            }
            var signature = Base64URL.decode(parts[2])!
            signature[signature.count / 2] ^= 1
            assertThrows(.badSignature) {
                try JWS.verify(self.replacing(token, part: 2, with: Base64URL.encode(signature)), key: signer.publicKey, allowed: [signer.algorithm])
            }
            let header = "{\"alg\":\"\(signer.algorithm.rawValue)\",\"kid\":\"other\"}"
            assertThrows(.badSignature) {
                try JWS.verify(self.replacing(token, part: 0, with: Base64URL.encode(header)), key: signer.publicKey, allowed: [signer.algorithm])
            }
            // Signature one byte short or long.
            assertThrows(.badSignature) {
                try JWS.verify(self.replacing(token, part: 2, with: Base64URL.encode(Array(signature.dropLast()))), key: signer.publicKey, allowed: [signer.algorithm])
            }
            assertThrows(.badSignature) {
                try JWS.verify(self.replacing(token, part: 2, with: Base64URL.encode(signature + [0])), key: signer.publicKey, allowed: [signer.algorithm])
            }
            // Another key of the same type.
            let other = try SigningKey.generate(signer.algorithm)
            assertThrows(.badSignature) { try JWS.verify(token, key: other.publicKey, allowed: [signer.algorithm]) }
        }
    }

    func testES256DERSignatureIsRefused() throws {
        // A DER-encoded ECDSA signature (what OpenSSL produces) is not a JOSE signature.
        let token = try JWS.sign(payloadJSON: Array("{}".utf8), key: Self.ecKey)
        let raw = Base64URL.decode(String(token.split(separator: ".")[2]))!
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var b = Array(bytes.drop { $0 == 0 })
            if b.isEmpty || b[0] & 0x80 != 0 { b.insert(0, at: 0) }
            return [0x02, UInt8(b.count)] + b
        }
        let body = integer(raw[0..<32]) + integer(raw[32..<64])
        let der = [0x30, UInt8(body.count)] + body
        assertThrows(.badSignature) {
            try JWS.verify(self.replacing(token, part: 2, with: Base64URL.encode(der)), key: Self.ecKey.publicKey, allowed: [.es256])
        }
    }

    func testAlgNoneFails() throws {
        let payload = Base64URL.encode("{\"sub\":\"admin\"}")
        for header in ["{\"alg\":\"none\"}", "{\"alg\":\"None\"}", "{\"typ\":\"JWT\"}", "{\"alg\":null}"] {
            let unsigned = Base64URL.encode(header) + "." + payload + "."
            assertThrows { try JWS.verify(unsigned, key: Self.rsaKey.publicKey, allowed: JWSAlgorithm.allCases) }
            let withJunk = Base64URL.encode(header) + "." + payload + "." + Base64URL.encode("x")
            assertThrows { try JWS.verify(withJunk, key: Self.rsaKey.publicKey, allowed: JWSAlgorithm.allCases) }
        }
        let none = Base64URL.encode("{\"alg\":\"none\"}") + "." + payload + "." + Base64URL.encode("x")
        assertThrows(.algorithmNotAllowed("none")) { try JWS.verify(none, key: Self.rsaKey.publicKey, allowed: JWSAlgorithm.allCases) }
    }

    func testHS256WithThePublicKeyAsSecretFails() throws {
        // The classic confusion: an attacker MACs with the (public) key bytes and says HS256.
        let payload = Base64URL.encode("{\"sub\":\"admin\"}")
        let header = Base64URL.encode("{\"alg\":\"HS256\",\"kid\":\"\(Self.rsaKey.kid)\"}")
        let input = Array((header + "." + payload).utf8)
        for secret in [Array(Self.rsaKey.publicJWK.utf8), Array(Self.rfc7515RSA.utf8)] {
            let token = header + "." + payload + "." + Base64URL.encode(HMAC.sha256(key: secret, message: input))
            assertThrows(.algorithmNotAllowed("HS256")) { try JWS.verify(token, key: Self.rsaKey.publicKey, allowed: JWSAlgorithm.allCases) }
        }
    }

    func testAlgorithmMustMatchTheKeyType() throws {
        // An ES256 token presented for an RSA key (and the reverse) fails before any crypto.
        let ecToken = try JWS.sign(payloadJSON: Array("{}".utf8), key: Self.ecKey)
        let rsaToken = try JWS.sign(payloadJSON: Array("{}".utf8), key: Self.rsaKey)
        assertThrows(.algorithmNotAllowed("ES256")) { try JWS.verify(ecToken, key: Self.rsaKey.publicKey, allowed: JWSAlgorithm.allCases) }
        assertThrows(.algorithmNotAllowed("RS256")) { try JWS.verify(rsaToken, key: Self.ecKey.publicKey, allowed: JWSAlgorithm.allCases) }
        // Relabelled header, real signature: still refused.
        let relabelled = replacing(rsaToken, part: 0, with: Base64URL.encode("{\"alg\":\"ES256\"}"))
        assertThrows(.algorithmNotAllowed("ES256")) { try JWS.verify(relabelled, key: Self.rsaKey.publicKey, allowed: JWSAlgorithm.allCases) }
        for alg in ["PS256", "RS384", "ES384", "EdDSA", "rs256"] {
            let token = replacing(rsaToken, part: 0, with: Base64URL.encode("{\"alg\":\"\(alg)\"}"))
            assertThrows(.algorithmNotAllowed(alg)) { try JWS.verify(token, key: Self.rsaKey.publicKey, allowed: JWSAlgorithm.allCases) }
        }
        // A JWK whose alg contradicts its type.
        assertThrows(.algorithmNotAllowed("ES256")) {
            try self.key(Self.rfc7515RSA.replacingOccurrences(of: "\"e\":\"AQAB\"", with: "\"e\":\"AQAB\",\"alg\":\"ES256\""))
        }
    }

    func testCritHeaderIsRefused() throws {
        let token = try JWS.sign(payloadJSON: Array("{}".utf8), key: Self.ecKey)
        let crit = replacing(token, part: 0, with: Base64URL.encode("{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}"))
        assertThrows(.malformed("crit header present")) { try JWS.verify(crit, key: Self.ecKey.publicKey, allowed: [.es256]) }
        let b64 = replacing(token, part: 0, with: Base64URL.encode("{\"alg\":\"ES256\",\"b64\":false,\"crit\":[\"b64\"]}"))
        assertThrows(.malformed("crit header present")) { try JWS.verify(b64, key: Self.ecKey.publicKey, allowed: [.es256]) }
    }

    func testGarbageNeverCrashes() throws {
        let token = try JWS.sign(payloadJSON: Array("{}".utf8), key: Self.ecKey)
        let parts = token.split(separator: ".").map(String.init)
        var inputs = ["", ".", "..", "...", "a.b.c", "a.b", "a.b.c.d", token + ".", "." + token, token + "=",
                      parts[0] + "=." + parts[1] + "." + parts[2], parts[0] + "." + parts[1] + "." + parts[2] + "==",
                      parts[0].replacingOccurrences(of: "e", with: "+") + "." + parts[1] + "." + parts[2],
                      " " + token, token + "\n", "\u{0}.\u{0}.\u{0}", String(repeating: "A", count: 300_000),
                      String(repeating: ".", count: 10_000)]
        for header in ["[]", "\"ES256\"", "1", "null", "{", "{\"alg\":1}", "{\"alg\":[\"ES256\"]}", "{\"alg\":\"ES256\",\"kid\":1}",
                       "{\"alg\":\"ES256\",\"typ\":{}}", String(repeating: "[", count: 5000), "\u{FEFF}{\"alg\":\"ES256\"}"] {
            inputs.append(Base64URL.encode(header) + "." + parts[1] + "." + parts[2])
        }
        for _ in 0..<300 {
            var bytes = Array(token.utf8)
            for _ in 0..<Int.random(in: 1...4) { bytes[Int.random(in: 0..<bytes.count)] ^= UInt8.random(in: 1...255) }
            if bytes == Array(token.utf8) { continue } // two flips of one byte cancelled out
            inputs.append(String(decoding: bytes, as: UTF8.self))
            inputs.append(String(decoding: (0..<Int.random(in: 0...200)).map { _ in UInt8.random(in: 0...255) }, as: UTF8.self))
        }
        for input in inputs {
            XCTAssertThrowsError(try JWS.verify(input, key: Self.ecKey.publicKey, allowed: [.es256]), "accepted: \(input.prefix(80))")
        }
    }

    func testBadJWKsAreRefused() throws {
        let rsa = try JSONObject(parsing: Self.rfc7515RSA)
        let ec = try JSONObject(parsing: Self.rfc7515EC)
        func changed(_ jwk: JSONObject, _ key: String, _ value: JSONValue?) -> JSONObject {
            var jwk = jwk
            jwk[key] = value
            return jwk
        }
        func changed(_ jwk: JSONObject, _ key: String, _ value: String) -> JSONObject { changed(jwk, key, .string(value)) }
        // RSA-1024 (RFC 7515 A.2's n cut to 128 bytes) is too small.
        let n = Base64URL.decode(rsa["n"]!.stringValue!)!
        assertThrows { try PublicKey(jwk: changed(rsa, "n", Base64URL.encode(Array(n.prefix(128))))) }
        // A leading zero octet is tolerated and does not change the thumbprint.
        XCTAssertEqual(try PublicKey(jwk: changed(rsa, "n", Base64URL.encode([0] + n))).thumbprint, try PublicKey(jwk: rsa).thumbprint)
        let x = Base64URL.decode(ec["x"]!.stringValue!)!
        var offCurve = Base64URL.decode(ec["y"]!.stringValue!)!
        offCurve[31] ^= 1
        let bad: [JSONObject] = [
            [:], changed(rsa, "kty", nil), changed(rsa, "kty", "oct"), changed(rsa, "kty", "OKP"), changed(rsa, "n", nil),
            changed(rsa, "e", 65537), changed(rsa, "n", "not base64!"), changed(rsa, "n", ""), changed(rsa, "use", "enc"),
            changed(rsa, "d", "AQAB"), changed(ec, "crv", "P-384"), changed(ec, "crv", nil), changed(ec, "y", Base64URL.encode(offCurve)),
            changed(ec, "x", Base64URL.encode(Array(x.dropFirst()))), changed(ec, "x", Base64URL.encode([0] + x)),
            changed(ec, "y", nil), changed(rsa, "alg", "HS256"), changed(rsa, "kid", 7),
            changed(rsa, "e", Base64URL.encode([1])), changed(rsa, "e", Base64URL.encode([0, 1])), changed(rsa, "e", Base64URL.encode([1, 0])),
            changed(rsa, "e", Base64URL.encode([0])),
        ]
        for jwk in bad { assertThrows { try PublicKey(jwk: jwk) } }
        for json in ["", "[]", "{", "null", "\"x\"", "{\"kty\":\"RSA\"}"] { assertThrows { try self.key(json) } }
    }

    func testDuplicateHeaderMembersAreRefused() throws {
        // Two readers could disagree about which alg counts: refuse rather than pick one.
        let token = try JWS.sign(payloadJSON: Array("{}".utf8), key: Self.ecKey)
        for header in ["{\"alg\":\"ES256\",\"alg\":\"none\"}", "{\"alg\":\"none\",\"alg\":\"ES256\"}",
                       "{\"alg\":\"ES256\",\"kid\":\"a\",\"kid\":\"b\"}", "{\"alg\":\"ES256\",\"a\\u006cg\":\"none\"}"] {
            assertThrows {
                try JWS.verify(self.replacing(token, part: 0, with: Base64URL.encode(header)), key: Self.ecKey.publicKey, allowed: [.es256])
            }
        }
    }

    func testStrictJSONReader() throws {
        let good: [(String, JSONValue)] = [
            ("{}", .object([:])),
            (" {\"a\" : [1, -0.5e+3, true, false, null, \"x\"] }\r\n",
             .object(["a": .array([.int(1), .double(-500), .bool(true), .bool(false), .null, .string("x")])])),
            ("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00é\"}", .object(["s": .string("\"\\/\u{8}\u{C}\n\r\té😀é")])),
        ]
        for (text, value) in good {
            XCTAssertEqual(try JWS.joseObject(Array(text.utf8), what: "t"), value.objectValue, text)
        }
        let bad = ["", "[]", "1", "\"a\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1}x", "{a:1}", "{'a':1}",
                   "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":\"\\x\"}",
                   "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"tab\there\"}",
                   "{\"a\":1,\"a\":2}", "\u{FEFF}{}", "{\"a\":[1,]}", "{\"a\":" + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}"]
        for text in bad {
            XCTAssertThrowsError(try JWS.joseObject(Array(text.utf8), what: "t"), text)
        }
        XCTAssertThrowsError(try JWS.joseObject([0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D], what: "invalid UTF-8"))
    }

    func testKeySetKeepsTheUsableKeys() throws {
        let jwks = "{\"keys\":[\(Self.rfc7515RSA),\(Self.rfc7515EC),{\"kty\":\"oct\",\"k\":\"AAAA\"},\(Self.rsaKey.publicJWK),"
            + "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},7,\(Self.rfc7638)]}"
        let keys = try PublicKey.keySet(jwksJSON: Array(jwks.utf8))
        XCTAssertEqual(keys.map(\.algorithm), [.rs256, .es256, .rs256, .rs256])
        XCTAssertEqual(keys[2].keyID, Self.rsaKey.kid)
        XCTAssertEqual(keys[3].keyID, "2011-04-29")
        for text in ["{}", "{\"keys\":{}}", "[]", "{\"keys\":[]"] {
            XCTAssertThrowsError(try PublicKey.keySet(jwksJSON: Array(text.utf8)), text)
        }
        XCTAssertEqual(try PublicKey.keySet(jwksJSON: Array("{\"keys\":[]}".utf8)).count, 0)
    }

    func testSigningIsFastEnough() throws {
        // Not a benchmark, a tripwire: ES256 signing must not do anything per call beyond the maths.
        let payload = Array(String(repeating: "x", count: 300).utf8)
        let start = Date()
        for _ in 0..<200 { _ = try JWS.sign(payloadJSON: payload, key: Self.ecKey, type: "JWT") }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.0)
    }
}
