import XCTest
@testable import Crypto

final class TOTPTests: XCTestCase {
    // RFC 6238 Appendix B: the seeds are the ASCII digits repeated to the hash's length.
    static let seed20 = Array("12345678901234567890".utf8)
    static let seed32 = Array("12345678901234567890123456789012".utf8)
    static let seed64 = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    func testRFC6238Vectors() {
        let vectors: [(Int64, String, String, String)] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ]
        for (time, sha1, sha256, sha512) in vectors {
            XCTAssertEqual(TOTP(secret: Self.seed20, digits: 8, algorithm: .sha1).code(at: time), sha1, "\(time)")
            XCTAssertEqual(TOTP(secret: Self.seed32, digits: 8, algorithm: .sha256).code(at: time), sha256, "\(time)")
            XCTAssertEqual(TOTP(secret: Self.seed64, digits: 8, algorithm: .sha512).code(at: time), sha512, "\(time)")
        }
        // Six digits are the last six of the eight (the same truncation, modulo 10^6).
        XCTAssertEqual(TOTP(secret: Self.seed20).code(at: 59), "287082")
    }

    func testWindowIsOneStepEitherSide() {
        let totp = TOTP(secret: Self.seed20)
        let t: Int64 = 1_800_000_010  // step 60_000_000, 10 s into it
        let step = totp.step(at: t)
        XCTAssertEqual(totp.matchingStep(totp.code(step: step), at: t), step)
        XCTAssertEqual(totp.matchingStep(totp.code(step: step - 1), at: t), step - 1)
        XCTAssertEqual(totp.matchingStep(totp.code(step: step + 1), at: t), step + 1)
        XCTAssertNil(totp.matchingStep(totp.code(step: step - 2), at: t))
        XCTAssertNil(totp.matchingStep(totp.code(step: step + 2), at: t))
        // Edges: the last second of a step still accepts the next step's code, the first second
        // of the step after that no longer accepts the code from two steps back.
        let lastSecond = (step + 1) * 30 - 1
        XCTAssertEqual(totp.matchingStep(totp.code(step: step + 1), at: lastSecond), step + 1)
        XCTAssertNil(totp.matchingStep(totp.code(step: step - 1), at: (step + 1) * 30))
        XCTAssertNil(totp.matchingStep("12345", at: t))
        XCTAssertNil(totp.matchingStep("12345a", at: t))
    }

    func testBase32AndProvisioningURI() {
        XCTAssertEqual(Base32.encode(Array("foobar".utf8)), "MZXW6YTBOI")
        XCTAssertEqual(Base32.decode("mzxw6ytboi======"), Array("foobar".utf8))
        XCTAssertNil(Base32.decode("MZ1W"))
        let secret = SecureRandom.bytes(20)
        XCTAssertEqual(Base32.decode(Base32.encode(secret)), secret)
        let uri = TOTP(secret: Self.seed20).provisioningURI(issuer: "Acme Gatehouse", account: "somchai@example.co.th")
        XCTAssertEqual(uri, "otpauth://totp/Acme%20Gatehouse:somchai@example.co.th?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20Gatehouse&algorithm=SHA1&digits=6&period=30")
    }
}
