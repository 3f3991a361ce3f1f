import XCTest
import JSON
@testable import Expressions

final class JSONTests: XCTestCase {
    func testParsesJSON() throws {
        let value = try ExprValue(jsonText: #" {"a": [1, -2, 3.5, 1e2, true, false, null], "b": {"c": "x\"y\\z\/\n\u00e9\ud83d\ude00"}, "big": 18446744073709551616} "#)
        XCTAssertEqual(value, .map([
            "a": .list([.int(1), .int(-2), .double(3.5), .double(100), .bool(true), .bool(false), .null]),
            "b": .map(["c": .string("x\"y\\z/\né😀")]),
            "big": .double(18446744073709551616),
        ]))
    }

    func testRoundTrip() throws {
        let value = ExprValue.map([
            "z": .list([.int(-7), .double(0.25), .double(3), .null, .bool(true)]),
            "a": .string("quote\" back\\ tab\t nl\n ctl\u{01} ไทย"),
            "m": .map(["k": .list([])]),
        ])
        let text = value.jsonText()
        XCTAssertEqual(text, #"{"a":"quote\" back\\ tab\t nl\n ctl\u0001 ไทย","m":{"k":[]},"z":[-7,0.25,3.0,null,true]}"#)
        XCTAssertEqual(try ExprValue(jsonText: text), value)
        XCTAssertEqual(ExprValue.double(.nan).jsonText(), "null")
    }

    func testRejectsBadJSONWithPosition() {
        func failure(_ text: String) -> ExpressionError? {
            do { _ = try ExprValue(jsonText: text); return nil } catch { return error }
        }
        XCTAssertEqual(failure("{\"a\": 1,\n  \"b\" 2}")?.description, "line 2, column 7: invalid JSON: expected ':'")
        XCTAssertEqual(failure("[1, 2")?.kind, .parse)
        XCTAssertNotNil(failure("01"))
        XCTAssertNotNil(failure("[1,]"))
        XCTAssertNotNil(failure("\"a\tb\""))
        XCTAssertNotNil(failure("\"\\ud800\""))
        XCTAssertNotNil(failure("tru"))
        XCTAssertNotNil(failure("1 2"))
        XCTAssertNotNil(failure(""))
        XCTAssertEqual(failure(String(repeating: "[", count: 100_000))?.message, "invalid JSON: nested deeper than 128 levels")
        XCTAssertNil(failure(String(repeating: "[", count: 128) + String(repeating: "]", count: 128)))
    }

    func testDuplicateMembersAreRefused() {
        // Was: the last one wins. Now the JSON room's reader refuses the document, where it is.
        do {
            _ = try ExprValue(jsonText: "{\"role\": \"user\",\n \"role\": \"admin\"}")
            XCTFail("a duplicate member was accepted")
        } catch {
            XCTAssertEqual(error.description, #"line 2, column 2: invalid JSON: duplicate member "role""#)
        }
    }

    func testConvertsToAndFromJSONValue() throws {
        let json = try JSONValue(parsing: #"{"i":7,"d":7.0,"big":18446744073709551616,"l":[null,true,"s"],"m":{}}"#)
        let value = ExprValue(json: json)
        XCTAssertEqual(value, .map(["i": .int(7), "d": .double(7), "big": .double(18446744073709551616),
                                    "l": .list([.null, .bool(true), .string("s")]), "m": .map([:])]))
        XCTAssertEqual(JSONValue(ExprValue.map(["i": .int(7), "d": .double(7), "l": .list([.null, .bool(true), .string("s")])])),
                       ["d": .double(7), "i": 7, "l": [.null, true, "s"]])
        XCTAssertEqual(JSONValue(ExprValue.double(.infinity)).serialized, "null")
    }

    func testAttributesFromJSONDriveAnExpression() throws {
        let attributes = try ExprValue(jsonText: #"{"m3_roles": ["AR_CLERK"], "cost_center": "4410"}"#)
        let context: [String: ExprValue] = ["user": .map(["attributes": attributes, "groups": .list([])])]
        let claims = try Expression.parse("{'roles': user.attributes.m3_roles, 'cc': int(user.attributes.cost_center)}").evaluate(context)
        XCTAssertEqual(claims.jsonText(), #"{"cc":4410,"roles":["AR_CLERK"]}"#)
    }

    func testTruthiness() {
        XCTAssertEqual(ExprValue.bool(true).asBool, true)
        XCTAssertNil(ExprValue.int(1).asBool)
        XCTAssertFalse(ExprValue.null.isTruthy)
        XCTAssertFalse(ExprValue.string("").isTruthy)
        XCTAssertTrue(ExprValue.list([.null]).isTruthy)
    }
}
