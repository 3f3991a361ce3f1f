import JSON
import XCTest

/// Every bound in `JSONLimits`, at the limit and one past it.
final class LimitsTests: XCTestCase {
    /// A megabyte of `[` fails cleanly at the depth limit, never with a stack overflow.
    func testMillionOpenBracketsFailAtTheDepthLimit() {
        let brackets = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        XCTAssertEqual(refusal(brackets), JSONError(.tooDeep, at: 64))
        XCTAssertEqual(refusal(brackets, limits: JSONLimits(maxDepth: JSONLimits.depthCeiling)),
                       JSONError(.tooDeep, at: JSONLimits.depthCeiling))
        let objects = [UInt8](String(repeating: #"{"a":"#, count: 200_000).utf8)
        XCTAssertEqual(refusal(objects), JSONError(.tooDeep, at: 64 * 5))
    }

    func testDepthAtTheLimit() {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        XCTAssertNotNil(read(nested(64)))
        XCTAssertEqual(refusal(nested(65)), JSONError(.tooDeep, at: 64))
        XCTAssertNotNil(read(nested(3), limits: JSONLimits(maxDepth: 3)))
        XCTAssertEqual(refusal(#"[{"a":[{"b":1}]}]"#, limits: JSONLimits(maxDepth: 3)), JSONError(.tooDeep, at: 7))
        XCTAssertEqual(read("1", limits: JSONLimits(maxDepth: 0)), 1)
        XCTAssertEqual(refusal("[]", limits: JSONLimits(maxDepth: 0)), JSONError(.tooDeep, at: 0))
    }

    /// The deepest value the limits allow can be read, compared, hashed, written and released.
    func testDeepestAllowedValueIsUsable() throws {
        let depth = JSONLimits.depthCeiling
        let text = String(repeating: #"{"a":["#, count: depth / 2) + "1" + String(repeating: "]}", count: depth / 2)
        let limits = JSONLimits(maxDepth: depth)
        let value = try JSONValue(parsing: text, limits: limits)
        let again = try JSONValue(parsing: text, limits: limits)
        XCTAssertEqual(value, again)
        XCTAssertEqual(value.hashValue, again.hashValue)
        XCTAssertEqual(value.serialized, text)
        XCTAssertEqual(refusal(text), JSONError(.tooDeep, at: 32 * 6), "the 65th level is the 33rd {")
    }

    func testDocumentSize() {
        let limits = JSONLimits(maxBytes: 10)
        XCTAssertEqual(read("[1,2,3,45]", limits: limits)?.arrayValue?.count, 4)
        XCTAssertEqual(refusal("[1,2,3,456]", limits: limits), JSONError(.tooLarge, at: 10))
        // Refused unread: the size is checked before the first byte.
        XCTAssertEqual(refusal("\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}", limits: limits)?.reason, .tooLarge)
        XCTAssertEqual(refusal([UInt8](repeating: 0x20, count: (1 << 20) + 1))?.reason, .tooLarge)
    }

    /// String length counts UTF-8 bytes after unescaping, for values and member names.
    func testStringLength() {
        let limits = JSONLimits(maxStringBytes: 4)
        XCTAssertEqual(read(#""abcd""#, limits: limits), "abcd")
        XCTAssertEqual(refusal(#""abcde""#, limits: limits), JSONError(.stringTooLong, at: 0))
        XCTAssertEqual(read(#""\u00e9\u00e9""#, limits: limits), "éé")
        XCTAssertEqual(refusal(#"["\u00e9\u00e9\u00e9"]"#, limits: limits), JSONError(.stringTooLong, at: 1))
        XCTAssertEqual(read(#""\n\n\n\n""#, limits: limits), "\n\n\n\n")
        XCTAssertEqual(refusal("\"ไทย\"", limits: limits), JSONError(.stringTooLong, at: 0))
        XCTAssertEqual(refusal(#"{"abcde":1}"#, limits: limits), JSONError(.stringTooLong, at: 1))
        XCTAssertEqual(read(#"{"abcd":"wxyz"}"#, limits: limits)?["abcd"], "wxyz")
    }

    func testEntriesPerContainer() {
        let limits = JSONLimits(maxEntries: 3)
        XCTAssertEqual(read("[1,2,3]", limits: limits)?.arrayValue?.count, 3)
        XCTAssertEqual(refusal("[1,2,3,4]", limits: limits), JSONError(.tooManyEntries, at: 6))
        XCTAssertEqual(read(#"{"a":1,"b":2,"c":3}"#, limits: limits)?.objectValue?.count, 3)
        XCTAssertEqual(refusal(#"{"a":1,"b":2,"c":3,"d":4}"#, limits: limits), JSONError(.tooManyEntries, at: 18))
        // The bound is per container, not for the whole document.
        XCTAssertNotNil(read("[[1,2,3],[1,2,3],[1,2,3]]", limits: limits))
    }

    func testDefaults() {
        let limits = JSONLimits.default
        XCTAssertEqual(limits.maxBytes, 1 << 20)
        XCTAssertEqual(limits.maxDepth, 64)
        XCTAssertEqual(limits.maxStringBytes, 256 * 1024)
        XCTAssertEqual(limits.maxEntries, 100_000)
        XCTAssertEqual(refusal("\"" + String(repeating: "x", count: 256 * 1024 + 1) + "\"")?.reason, .stringTooLong)
        XCTAssertEqual(refusal("[" + Array(repeating: "0", count: 100_001).joined(separator: ",") + "]")?.reason, .tooManyEntries)
    }
}
