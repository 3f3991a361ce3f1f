import JSON
import XCTest

/// Numbers keep exactness: integers stay integers to the last digit, doubles round-trip bit
/// for bit, and nothing JSON cannot hold gets in.
final class NumberTests: XCTestCase {
    /// 2^53 + 1 is the first integer a `Double` cannot hold (SCIM used to round it to 2^53).
    func testIntegersBeyondDoublePrecisionStayExact() {
        XCTAssertEqual(read("9007199254740993"), .int(9_007_199_254_740_993))
        XCTAssertEqual(read("9007199254740993")?.serialized, "9007199254740993")
        XCTAssertEqual(read("-9007199254740993")?.int64Value, -9_007_199_254_740_993)
        XCTAssertEqual(read("[9007199254740993]")?[0]?.intValue, 9_007_199_254_740_993)
    }

    func testInt64Bounds() {
        XCTAssertEqual(read("9223372036854775807")?.int64Value, .max)
        XCTAssertEqual(read("-9223372036854775808")?.int64Value, .min)
        XCTAssertEqual(JSONValue.int(Int64.max).serialized, "9223372036854775807")
        XCTAssertEqual(JSONValue.int(Int64.min).serialized, "-9223372036854775808")
    }

    /// An integer literal beyond Int64 keeps its text: it reads, compares and writes exactly,
    /// but offers no `Int64`.
    func testBigIntegersKeepTheirText() throws {
        for text in ["9223372036854775808", "-9223372036854775809", "18446744073709551616",
                     "-100000000000000000000000000000000000000000000000001"] {
            let value = try XCTUnwrap(read(text))
            XCTAssertEqual(value, .number(.bigInteger(text)))
            XCTAssertEqual(value.serialized, text)
            XCTAssertNil(value.int64Value, text)
            XCTAssertEqual(value.doubleValue, Double(text), text)
            XCTAssertEqual(read("{\"n\":\(text)}")?["n"]?.numberValue?.text, text)
        }
    }

    func testNegativeZero() throws {
        // As an integer literal, -0 is the integer 0 (an integer has no sign of zero).
        XCTAssertEqual(read("-0"), .int(0))
        XCTAssertEqual(read("-0")?.serialized, "0")
        // As a double it keeps its sign through a write and a read.
        let double = try XCTUnwrap(read("-0.0")?.doubleValue)
        XCTAssertEqual(double.sign, .minus)
        XCTAssertEqual(JSONValue.double(-0.0).serialized, "-0.0")
        XCTAssertEqual(read(JSONValue.double(-0.0).serialized)?.doubleValue?.sign, .minus)
    }

    func testOutOfRangeRefusedUnderflowRounded() {
        XCTAssertEqual(refusal("1e400")?.reason, .numberOutOfRange)
        XCTAssertEqual(refusal("-1.7976931348623159e308")?.reason, .numberOutOfRange)
        XCTAssertEqual(read("1.7976931348623157e308")?.doubleValue, .greatestFiniteMagnitude)
        XCTAssertEqual(read("1e-400")?.doubleValue, 0)
        XCTAssertEqual(read("4.9406564584124654e-324")?.doubleValue, .leastNonzeroMagnitude)
    }

    /// Doubles are written as the shortest text that reads back as the same bits, with a
    /// `.` or an exponent so they read back as doubles.
    func testDoublesRoundTripBitForBit() throws {
        let samples: [Double] = [0.1, 1.0, 2.5, -3.75, 100, 1e15, 1e16, 1e20, 1e-5, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                 -.greatestFiniteMagnitude, .leastNormalMagnitude, 123_456_789.125, 0.30000000000000004,
                                 9_007_199_254_740_992, 1.0 / 3.0]
        for sample in samples {
            let text = JSONValue.double(sample).serialized
            XCTAssertTrue(text.contains(".") || text.contains("e"), text)
            let back = try XCTUnwrap(read(text)?.numberValue)
            guard case .double(let d) = back else { return XCTFail("\(text) read back as \(back)") }
            XCTAssertEqual(d.bitPattern, sample.bitPattern, text)
        }
        XCTAssertEqual(JSONValue.double(1).serialized, "1.0")
        XCTAssertEqual(JSONValue.double(1e20).serialized, "1e+20")
        XCTAssertEqual(JSONValue.double(0.1).serialized, "0.1")
    }

    /// JSON cannot hold them; the writer says `null` rather than emitting text no reader takes.
    func testNonFiniteDoublesAreWrittenAsNull() {
        XCTAssertEqual(JSONValue.double(.infinity).serialized, "null")
        XCTAssertEqual(JSONValue.double(-.infinity).serialized, "null")
        XCTAssertEqual(JSONValue.double(.nan).serialized, "null")
        XCTAssertEqual(JSONValue.array([.double(.nan), 1]).serialized, "[null,1]")
    }

    func testAccessors() {
        XCTAssertEqual(JSONNumber.double(2).int64Value, 2)
        XCTAssertNil(JSONNumber.double(2.5).int64Value)
        XCTAssertNil(JSONNumber.double(9.3e18).int64Value)
        XCTAssertEqual(JSONNumber.double(-9_223_372_036_854_775_808).int64Value, .min)
        XCTAssertNil(JSONNumber.double(.nan).int64Value)
        XCTAssertEqual(JSONNumber.int(7).doubleValue, 7)
        XCTAssertEqual(JSONNumber.int(-7).intValue, -7)
        XCTAssertEqual(JSONNumber.bigInteger("99999999999999999999").doubleValue, 1e20)
        XCTAssertEqual(JSONNumber.int(12).text, "12")
        XCTAssertEqual(JSONNumber.double(12).text, "12.0")
        XCTAssertNil(JSONValue.string("1").intValue)
        XCTAssertEqual(JSONValue.int(3).doubleValue, 3)
        XCTAssertEqual(JSONValue.int(5 as Int), 5)
        XCTAssertEqual(1.5 as JSONValue, .double(1.5))
    }

    /// Exponent forms are doubles even when integral; they never become integers by accident.
    func testExponentFormsAreDoubles() {
        XCTAssertEqual(read("1e2"), .double(100))
        XCTAssertEqual(read("1E+2")?.int64Value, 100)
        XCTAssertEqual(read("12e-1"), .double(1.2))
        XCTAssertEqual(read("0.0"), .double(0))
        XCTAssertEqual(read("123456789012345678901234567890e0"), .double(1.2345678901234568e29))
    }
}
