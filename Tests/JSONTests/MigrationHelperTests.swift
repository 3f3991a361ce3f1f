import JSON
import XCTest

/// The small pieces the rooms moving onto `JSONValue` need (see JSON-MIGRATION.md): error
/// positions for people, number literals and numeric order for SCIM filters, merging objects.
final class MigrationHelperTests: XCTestCase {
    func testErrorPositionInLinesAndColumns() throws {
        let text = "{\"a\": 1,\n  \"b\" 2}"
        let error = try XCTUnwrap(refusal(text))
        XCTAssertEqual(error.reason, .expectedColon)
        XCTAssertEqual(error.position(in: text).line, 2)
        XCTAssertEqual(error.position(in: text).column, 7)
        // Columns count characters, not bytes.
        let thai = "[\"ไทย\", x]"
        let position = try XCTUnwrap(refusal(thai)).position(in: thai)
        XCTAssertEqual(position.line, 1)
        XCTAssertEqual(position.column, 9)
        XCTAssertEqual(JSONError(.unexpectedEnd, at: 0).position(in: "").line, 1)
    }

    func testNumberLiterals() {
        XCTAssertEqual(JSONNumber("42"), .int(42))
        XCTAssertEqual(JSONNumber("-0.5"), .double(-0.5))
        XCTAssertEqual(JSONNumber("1e2"), .double(100))
        XCTAssertEqual(JSONNumber("99999999999999999999"), .bigInteger("99999999999999999999"))
        XCTAssertEqual(JSONNumber("12"[...]), .int(12))
        for text in ["", " 1", "1 ", "+1", ".5", "1.", "0x10", "01", "NaN", "Infinity", "1e400", "\"1\"", "[1]", "-", "1-"] {
            XCTAssertNil(JSONNumber(text), text)
        }
    }

    func testNumericOrderAcrossKinds() {
        func order(_ a: JSONNumber, _ b: JSONNumber) -> JSONNumber.Order? { a.order(comparedTo: b) }
        XCTAssertEqual(order(.int(1), .double(1)), .equal)
        XCTAssertEqual(order(.double(1), .int(1)), .equal)
        XCTAssertEqual(order(.int(1), .double(1.5)), .less)
        XCTAssertEqual(order(.int(2), .double(1.5)), .greater)
        XCTAssertEqual(order(.int(-2), .double(-1.5)), .less)
        XCTAssertEqual(order(.double(-1.5), .int(-1)), .less)
        // Exact where a Double would round: 2^53 + 1 is greater than 2^53 as a double.
        XCTAssertEqual(order(.int(9_007_199_254_740_993), .double(9_007_199_254_740_992)), .greater)
        XCTAssertEqual(order(.int(.max), .double(9_223_372_036_854_775_808)), .less)
        XCTAssertEqual(order(.int(.min), .double(-9_223_372_036_854_775_808)), .equal)
        XCTAssertEqual(order(.int(.min), .double(-1e19)), .greater)
        XCTAssertEqual(order(.int(5), .double(.infinity)), .less)
        XCTAssertEqual(order(.int(5), .double(-.infinity)), .greater)
        XCTAssertNil(order(.int(5), .double(.nan)))
        XCTAssertNil(order(.double(.nan), .double(1)))
        XCTAssertEqual(order(.double(-0.0), .double(0)), .equal)
        XCTAssertEqual(order(.int(3), .int(4)), .less)
        // Big integers: sign, length, digits.
        let big = JSONNumber.bigInteger("10000000000000000000")
        let bigger = JSONNumber.bigInteger("10000000000000000001")
        let negative = JSONNumber.bigInteger("-10000000000000000000")
        let moreNegative = JSONNumber.bigInteger("-100000000000000000000")
        XCTAssertEqual(order(big, bigger), .less)
        XCTAssertEqual(order(bigger, big), .greater)
        XCTAssertEqual(order(big, big), .equal)
        XCTAssertEqual(order(negative, big), .less)
        XCTAssertEqual(order(moreNegative, negative), .less)
        XCTAssertEqual(order(negative, moreNegative), .greater)
        XCTAssertEqual(order(big, .int(.max)), .greater)
        XCTAssertEqual(order(.int(.min), negative), .greater)
        XCTAssertEqual(order(big, .double(1e20)), .less)
        XCTAssertEqual(order(.double(1e18), big), .less)
        XCTAssertEqual(order(big, .double(1e19)), .equal, "the big integer's nearest double")
        XCTAssertNil(order(big, .double(.nan)))
    }

    func testMerging() {
        let base: JSONObject = ["type": "work", "value": "a@example.com"]
        let merged = base.merging(["primary": true, "value": "b@example.com"]) { _, new in new }
        XCTAssertEqual(merged.keys, ["type", "value", "primary"])
        XCTAssertEqual(merged["value"], "b@example.com")
        var kept = base
        kept.merge(["value": "c@example.com", "display": "C"]) { current, _ in current }
        XCTAssertEqual(kept["value"], "a@example.com")
        XCTAssertEqual(kept["display"], "C")
        XCTAssertEqual(base.count, 2, "merging leaves the original alone")
    }
}
