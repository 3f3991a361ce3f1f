import XCTest
@testable import Crypto

/// WebAuthn registration and assertion with authenticators simulated here (ES256 and RS256
/// keys from `SigningKey`, CBOR written by a tiny encoder below).
final class WebAuthnTests: XCTestCase {
    let rp = WebAuthn.RelyingParty(id: "id.example.com", origin: "https://id.example.com")

    /// A software authenticator holding one credential.
    struct Authenticator {
        let key: SigningKey
        let credentialID = SecureRandom.bytes(32)
        var signCount: UInt32 = 0

        var cose: [UInt8] {
            let members = Dictionary(uniqueKeysWithValues: key.publicKey.members)
            func b(_ name: String) -> [UInt8] { Base64URL.decode(members[name] ?? "") ?? [] }
            switch key.algorithm {
            case .es256: return CBORWriter.map([(.int(1), .int(2)), (.int(3), .int(-7)), (.int(-1), .int(1)),
                                                (.int(-2), .bytes(b("x"))), (.int(-3), .bytes(b("y")))])
            default: return CBORWriter.map([(.int(1), .int(3)), (.int(3), .int(-257)), (.int(-1), .bytes(b("n"))),
                                            (.int(-2), .bytes(b("e")))])
            }
        }

        func clientData(_ type: String, _ challenge: [UInt8], origin: String) -> [UInt8] {
            Array("{\"type\":\"\(type)\",\"challenge\":\"\(Base64URL.encode(challenge))\",\"origin\":\"\(origin)\"}".utf8)
        }

        func create(challenge: [UInt8], rpID: String, origin: String, fmt: String = "none") -> (clientData: [UInt8], attestation: [UInt8]) {
            let authData = Digest.sha256(rpID) + [0x41] + [0, 0, 0, 0] + [UInt8](repeating: 0, count: 16)
                + [UInt8(credentialID.count >> 8), UInt8(credentialID.count & 0xff)] + credentialID + cose
            let attestation = CBORWriter.map([(.text("fmt"), .text(fmt)), (.text("attStmt"), .rawMap([])),
                                              (.text("authData"), .bytes(authData))])
            return (clientData("webauthn.create", challenge, origin: origin), attestation)
        }

        mutating func get(challenge: [UInt8], rpID: String, origin: String, count: UInt32? = nil)
            throws -> (clientData: [UInt8], authData: [UInt8], signature: [UInt8]) {
            signCount = count ?? signCount + 1
            let authData = Digest.sha256(rpID) + [0x01] + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: signCount >> $0) }
            let clientData = clientData("webauthn.get", challenge, origin: origin)
            var signature = try key.sign(authData + Digest.sha256(clientData))
            if key.algorithm == .es256 { signature = Self.der(signature) }
            return (clientData, authData, signature)
        }

        /// r||s to the DER that authenticators send.
        static func der(_ raw: [UInt8]) -> [UInt8] {
            func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
                var v = Array(bytes.drop { $0 == 0 })
                if v.isEmpty { v = [0] }
                if v[0] & 0x80 != 0 { v.insert(0, at: 0) }
                return [0x02, UInt8(v.count)] + v
            }
            let body = integer(raw[0..<32]) + integer(raw[32..<64])
            return [0x30, UInt8(body.count)] + body
        }
    }

    func register(_ algorithm: JWSAlgorithm) throws -> (Authenticator, WebAuthn.Credential) {
        let authenticator = Authenticator(key: try SigningKey.generate(algorithm))
        let challenge = SecureRandom.bytes(32)
        let made = authenticator.create(challenge: challenge, rpID: rp.id, origin: rp.origin)
        let credential = try WebAuthn.verifyRegistration(clientDataJSON: made.clientData, attestationObject: made.attestation,
                                                         challenge: challenge, relyingParty: rp)
        XCTAssertEqual(credential.id, authenticator.credentialID)
        XCTAssertEqual(credential.algorithm, algorithm == .es256 ? -7 : -257)
        return (authenticator, credential)
    }

    func testRegistrationAndAssertionES256AndRS256() throws {
        for algorithm in [JWSAlgorithm.es256, .rs256] {
            var (authenticator, credential) = try register(algorithm)
            for _ in 0..<2 {
                let challenge = SecureRandom.bytes(32)
                let got = try authenticator.get(challenge: challenge, rpID: rp.id, origin: rp.origin)
                credential.signCount = try WebAuthn.verifyAssertion(
                    clientDataJSON: got.clientData, authenticatorData: got.authData, signature: got.signature,
                    challenge: challenge, credential: credential, relyingParty: rp)
            }
            XCTAssertEqual(credential.signCount, 2)
        }
    }

    func testRegistrationRefusals() throws {
        let authenticator = Authenticator(key: try SigningKey.generate(.es256))
        let challenge = SecureRandom.bytes(32)
        func attempt(_ made: (clientData: [UInt8], attestation: [UInt8]), challenge expected: [UInt8]? = nil) -> WebAuthn.Failure? {
            do {
                _ = try WebAuthn.verifyRegistration(clientDataJSON: made.clientData, attestationObject: made.attestation,
                                                    challenge: expected ?? challenge, relyingParty: rp)
                return nil
            } catch { return error }
        }
        XCTAssertEqual(attempt(authenticator.create(challenge: challenge, rpID: rp.id, origin: "https://evil.example")),
                       .wrongOrigin("https://evil.example"))
        XCTAssertEqual(attempt(authenticator.create(challenge: challenge, rpID: "evil.example", origin: rp.origin)),
                       .wrongRelyingParty)
        XCTAssertEqual(attempt(authenticator.create(challenge: challenge, rpID: rp.id, origin: rp.origin),
                               challenge: SecureRandom.bytes(32)), .wrongChallenge)
        XCTAssertEqual(attempt(authenticator.create(challenge: challenge, rpID: rp.id, origin: rp.origin, fmt: "packed")),
                       .unsupportedAttestation("packed"))
        XCTAssertNotNil(attempt(([UInt8]("{}".utf8), [0xbf])))  // indefinite map: refused
    }

    func testAssertionRefusals() throws {
        var (authenticator, credential) = try register(.es256)
        let challenge = SecureRandom.bytes(32)
        func verify(_ got: (clientData: [UInt8], authData: [UInt8], signature: [UInt8]), challenge expected: [UInt8]? = nil) -> WebAuthn.Failure? {
            do {
                credential.signCount = try WebAuthn.verifyAssertion(
                    clientDataJSON: got.clientData, authenticatorData: got.authData, signature: got.signature,
                    challenge: expected ?? challenge, credential: credential, relyingParty: rp)
                return nil
            } catch { return error }
        }
        XCTAssertEqual(verify(try authenticator.get(challenge: challenge, rpID: rp.id, origin: "https://evil.example")),
                       .wrongOrigin("https://evil.example"))
        var good = try authenticator.get(challenge: challenge, rpID: rp.id, origin: rp.origin)
        XCTAssertEqual(verify(good, challenge: SecureRandom.bytes(32)), .wrongChallenge)
        good.signature[good.signature.count - 1] ^= 1
        XCTAssertEqual(verify(good), .badSignature)
        XCTAssertNil(verify(try authenticator.get(challenge: challenge, rpID: rp.id, origin: rp.origin, count: 10)))
        // A clone: its counter lags behind the stored one.
        XCTAssertEqual(verify(try authenticator.get(challenge: challenge, rpID: rp.id, origin: rp.origin, count: 7)),
                       .signCountRegressed(stored: 10, received: 7))
        XCTAssertEqual(verify(try authenticator.get(challenge: challenge, rpID: rp.id, origin: rp.origin, count: 10)),
                       .signCountRegressed(stored: 10, received: 10))
        // A key that is neither ES256 nor RS256.
        credential.publicKeyCOSE = CBORWriter.map([(.int(1), .int(1)), (.int(3), .int(-8))])
        XCTAssertNotNil(verify(try authenticator.get(challenge: challenge, rpID: rp.id, origin: rp.origin)))
    }

    func testCBORReaderIsStrict() {
        XCTAssertEqual(try CBOR.decode([0x83, 0x01, 0x20, 0x43, 1, 2, 3]), .array([.int(1), .int(-1), .bytes([1, 2, 3])]))
        XCTAssertThrowsError(try CBOR.decode([0x5f]))                  // indefinite bytes
        XCTAssertThrowsError(try CBOR.decode([0x43, 1, 2]))            // truncated
        XCTAssertThrowsError(try CBOR.decode([0xa2, 1, 1, 1, 2]))      // duplicate key
        XCTAssertThrowsError(try CBOR.decode([0x01, 0x02]))            // trailing bytes
        XCTAssertThrowsError(try CBOR.decode([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
        XCTAssertThrowsError(try CBOR.decode([UInt8](repeating: 0x81, count: 40) + [0]))  // too deep
    }
}

/// Just enough CBOR writing for the tests.
enum CBORWriter {
    enum Item { case int(Int64), bytes([UInt8]), text(String), rawMap([(Item, Item)]) }

    static func head(_ major: UInt8, _ value: UInt64) -> [UInt8] {
        switch value {
        case 0..<24: return [major << 5 | UInt8(value)]
        case 24..<256: return [major << 5 | 24, UInt8(value)]
        case 256..<65536: return [major << 5 | 25, UInt8(value >> 8), UInt8(value & 0xff)]
        default: return [major << 5 | 26] + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> UInt64($0)) }
        }
    }

    static func encode(_ item: Item) -> [UInt8] {
        switch item {
        case .int(let i): return i >= 0 ? head(0, UInt64(i)) : head(1, UInt64(-1 - i))
        case .bytes(let b): return head(2, UInt64(b.count)) + b
        case .text(let t): return head(3, UInt64(t.utf8.count)) + Array(t.utf8)
        case .rawMap(let pairs): return map(pairs)
        }
    }

    static func map(_ pairs: [(Item, Item)]) -> [UInt8] {
        head(5, UInt64(pairs.count)) + pairs.flatMap { encode($0.0) + encode($0.1) }
    }
}
