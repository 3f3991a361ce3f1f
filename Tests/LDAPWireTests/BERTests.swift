import XCTest
@testable import LDAPWire

/// The BER primitives, from byte strings (X.690 as restricted by RFC 4511 §5.1).
final class BERTests: XCTestCase {

    private func reader(_ text: String, limits: LDAPLimits = .default) -> BERReader {
        BERReader(hex(text), limits: limits)
    }

    func testIntegersDecodeIncludingNegativeAndLongestForms() throws {
        let cases: [(String, Int64)] = [
            ("02 01 00", 0), ("02 01 7f", 127), ("02 02 00 80", 128), ("02 01 80", -128),
            ("02 01 ff", -1), ("02 02 ff 7f", -129), ("02 04 7f ff ff ff", 2_147_483_647),
            ("02 08 7f ff ff ff ff ff ff ff", Int64.max), ("02 08 80 00 00 00 00 00 00 00", Int64.min),
        ]
        for (bytes, value) in cases {
            var r = reader(bytes)
            XCTAssertEqual(try r.readInteger("n"), value, bytes)
            XCTAssertTrue(r.isAtEnd)
        }
    }

    func testIntegersEncodeMinimally() {
        let cases: [(Int64, String)] = [
            (0, "02 01 00"), (127, "02 01 7f"), (128, "02 02 00 80"), (-128, "02 01 80"), (-129, "02 02 ff 7f"),
            (256, "02 02 01 00"), (Int64.max, "02 08 7f ff ff ff ff ff ff ff"), (Int64.min, "02 08 80 00 00 00 00 00 00 00"),
        ]
        for (value, bytes) in cases {
            var w = BERWriter()
            w.writeInteger(value)
            XCTAssertEqual(w.bytes, hex(bytes), "\(value)")
        }
    }

    func testRedundantLeadingOctetsAreReadButMoreThanEightAreRefused() throws {
        var padded = reader("02 04 00 00 00 05")
        XCTAssertEqual(try padded.readInteger("id"), 5)
        var long = reader("02 09 00 00 00 00 00 00 00 00 05")
        XCTAssertThrowsError(try long.readInteger("id")) { error in
            XCTAssertEqual(error as? LDAPWireError, .integerTooLong(what: "id", octets: 9))
        }
        var empty = reader("02 00")
        XCTAssertThrowsError(try empty.readInteger("id")) { error in
            XCTAssertEqual(error as? LDAPWireError, .invalidLength(what: "id", length: 0))
        }
    }

    func testIntegerRangeIsChecked() {
        var negative = reader("02 01 ff")
        XCTAssertThrowsError(try negative.readInteger("messageID", in: 0...2_147_483_647)) { error in
            guard case .outOfRange(_, -1, _)? = error as? LDAPWireError else { return XCTFail("\(error)") }
        }
        var big = reader("02 05 00 80 00 00 00")
        XCTAssertThrowsError(try big.readInteger("messageID", in: 0...2_147_483_647))
    }

    func testBooleanAcceptsAnyNonZeroAndWritesFF() throws {
        var r = reader("01 01 00 01 01 01 01 01 ff")
        XCTAssertFalse(try r.readBoolean("b"))
        XCTAssertTrue(try r.readBoolean("b"))
        XCTAssertTrue(try r.readBoolean("b"))
        var w = BERWriter()
        w.writeBoolean(true)
        w.writeBoolean(false)
        XCTAssertEqual(w.bytes, hex("01 01 ff 01 01 00"))
    }

    func testBooleanOfWrongLengthIsRefused() {
        for bytes in ["01 02 00 ff", "01 00"] {
            var r = reader(bytes)
            XCTAssertThrowsError(try r.readBoolean("typesOnly"), bytes) { error in
                guard case .invalidLength("typesOnly", _)? = error as? LDAPWireError else { return XCTFail("\(error)") }
            }
        }
    }

    func testNullMustBeEmpty() throws {
        var ok = reader("05 00")
        XCTAssertNoThrow(try ok.readNull("n"))
        var bad = reader("05 01 00")
        XCTAssertThrowsError(try bad.readNull("n"))
    }

    func testLongFormLengthsIncludingNonMinimalOnes() throws {
        // 0x81 0x03 and 0x84 00 00 00 03 both say 3 (AD writes four length octets always).
        for bytes in ["04 81 03 61 62 63", "04 84 00 00 00 03 61 62 63", "04 03 61 62 63"] {
            var r = reader(bytes)
            XCTAssertEqual(try r.readOctetString("s"), ascii("abc"), bytes)
        }
        var w = BERWriter()
        w.writeOctetString([UInt8](repeating: 0x61, count: 200))
        XCTAssertEqual(Array(w.bytes.prefix(3)), hex("04 81 c8"))
        var w2 = BERWriter()
        w2.writeOctetString([UInt8](repeating: 0x61, count: 300))
        XCTAssertEqual(Array(w2.bytes.prefix(4)), hex("04 82 01 2c"))
    }

    func testConstructedLengthIsFilledInAfterTheContent() {
        var w = BERWriter()
        w.writeConstructed(.sequence) { w in
            w.writeOctetString([UInt8](repeating: 0x62, count: 130))
        }
        XCTAssertEqual(Array(w.bytes.prefix(6)), hex("30 81 85 04 81 82"))
        XCTAssertEqual(w.bytes.count, 3 + 3 + 130)
    }

    func testIndefiniteLengthIsRefused() {
        var r = reader("30 80 02 01 01 00 00")
        XCTAssertThrowsError(try r.readConstructed(.sequence, "LDAPMessage")) { error in
            XCTAssertEqual(error as? LDAPWireError, .indefiniteLength(what: "LDAPMessage"))
        }
    }

    func testMoreThanFourLengthOctetsAreRefused() {
        for bytes in ["04 85 00 00 00 00 01 61", "04 ff 61"] {
            var r = reader(bytes)
            XCTAssertThrowsError(try r.readOctetString("s"), bytes) { error in
                guard case .lengthTooLong("s", _)? = error as? LDAPWireError else { return XCTFail("\(error)") }
            }
        }
    }

    func testLengthBeyondTheLimitIsRefusedBeforeReadingTheBody() {
        var r = reader("04 84 7f ff ff ff 61")
        XCTAssertThrowsError(try r.readOctetString("s")) { error in
            XCTAssertEqual(error as? LDAPWireError, .tooLarge(what: "s", length: 0x7fff_ffff, limit: 1024 * 1024))
        }
    }

    func testTruncatedElementsAreRefused() {
        for bytes in ["04", "04 05 61 62", "04 82 01", "02 02 01"] {
            var r = reader(bytes)
            XCTAssertThrowsError(try r.readPrimitive(BERTag(byte: hex(bytes)[0])!, "x"), bytes) { error in
                guard case .truncated? = error as? LDAPWireError else { return XCTFail("\(bytes): \(error)") }
            }
        }
    }

    func testHighTagNumbersAreRefused() {
        var r = reader("1f 81 00 00")
        XCTAssertThrowsError(try r.readElement("x")) { error in
            XCTAssertEqual(error as? LDAPWireError, .highTagNumber(what: "x"))
        }
    }

    func testConstructedOctetStringIsRefused() {
        // RFC 4511 §5.1: "OCTET STRING values are encoded in the primitive form only."
        var r = reader("24 05 04 03 61 62 63")
        XCTAssertThrowsError(try r.readOctetString("s")) { error in
            guard case .unexpectedTag("s", _, let found)? = error as? LDAPWireError else { return XCTFail("\(error)") }
            XCTAssertEqual(found.byte, 0x24)
        }
    }

    func testTrailingBytesInsideASequenceAreRefused() throws {
        var r = reader("30 05 02 01 01 05 00")
        var seq = try r.readConstructed(.sequence, "seq")
        XCTAssertEqual(try seq.readInteger("n"), 1)
        XCTAssertThrowsError(try seq.finish("seq")) { error in
            XCTAssertEqual(error as? LDAPWireError, .trailingBytes(what: "seq", count: 2))
        }
    }

    func testAnInnerLengthPastItsSequenceIsTruncation() throws {
        // The SEQUENCE says 3 bytes, its OCTET STRING claims 5: the inner reader sees only 3.
        var r = reader("30 03 04 05 61 62 63 64 65")
        var seq = try r.readConstructed(.sequence, "seq")
        XCTAssertThrowsError(try seq.readOctetString("s")) { error in
            guard case .truncated? = error as? LDAPWireError else { return XCTFail("\(error)") }
        }
    }

    func testNestingDepthIsBounded() throws {
        let limits = LDAPLimits(maxNestingDepth: 3)
        var r = reader("30 06 30 04 30 02 30 00", limits: limits)
        var a = try r.readConstructed(.sequence, "1")
        var b = try a.readConstructed(.sequence, "2")
        var c = try b.readConstructed(.sequence, "3")
        XCTAssertThrowsError(try c.readConstructed(.sequence, "4")) { error in
            XCTAssertEqual(error as? LDAPWireError, .tooDeep(what: "4", limit: 3))
        }
    }

    func testStringsMustBeUTF8() {
        var r = reader("04 02 c3 28")
        XCTAssertThrowsError(try r.readString("name")) { error in
            XCTAssertEqual(error as? LDAPWireError, .invalidUTF8(what: "name"))
        }
    }

    func testTagDescriptionsNameTheElement() {
        XCTAssertEqual(BERTag.sequence.description, "SEQUENCE constructed (0x30)")
        XCTAssertEqual(BERTag.application(3, constructed: true).description, "[APPLICATION 3] constructed (0x63)")
        XCTAssertEqual(BERTag.context(7).description, "[7] (0x87)")
    }
}
