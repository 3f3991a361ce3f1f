import XCTest
import Crypto
import XMLSec

final class RawDeflateTests: XCTestCase {
    /// Python's zlib.compressobj(9, zlib.DEFLATED, -15) of a small AuthnRequest.
    static let vector = "b3294ecccd29b0722c2dc9c80b4a2d2c4d2d2e51a8c8cdc92bb6024bd82a9516e559e5271667165be525e6a6165b95245b053bfafa5819e919581514e597e427e7e7282978bad82ac5271a2a2984a5161567e6e7d92a01e595f4ed00"
    static let plain = "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_a1\" Version=\"2.0\"/>"

    func testInflatesAnIndependentlyDeflatedMessage() throws {
        let compressed = try XCTUnwrap(Hex.decode(Self.vector))
        XCTAssertEqual(String(decoding: try RawDeflate.inflate(compressed), as: UTF8.self), Self.plain)
    }

    func testRoundTrip() throws {
        for size in [0, 1, 100, 70_000, 300_000] {
            let bytes = SecureRandom.bytes(size / 2) + Array(repeating: UInt8(ascii: "a"), count: size - size / 2)
            XCTAssertEqual(try RawDeflate.inflate(RawDeflate.deflate(bytes)), bytes)
        }
        XCTAssertLessThan(RawDeflate.deflate(Array(Self.plain.utf8)).count, Self.plain.utf8.count)
    }

    /// 16 MiB of zeros deflate to about 16 KiB; inflating stops at the cap.
    func testDeflateBombIsCutOffAtTheCap() throws {
        let bomb = RawDeflate.deflate([UInt8](repeating: 0, count: 16 << 20))
        XCTAssertLessThan(bomb.count, 20_000)
        XCTAssertThrowsError(try RawDeflate.inflate(bomb)) { error in
            XCTAssertEqual(error as? InflateError, .tooLarge(limit: 1 << 20))
        }
        let exact = RawDeflate.deflate([UInt8](repeating: 7, count: 1000))
        XCTAssertEqual(try RawDeflate.inflate(exact, maxOutput: 1000).count, 1000)
        XCTAssertThrowsError(try RawDeflate.inflate(exact, maxOutput: 999)) { error in
            XCTAssertEqual(error as? InflateError, .tooLarge(limit: 999))
        }
    }

    func testCorruptTruncatedAndTrailingInputIsRefused() throws {
        let compressed = try XCTUnwrap(Hex.decode(Self.vector))
        XCTAssertEqual(try? RawDeflate.inflate(Array(compressed.dropLast(5))), nil)
        XCTAssertThrowsError(try RawDeflate.inflate(Array(compressed.prefix(10)))) { error in
            XCTAssertEqual(error as? InflateError, .truncated)
        }
        XCTAssertThrowsError(try RawDeflate.inflate(compressed + [0x00])) { error in
            XCTAssertEqual(error as? InflateError, .trailingData)
        }
        XCTAssertThrowsError(try RawDeflate.inflate([0xFF, 0xFF, 0xFF, 0xFF]))
        XCTAssertThrowsError(try RawDeflate.inflate([]))
        // A zlib-wrapped stream (header 78 DA) is not raw DEFLATE.
        XCTAssertThrowsError(try RawDeflate.inflate([0x78, 0xDA] + compressed))
    }
}
