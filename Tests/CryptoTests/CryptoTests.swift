import XCTest
@testable import Crypto

final class DigestTests: XCTestCase {
    // FIPS 180-2 Appendix B.1 / C.1 / D.1: "abc"
    func testSHA256abc() {
        XCTAssertEqual(Hex.encode(Digest.sha256("abc")),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testSHA384abc() {
        XCTAssertEqual(Hex.encode(Digest.sha384("abc")),
                       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
    }

    func testSHA512abc() {
        XCTAssertEqual(Hex.encode(Digest.sha512("abc")),
                       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    }

    func testSHA256Empty() {
        XCTAssertEqual(Hex.encode(Digest.sha256([UInt8]())),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testSHA256TwoBlockMessage() {
        XCTAssertEqual(Hex.encode(Digest.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

final class HMACTests: XCTestCase {
    // RFC 4231 test case 1
    func testRFC4231Case1() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let msg = Array("Hi There".utf8)
        XCTAssertEqual(Hex.encode(HMAC.sha256(key: key, message: msg)),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        XCTAssertEqual(Hex.encode(HMAC.sha512(key: key, message: msg)),
                       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                       + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")
    }

    // RFC 4231 test case 2
    func testRFC4231Case2() {
        let key = Array("Jefe".utf8)
        let msg = Array("what do ya want for nothing?".utf8)
        XCTAssertEqual(Hex.encode(HMAC.sha256(key: key, message: msg)),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(Hex.encode(HMAC.sha512(key: key, message: msg)),
                       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                       + "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")
    }

    func testEmptyKeyAndMessage() {
        // Well-known value: HMAC-SHA256 with empty key over empty message.
        XCTAssertEqual(Hex.encode(HMAC.sha256(key: [], message: [])),
                       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(constantTimeEquals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(constantTimeEquals([1, 2, 3], [1, 2]))
        XCTAssertFalse(constantTimeEquals([], [0]))
        XCTAssertTrue(constantTimeEquals([], []))
    }
}

final class EncodingTests: XCTestCase {
    func testBase64URLKnownValues() {
        // RFC 4648 §10 vectors, in the URL alphabet without padding.
        let cases: [(String, String)] = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"),
                                         ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in cases {
            XCTAssertEqual(Base64URL.encode(plain), encoded)
            XCTAssertEqual(Base64URL.decode(encoded), Array(plain.utf8))
        }
        XCTAssertEqual(Base64URL.encode([0xfb, 0xff, 0xbf]), "-_-_")
    }

    func testBase64URLRoundTripAllLengths() {
        for n in 0..<70 {
            let bytes = SecureRandom.bytes(n)
            XCTAssertEqual(Base64URL.decode(Base64URL.encode(bytes)), bytes, "length \(n)")
        }
    }

    func testBase64URLRejects() {
        XCTAssertNil(Base64URL.decode("Zg=="), "padding")
        XCTAssertNil(Base64URL.decode("+/+/"), "standard alphabet")
        XCTAssertNil(Base64URL.decode("Zm9 v"), "whitespace")
        XCTAssertNil(Base64URL.decode("Z"), "impossible length")
        XCTAssertNil(Base64URL.decode("Zh"), "non-zero trailing bits")
        XCTAssertNil(Base64URL.decode("Zm9vYmE\u{0}"), "NUL")
    }

    func testHex() {
        XCTAssertEqual(Hex.encode([0x00, 0xab, 0xff]), "00abff")
        XCTAssertEqual(Hex.decode("00ABff"), [0x00, 0xab, 0xff])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }

    func testRandom() {
        XCTAssertEqual(SecureRandom.bytes(0).count, 0)
        XCTAssertEqual(SecureRandom.bytes(48).count, 48)
        XCTAssertNotEqual(SecureRandom.bytes(32), SecureRandom.bytes(32))
        let token = SecureRandom.token()
        XCTAssertEqual(token.count, 43)
        XCTAssertEqual(Base64URL.decode(token)?.count, 32)
    }
}
