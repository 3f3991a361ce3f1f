import XCTest
@testable import Crypto

final class HKDFTests: XCTestCase {
    // RFC 5869 appendix A.1 (test case 1).
    func testRFC5869Case1() {
        let okm = HKDF.sha256(ikm: [UInt8](repeating: 0x0b, count: 22),
                              salt: Array(0x00...0x0c), info: Array(0xf0...0xf9), length: 42)
        XCTAssertEqual(Hex.encode(okm),
                       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    // RFC 5869 appendix A.3 (test case 3): no salt, no info.
    func testRFC5869Case3() {
        let okm = HKDF.sha256(ikm: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [], length: 42)
        XCTAssertEqual(Hex.encode(okm),
                       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
    }
}

final class AESGCMTests: XCTestCase {
    // GCM specification (McGrew & Viega) test cases 13 and 14: AES-256, zero key and IV.
    func testKnownVectors() {
        let key = [UInt8](repeating: 0, count: 32), nonce = [UInt8](repeating: 0, count: 12)
        XCTAssertEqual(Hex.encode(AESGCM.seal([], key: key, nonce: nonce, aad: [])),
                       "530f8afbc74536b9a963b4f1c4cb738b")
        let sealed = AESGCM.seal([UInt8](repeating: 0, count: 16), key: key, nonce: nonce, aad: [])
        XCTAssertEqual(Hex.encode(sealed), "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919")
        XCTAssertEqual(AESGCM.open(sealed, key: key, nonce: nonce, aad: []), [UInt8](repeating: 0, count: 16))
        XCTAssertNil(AESGCM.open(sealed, key: key, nonce: nonce, aad: [1]))
        XCTAssertNil(AESGCM.open(Array(sealed.prefix(15)), key: key, nonce: nonce, aad: []))
    }
}
