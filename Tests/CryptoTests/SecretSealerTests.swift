import XCTest
@testable import Crypto

final class SecretSealerTests: XCTestCase {
    let masterA = [UInt8](repeating: 0xa1, count: 32)
    let masterB = Array(0..<UInt8(48))
    let context = "oauth2-provider/ar-aging/client_secret"

    func sealer(_ current: [UInt8], _ previous: [[UInt8]] = []) -> SecretSealer {
        try! SecretSealer(currentMasterKey: current, previousMasterKeys: previous)
    }

    func testRoundTrip() throws {
        let s = sealer(masterA)
        for length in [0, 1, 15, 16, 17, 64, 1000] {
            let plaintext = SecureRandom.bytes(length)
            let sealed = s.seal(plaintext, context: context)
            XCTAssertEqual(try s.open(sealed, context: context), plaintext, "length \(length)")
        }
        let largest = SecureRandom.bytes(SecretSealer.maximumPlaintextLength)
        XCTAssertEqual(try s.open(s.seal(largest, context: context), context: context), largest)
        let text = "s3cr3t – with ünïcode"
        XCTAssertEqual(try s.openString(s.seal(text, context: context), context: context), text)
    }

    func testEnvelopeFormat() throws {
        let s = sealer(masterA)
        let sealed = s.seal(Array("hello".utf8), context: context)
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(parts.count, 4)
        XCTAssertEqual(parts[0], "gh1")
        XCTAssertEqual(parts[1], s.currentKeyID)
        XCTAssertEqual(Base64URL.decode(parts[2])?.count, 12)
        XCTAssertEqual(Base64URL.decode(parts[3])?.count, 5 + 16)
        XCTAssertTrue(sealed.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }, "printable ASCII only")
        // The key id is HMAC-SHA256(master, "gatehouse key id v1"), first 8 hex digits.
        XCTAssertEqual(s.currentKeyID,
                       String(Hex.encode(HMAC.sha256(key: masterA, message: Array("gatehouse key id v1".utf8))).prefix(8)))
        XCTAssertNotEqual(SecretSealer.keyID(forMasterKey: masterA), SecretSealer.keyID(forMasterKey: masterB))
        // The raw master key is not the AES key.
        let nonce = Base64URL.decode(parts[2])!, body = Base64URL.decode(parts[3])!
        XCTAssertNil(AESGCM.open(body, key: masterA, nonce: nonce,
                                 aad: SecretSealer.associatedData(keyID: parts[1], context: context)))
    }

    func testFreshNonceEverySeal() {
        let s = sealer(masterA)
        let plaintext = Array("same".utf8)
        var nonces = Set<String>(), values = Set<String>()
        for _ in 0..<50 {
            let sealed = s.seal(plaintext, context: context)
            values.insert(sealed)
            nonces.insert(String(sealed.split(separator: ".")[2]))
        }
        XCTAssertEqual(nonces.count, 50)
        XCTAssertEqual(values.count, 50)
    }

    func testWrongContextFails() {
        let s = sealer(masterA)
        let sealed = s.seal(Array("hello".utf8), context: context)
        XCTAssertThrowsError(try s.open(sealed, context: "oauth2-provider/other/client_secret")) {
            XCTAssertEqual($0 as? SecretSealerError, .authenticationFailed)
        }
        XCTAssertThrowsError(try s.open(sealed, context: ""))
        XCTAssertThrowsError(try s.open(sealed, context: context + "x"))
    }

    func testWrongKeyFails() {
        let sealed = sealer(masterA).seal(Array("hello".utf8), context: context)
        XCTAssertThrowsError(try sealer(masterB).open(sealed, context: context)) {
            XCTAssertEqual($0 as? SecretSealerError, .unknownKey(id: SecretSealer.keyID(forMasterKey: masterA)))
        }
    }

    /// Flips every bit of every part in turn (re-encoding nonce and body so only the content
    /// changes); nothing may open.
    func testTamperingAnyPartFails() throws {
        let s = sealer(masterA)
        let sealed = s.seal(Array("attack at dawn".utf8), context: context)
        let parts = sealed.split(separator: ".").map(String.init)
        let nonce = Base64URL.decode(parts[2])!, body = Base64URL.decode(parts[3])!
        func assertFails(_ value: String, _ why: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try s.open(value, context: context), why, file: file, line: line)
        }
        for i in 0..<nonce.count {
            for bit in 0..<8 {
                var n = nonce
                n[i] ^= 1 << bit
                assertFails([parts[0], parts[1], Base64URL.encode(n), parts[3]].joined(separator: "."), "nonce \(i)/\(bit)")
            }
        }
        for i in 0..<body.count {  // ciphertext bytes, then the 16 tag bytes
            for bit in 0..<8 {
                var b = body
                b[i] ^= 1 << bit
                assertFails([parts[0], parts[1], parts[2], Base64URL.encode(b)].joined(separator: "."), "body \(i)/\(bit)")
            }
        }
        assertFails([parts[0], parts[1], parts[2], Base64URL.encode(Array(body.dropLast()))].joined(separator: "."), "short tag")
        assertFails([parts[0], parts[1], parts[2], Base64URL.encode(body + [0])].joined(separator: "."), "extra byte")
        // Key id: another well-formed id is unknown; a different id that the sealer knows
        // still fails because the id is authenticated.
        var id = Array(parts[1].utf8)
        id[0] = id[0] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        let otherID = String(decoding: id, as: UTF8.self)
        XCTAssertThrowsError(try s.open([parts[0], otherID, parts[2], parts[3]].joined(separator: "."), context: context)) {
            XCTAssertEqual($0 as? SecretSealerError, .unknownKey(id: otherID))
        }
        let both = sealer(masterA, [masterB])
        let idB = SecretSealer.keyID(forMasterKey: masterB)
        XCTAssertThrowsError(try both.open([parts[0], idB, parts[2], parts[3]].joined(separator: "."), context: context)) {
            XCTAssertEqual($0 as? SecretSealerError, .authenticationFailed)
        }
        // Version and shape.
        for bad in ["gh2", "GH1", "gh0", ""] {
            XCTAssertThrowsError(try s.open(([bad] + parts.dropFirst()).joined(separator: "."), context: context)) {
                XCTAssertEqual($0 as? SecretSealerError, .malformedEnvelope)
            }
        }
        for bad in ["", "gh1", "gh1...", parts.dropLast().joined(separator: "."), sealed + ".", sealed + "=",
                    parts[0] + "." + parts[1].uppercased() + "." + parts[2] + "." + parts[3],
                    parts[0] + "." + parts[1] + "." + parts[2] + "==." + parts[3],
                    parts[0] + "." + parts[1] + "." + Base64URL.encode(nonce + [0]) + "." + parts[3],
                    parts[0] + "." + parts[1] + "." + parts[2] + "." + Base64URL.encode(Array(body.prefix(15))),
                    " " + sealed, sealed + "\n"] {
            XCTAssertThrowsError(try s.open(bad, context: context), bad) {
                XCTAssertEqual($0 as? SecretSealerError, .malformedEnvelope, bad)
            }
        }
        XCTAssertEqual(try s.open(sealed, context: context), Array("attack at dawn".utf8), "original still opens")
    }

    func testRotation() throws {
        let old = sealer(masterA)
        let sealedOld = old.seal(Array("client secret".utf8), context: context)
        XCTAssertFalse(old.needsResealing(sealedOld))

        let rotated = sealer(masterB, [masterA])
        XCTAssertEqual(rotated.currentKeyID, SecretSealer.keyID(forMasterKey: masterB))
        XCTAssertEqual(rotated.previousKeyIDs, [old.currentKeyID])
        XCTAssertEqual(try rotated.open(sealedOld, context: context), Array("client secret".utf8))
        XCTAssertTrue(rotated.needsResealing(sealedOld))

        let resealed = try rotated.reseal(sealedOld, context: context)
        XCTAssertTrue(resealed.hasPrefix("gh1.\(rotated.currentKeyID)."))
        XCTAssertFalse(rotated.needsResealing(resealed))
        XCTAssertEqual(try rotated.open(resealed, context: context), Array("client secret".utf8))
        // Once the old key is dropped, the resealed value still opens and the old one does not.
        let newOnly = sealer(masterB)
        XCTAssertEqual(try newOnly.open(resealed, context: context), Array("client secret".utf8))
        XCTAssertThrowsError(try newOnly.open(sealedOld, context: context)) {
            XCTAssertEqual($0 as? SecretSealerError, .unknownKey(id: old.currentKeyID))
        }
        XCTAssertTrue(newOnly.needsResealing(sealedOld), "sealed under a non-current key, even an unknown one")
        XCTAssertFalse(newOnly.needsResealing("garbage"))
        // Resealing checks the context like open does.
        XCTAssertThrowsError(try rotated.reseal(sealedOld, context: "elsewhere")) {
            XCTAssertEqual($0 as? SecretSealerError, .authenticationFailed)
        }
    }

    func testKeyValidation() {
        XCTAssertThrowsError(try SecretSealer(currentMasterKey: [UInt8](repeating: 1, count: 31))) {
            XCTAssertEqual($0 as? SecretSealerError, .invalidMasterKey)
        }
        XCTAssertThrowsError(try SecretSealer(currentMasterKey: masterA, previousMasterKeys: [[1, 2, 3]])) {
            XCTAssertEqual($0 as? SecretSealerError, .invalidMasterKey)
        }
        XCTAssertThrowsError(try SecretSealer(currentMasterKey: masterA, previousMasterKeys: [masterA])) {
            XCTAssertEqual($0 as? SecretSealerError, .duplicateKeyID(SecretSealer.keyID(forMasterKey: masterA)))
        }
    }

    func testNothingSecretInDescriptions() {
        let s = sealer(masterA, [masterB])
        let texts = [String(describing: s), String(reflecting: s), "\(Mirror(reflecting: s).children.map { "\($0)" })"]
        let secrets = [Hex.encode(masterA), Hex.encode(masterB), Hex.encode(s.current.dataKey), "161, 161, 161"]
        for text in texts {
            XCTAssertTrue(text.contains(s.currentKeyID), text)
            for secret in secrets { XCTAssertFalse(text.contains(secret), text) }
        }
        let errors: [SecretSealerError] = [.malformedEnvelope, .unknownKey(id: "0badc0de"), .authenticationFailed,
                                           .malformedPlaintext, .invalidMasterKey, .duplicateKeyID("0badc0de")]
        for error in errors { XCTAssertFalse(String(describing: error).isEmpty) }
    }
}
