import XCTest
@testable import Crypto

final class Argon2Tests: XCTestCase {
    // RFC 9106 §5.3: Argon2id, v=0x13, t=3, m=32 KiB, p=4, with secret and associated data.
    func testRFC9106Argon2idVector() {
        let tag = Argon2.hashContext(variant: .id, version: 0x13,
                                     password: [UInt8](repeating: 0x01, count: 32),
                                     salt: [UInt8](repeating: 0x02, count: 16),
                                     secret: [UInt8](repeating: 0x03, count: 8),
                                     associatedData: [UInt8](repeating: 0x04, count: 12),
                                     memoryKiB: 32, iterations: 3, parallelism: 4, length: 32)
        XCTAssertEqual(tag.map(Hex.encode), "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")
    }

    // The reference implementation's test suite: "password", salt "somesalt", t=2, m=2^16, p=1.
    func testReferenceRawVector() {
        let raw = Argon2.hashRaw(password: Array("password".utf8), salt: Array("somesalt".utf8),
                                 memoryKiB: 1 << 16, iterations: 2, parallelism: 1, length: 32)
        XCTAssertEqual(raw.map(Hex.encode), "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7")
    }

    func testPHCParse() {
        let e = Argon2.Encoded(parsing: "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
        XCTAssertEqual(e, Argon2.Encoded(variant: .id, version: 0x13, memoryKiB: 19456, iterations: 2,
                                         parallelism: 1, saltLength: 16, hashLength: 32))
        XCTAssertEqual(Argon2.Encoded(parsing: "$argon2i$m=4096,t=3,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")?.version,
                       0x10, "no v= is version 1.0")
        let good = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
        XCTAssertNotNil(Argon2.Encoded(parsing: good))
        for bad in ["", "$argon2id", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ",
                    "$argon2x$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                    "$argon2id$v=20$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                    "$argon2id$v=19$t=2,m=65536,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                    "$argon2id$v=19$m=065536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                    "$argon2id$v=19$m=-1,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                    "$argon2id$v=19$m=65536,t=2,p=1$c29t$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",  // 3-byte salt
                    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMa",  // 12-byte hash
                    good + "$", good + "x$"] {
            XCTAssertNil(Argon2.Encoded(parsing: bad), bad)
        }
    }
}

final class PasswordHasherTests: XCTestCase {
    let hasher = PasswordHasher()
    /// Cheap parameters for tests that don't care about cost.
    let weak = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, parallelism: 1))

    func testDefaultsAreOWASP() {
        XCTAssertEqual(hasher.parameters.memoryKiB, 19_456)
        XCTAssertEqual(hasher.parameters.iterations, 2)
        XCTAssertEqual(hasher.parameters.parallelism, 1)
        XCTAssertEqual(hasher.parameters.saltLength, 16)
        XCTAssertEqual(hasher.parameters.hashLength, 32)
        XCTAssertTrue(hasher.parameters.meetsOWASPMinimum)
        XCTAssertFalse(weak.parameters.meetsOWASPMinimum)
    }

    func testHashAndVerify() throws {
        let encoded = try hasher.hash("correct horse battery staple")
        XCTAssertEqual(hasher.verify("correct horse battery staple", against: encoded), .valid(needsRehash: false))
        XCTAssertEqual(hasher.verify("correct horse battery stapl", against: encoded), .invalid)
        XCTAssertEqual(hasher.verify("", against: encoded), .invalid)
        // Same password, new salt, different string.
        XCTAssertNotEqual(try hasher.hash("correct horse battery staple"), encoded)
    }

    func testPHCFormatAndParameters() throws {
        let encoded = try hasher.hash("pässwörd 🔑")
        XCTAssertTrue(encoded.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"), encoded)
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        XCTAssertEqual(fields.count, 6)
        XCTAssertEqual(fields[4].count, 22, "16-byte salt, unpadded base64")
        XCTAssertEqual(fields[5].count, 43, "32-byte hash, unpadded base64")
        XCTAssertEqual(Argon2.Encoded(parsing: encoded), hasher.parameters.encoded)
        XCTAssertEqual(hasher.verify("pässwörd 🔑", against: encoded), .valid(needsRehash: false))

        let custom = PasswordHasher(parameters: .init(memoryKiB: 2048, iterations: 3, parallelism: 2,
                                                      saltLength: 24, hashLength: 48))
        let c = try custom.hash("x")
        XCTAssertTrue(c.hasPrefix("$argon2id$v=19$m=2048,t=3,p=2$"), c)
        XCTAssertEqual(Argon2.Encoded(parsing: c)?.saltLength, 24)
        XCTAssertEqual(Argon2.Encoded(parsing: c)?.hashLength, 48)
        XCTAssertEqual(custom.verify("x", against: c), .valid(needsRehash: false))
    }

    func testNeedsRehashForWeakerParameters() throws {
        let weakHash = try weak.hash("hunter2")
        XCTAssertEqual(weak.verify("hunter2", against: weakHash), .valid(needsRehash: false))
        XCTAssertEqual(hasher.verify("hunter2", against: weakHash), .valid(needsRehash: true))
        XCTAssertEqual(hasher.verify("hunter3", against: weakHash), .invalid)

        let fewerPasses = PasswordHasher(parameters: .init(memoryKiB: 19_456, iterations: 1))
        XCTAssertEqual(hasher.verify("a", against: try fewerPasses.hash("a")), .valid(needsRehash: true))
        let shortHash = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, hashLength: 16))
        XCTAssertEqual(weak.verify("a", against: try shortHash.hash("a")), .valid(needsRehash: true))
        // Stronger than current is fine as it is.
        let stronger = PasswordHasher(parameters: .init(memoryKiB: 2048, iterations: 2, saltLength: 32))
        XCTAssertEqual(weak.verify("a", against: try stronger.hash("a")), .valid(needsRehash: false))
    }

    // Known PHC strings from the reference implementation's test suite.
    func testReferenceEncodedVectors() {
        let argon2id = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
        // Valid, but the 8-byte salt is shorter than ours: rehash.
        XCTAssertEqual(hasher.verify("password", against: argon2id), .valid(needsRehash: true))
        XCTAssertEqual(hasher.verify("Password", against: argon2id), .invalid)

        let argon2i = "$argon2i$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$sDV8zPvvkfOGCw26RHsjSMvv7K2vmQq/6cxAcmxSEnE"
        XCTAssertEqual(hasher.verify("password", against: argon2i), .valid(needsRehash: true))
        XCTAssertEqual(hasher.verify("passwore", against: argon2i), .invalid)
        // The variant in the string decides; an argon2i hash relabelled argon2id does not verify.
        XCTAssertEqual(hasher.verify("password", against: argon2i.replacingOccurrences(of: "$argon2i$", with: "$argon2id$")),
                       .invalid)
    }

    func testArgon2dAndDjangoSpelling() throws {
        // An argon2d hash made through libargon2's generic API (there is no reference string to hand).
        var encoded = [CChar](repeating: 0, count: 128)
        let salt = Array("saltsaltsaltsalt".utf8)
        XCTAssertEqual(argon2dEncoded("pw", salt: salt, into: &encoded), 0)
        let argon2d = String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        XCTAssertTrue(argon2d.hasPrefix("$argon2d$v=19$m=1024,t=1,p=1$"), argon2d)
        XCTAssertEqual(weak.verify("pw", against: argon2d), .valid(needsRehash: true))
        XCTAssertEqual(weak.verify("px", against: argon2d), .invalid)

        // Django's Argon2PasswordHasher stores "argon2" + the PHC string.
        let phc = try weak.hash("django")
        XCTAssertEqual(weak.verify("django", against: "argon2" + phc), .valid(needsRehash: true))
        XCTAssertEqual(weak.verify("djangO", against: "argon2" + phc), .invalid)
    }

    func testUnsupportedAndMalformed() throws {
        let phc = try weak.hash("pw")
        for scheme in ["bcrypt$$2b$12$abcdefghijklmnopqrstuu", "pbkdf2_sha1$1000$salt$abc=", "!unusable", "",
                       "$2b$12$abcdefghijklmnopqrstuu", "md5$salt$hash", "$argon2ds$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
                       "plain-text-password"] {
            XCTAssertEqual(weak.verify("pw", against: scheme), .unsupported, scheme)
        }
        for broken in [phc + "A", phc.replacingOccurrences(of: "$v=19", with: ""),
                       String(phc.dropLast(10)), phc.replacingOccurrences(of: "m=1024", with: "m=1023"),
                       phc + "\u{0}", "$argon2id$", "$argon2id$v=19$m=1024,t=1,p=1$$"] {
            XCTAssertEqual(weak.verify("pw", against: broken), .invalid, broken)
        }
    }

    func testAbsurdArgon2ParametersRejectedWithoutComputing() {
        let tail = "$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
        let start = Date()
        for params in ["m=4194304,t=2,p=1", "m=1048577,t=1,p=1", "m=19456,t=101,p=1", "m=19456,t=4294967295,p=1",
                       "m=19456,t=2,p=65", "m=19456,t=2,p=0", "m=19456,t=0,p=1", "m=7,t=1,p=1",
                       "m=99999999999,t=1,p=1"] {
            XCTAssertEqual(hasher.verify("pw", against: "$argon2id$v=19$" + params + tail), .invalid, params)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "nothing was computed")
    }

    func testOverlongPasswords() throws {
        let limit = String(repeating: "a", count: PasswordHasher.maximumPasswordLength)
        let encoded = try weak.hash(limit)
        XCTAssertEqual(weak.verify(limit, against: encoded), .valid(needsRehash: false))
        XCTAssertThrowsError(try weak.hash(limit + "a")) {
            XCTAssertEqual($0 as? PasswordHashError, .passwordTooLong)
        }
        XCTAssertEqual(weak.verify(limit + "a", against: encoded), .invalid)
        // 4096 bytes, not characters: 2049 two-byte characters are too many.
        XCTAssertThrowsError(try weak.hash(String(repeating: "é", count: 2049)))
        let django = "pbkdf2_sha256$1000$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM="
        XCTAssertEqual(weak.verify(String(repeating: "x", count: 5000), against: django), .invalid)
    }

    func testBurnVerificationTimeCostsAboutAVerify() throws {
        let encoded = try hasher.hash("pw")
        func measure(_ body: () -> Void) -> TimeInterval {
            var best = TimeInterval.infinity
            for _ in 0..<3 {
                let start = Date()
                body()
                best = min(best, Date().timeIntervalSince(start))
            }
            return best
        }
        let verify = measure { _ = hasher.verify("wrong", against: encoded) }
        let burn = measure { hasher.burnVerificationTime() }
        XCTAssertGreaterThan(burn, verify / 3, "verify \(verify)s, burn \(burn)s")
        XCTAssertLessThan(burn, verify * 3, "verify \(verify)s, burn \(burn)s")
    }
}

final class DjangoPBKDF2Tests: XCTestCase {
    let hasher = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1))

    // Hashes made with Python's hashlib.pbkdf2_hmac('sha256', password, salt, n), base64-encoded,
    // which is what Django's PBKDF2PasswordHasher stores.
    let secret1000 = "pbkdf2_sha256$1000$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM="
    let unicode260000 = "pbkdf2_sha256$260000$Gz5y0Q7kYJvN3xWm8bLc1a$LCS8AqzT9QooNV3Z6RXI1g1TIWpsg9S4+c5ZUN4W8KY="

    func testKnownHashesVerifyAndNeedRehash() {
        XCTAssertEqual(hasher.verify("secret", against: secret1000), .valid(needsRehash: true))
        XCTAssertEqual(hasher.verify("pässwörd", against: unicode260000), .valid(needsRehash: true))
    }

    func testWrongPassword() {
        XCTAssertEqual(hasher.verify("Secret", against: secret1000), .invalid)
        XCTAssertEqual(hasher.verify("secret ", against: secret1000), .invalid)
        XCTAssertEqual(hasher.verify("", against: secret1000), .invalid)
        XCTAssertEqual(hasher.verify("passwörd", against: unicode260000), .invalid)
    }

    func testPBKDF2Primitive() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64).
        XCTAssertEqual(Hex.encode(PBKDF2.sha256(password: Array("passwd".utf8), salt: Array("salt".utf8),
                                                iterations: 1, length: 64)),
                       "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                       + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    }

    func testMalformed() {
        for bad in ["pbkdf2_sha256$", "pbkdf2_sha256$1000$salt1234", "pbkdf2_sha256$1000$salt1234$",
                    "pbkdf2_sha256$$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM=",
                    "pbkdf2_sha256$1000$$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM=",
                    "pbkdf2_sha256$01000$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM=",
                    "pbkdf2_sha256$+1000$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM=",
                    "pbkdf2_sha256$1e3$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM=",
                    "pbkdf2_sha256$1000$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM",
                    "pbkdf2_sha256$1000$salt1234$2tjePw-gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM=",
                    "pbkdf2_sha256$1000$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM=$",
                    "pbkdf2_sha256$1000$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbN=",
                    "pbkdf2_sha256$1000$salt1235$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM=",
                    "pbkdf2_sha256$1001$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM="] {
            XCTAssertEqual(hasher.verify("secret", against: bad), .invalid, bad)
        }
    }

    func testAbsurdIterationCountsRejectedFast() {
        let start = Date()
        for iterations in ["0", "10000001", "99999999", "4294967296", "999999999999999999999"] {
            XCTAssertEqual(hasher.verify("secret", against: "pbkdf2_sha256$\(iterations)$salt1234$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM="),
                           .invalid, iterations)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "nothing was computed")
        XCTAssertNotNil(DjangoPBKDF2(parsing: "pbkdf2_sha256$10000000$s$2tjePw+gSKhtB2TFS6VlSFYq2tEh1WFJW6S9ujWrfbM="),
                        "the limit itself is accepted")
    }
}
