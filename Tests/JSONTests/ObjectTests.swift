import JSON
import XCTest

/// Objects: member order kept, lookup by name, unique names, equality by meaning.
final class ObjectTests: XCTestCase {
    func testOrderKeptAndWrittenSortedByDefault() throws {
        let value = try XCTUnwrap(read(#"{"z":1,"a":2,"m":{"y":0,"b":1}}"#))
        XCTAssertEqual(value.objectValue?.keys, ["z", "a", "m"])
        XCTAssertEqual(value.serialized, #"{"a":2,"m":{"b":1,"y":0},"z":1}"#)
        XCTAssertEqual(value.serialized(.insertionOrder), #"{"z":1,"a":2,"m":{"y":0,"b":1}}"#)
        // A literal keeps the order it was written in too.
        let literal: JSONValue = ["component": "ak-stage-identification", "flow_info": ["title": "x"], "a": 1]
        XCTAssertEqual(literal.serialized(.insertionOrder), #"{"component":"ak-stage-identification","flow_info":{"title":"x"},"a":1}"#)
        XCTAssertEqual(JSONValue.object(["b": 1, "a": 2]).serialized(.insertionOrder), #"{"b":1,"a":2}"#)
    }

    func testSettingReplacingAndRemoving() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3]
        object["b"] = "two"
        XCTAssertEqual(object.keys, ["a", "b", "c"], "replacing keeps the member's place")
        XCTAssertEqual(object["b"], "two")
        object["d"] = 4
        XCTAssertEqual(object.keys, ["a", "b", "c", "d"])
        object["a"] = nil
        XCTAssertEqual(object.keys, ["b", "c", "d"])
        XCTAssertEqual(object.removeValue(forKey: "c"), 3)
        XCTAssertNil(object.removeValue(forKey: "c"))
        XCTAssertEqual(object.keys, ["b", "d"])
        XCTAssertEqual(object.values, ["two", 4])
        XCTAssertEqual(object.count, 2)
        XCTAssertTrue(object.contains(key: "d"))
        XCTAssertFalse(object.contains(key: "a"))
        XCTAssertFalse(object.isEmpty)
        XCTAssertTrue(JSONObject().isEmpty)
    }

    /// Past the linear-search size an index takes over; it must agree with the members
    /// through appends, replacements and removals.
    func testLargeObjectLookups() {
        var object = JSONObject()
        for i in 0..<200 { object["k\(i)"] = .int(i) }
        for i in stride(from: 0, to: 200, by: 3) { object["k\(i)"] = nil }
        object["k1"] = "one"
        object["new"] = true
        for i in 0..<200 {
            let expected: JSONValue? = i % 3 == 0 ? nil : (i == 1 ? "one" : .int(i))
            XCTAssertEqual(object["k\(i)"], expected, "k\(i)")
        }
        XCTAssertEqual(object["new"], true)
        XCTAssertEqual(object.keys.first, "k1")
        XCTAssertEqual(object.keys.last, "new")
        XCTAssertEqual(object.count, 200 - 67 + 1)
    }

    func testDuplicateInLargeDocumentRefused() {
        var members = (0..<100).map { "\"m\($0)\":\($0)" }
        members.append("\"m3\":0")
        let text = "{" + members.joined(separator: ",") + "}"
        let error = refusal(text)
        XCTAssertEqual(error?.reason, .duplicateMember("m3"))
        XCTAssertEqual(error?.offset, text.utf8.count - 7)
        members.removeLast()
        XCTAssertEqual(read("{" + members.joined(separator: ",") + "}")?.objectValue?.count, 100)
    }

    /// Names are Swift strings: two spellings of é are one name in a lookup, on setting, and
    /// (see RefusedInputTests) on reading.
    func testCanonicallyEquivalentNamesAreOneName() {
        var object: JSONObject = ["\u{E9}": 1]
        XCTAssertEqual(object["e\u{301}"], 1)
        object["e\u{301}"] = 2
        XCTAssertEqual(object.count, 1)
        XCTAssertEqual(object["\u{E9}"], 2)
    }

    func testEqualityAndHashIgnoreOrder() throws {
        let a = try XCTUnwrap(read(#"{"x":1,"y":[1,2],"z":{"p":true,"q":null}}"#))
        let b = try XCTUnwrap(read(#"{"z":{"q":null,"p":true},"y":[1,2],"x":1}"#))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertEqual(Set([a, b]).count, 1)
        XCTAssertNotEqual(a, read(#"{"x":1,"y":[2,1],"z":{"p":true,"q":null}}"#), "array order matters")
        XCTAssertNotEqual(a, read(#"{"x":1,"y":[1,2]}"#))
        XCTAssertNotEqual(read(#"{"x":1}"#), read(#"{"x":1,"y":1}"#))
        XCTAssertNotEqual(read(#"{"x":1,"y":1}"#), read(#"{"x":1}"#))
        XCTAssertNotEqual(read(#"{"x":1}"#), read(#"{"y":1}"#))
        XCTAssertNotEqual(read(#"{"x":1}"#), read(#"{"x":"1"}"#))
    }

    func testDictionaryConversions() {
        let dictionary: [String: JSONValue] = ["b": 1, "a": [true], "c": ["d": .null]]
        let object = JSONObject(dictionary)
        XCTAssertEqual(object.keys, ["a", "b", "c"], "a dictionary's members arrive in name order")
        XCTAssertEqual(object.dictionary, dictionary)
        let pairs = JSONObject([("x", 1), ("y", 2), ("x", 3)])
        XCTAssertEqual(pairs.keys, ["x", "y"])
        XCTAssertEqual(pairs["x"], 3)
    }

    func testCollectionAndTransforms() {
        let object: JSONObject = ["a": 1, "b": 2, "c": 3]
        XCTAssertEqual(object.map(\.key), ["a", "b", "c"])
        XCTAssertEqual(object.first { $0.value == 2 }?.key, "b")
        XCTAssertEqual(object[1].key, "b")
        var names: [String] = []
        for (name, _) in object { names.append(name) }
        XCTAssertEqual(names, ["a", "b", "c"])
        let doubled = object.mapValues { .int(($0.int64Value ?? 0) * 2) }
        XCTAssertEqual(doubled.keys, ["a", "b", "c"])
        XCTAssertEqual(doubled["c"], 6)
        XCTAssertEqual(JSONObject(["b": 1, "a": 2]).sortedByKey.map(\.key), ["a", "b"])
    }

    func testValueAccessors() {
        let value: JSONValue = ["s": "x", "n": 1, "d": 1.5, "b": false, "a": [1, "two"], "o": ["k": .null]]
        XCTAssertEqual(value["s"]?.stringValue, "x")
        XCTAssertEqual(value["n"]?.intValue, 1)
        XCTAssertEqual(value["d"]?.doubleValue, 1.5)
        XCTAssertNil(value["d"]?.intValue)
        XCTAssertEqual(value["b"]?.boolValue, false)
        XCTAssertEqual(value["a"]?[1], "two")
        XCTAssertNil(value["a"]?[2])
        XCTAssertNil(value["a"]?[-1])
        XCTAssertEqual(value["a"]?.arrayValue?.count, 2)
        XCTAssertEqual(value["o"]?["k"]?.isNull, true)
        XCTAssertEqual(value["o"]?.objectValue?.count, 1)
        XCTAssertNil(value["missing"])
        XCTAssertNil(value[0], "an object has no elements")
        XCTAssertNil(JSONValue.string("x")["k"])
        XCTAssertNil(value["s"]?.boolValue)
        XCTAssertNil(value["s"]?.arrayValue)
        XCTAssertNil(value["s"]?.objectValue)
        XCTAssertNil(value["n"]?.stringValue)
        XCTAssertEqual(JSONValue.strings(["a", "b"]), ["a", "b"])
        XCTAssertEqual(value.description, value.serialized)
    }
}
