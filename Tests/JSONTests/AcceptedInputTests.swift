import JSON
import XCTest

/// Documents every RFC 8259 reader must accept (`y_`), and the cases the RFC leaves to the
/// implementation (`i_`) with the outcome Gatehouse chose. Written for this reader, in the
/// spirit of JSONTestSuite's classes.
final class AcceptedInputTests: XCTestCase {
    let accepted: [(name: String, text: String, expected: JSONValue)] = [
        ("y_array_empty", "[]", []),
        ("y_array_nested_empty", "[[]]", [[]]),
        ("y_array_spaces", " [ 1 , 2 ] ", [1, 2]),
        ("y_array_every_whitespace", "\t\r\n [\t1\r\n,\n2 ]\n", [1, 2]),
        ("y_array_every_kind", #"[null, true, false, 0, "", [], {}]"#, [.null, true, false, 0, "", [], [:]]),
        ("y_object_empty", "{}", [:]),
        ("y_object_empty_name", #"{"":0}"#, ["": 0]),
        ("y_object_names_differ_by_case", #"{"a":1,"A":2}"#, ["a": 1, "A": 2]),
        ("y_object_nested", #"{"a":{"b":{"c":[]}}}"#, ["a": ["b": ["c": []]]]),
        ("y_object_same_name_in_sibling_objects", #"[{"a":1},{"a":2}]"#, [["a": 1], ["a": 2]]),
        ("y_object_same_name_nested", #"{"a":{"a":1}}"#, ["a": ["a": 1]]),
        ("y_object_space_around_colon", "{ \"a\" : 1 }", ["a": 1]),
        ("y_number_zero", "0", 0),
        ("y_number_negative", "-1", -1),
        ("y_number_fraction", "0.5", 0.5),
        ("y_number_negative_zero_double", "-0.0", .double(-0.0)),
        ("y_number_exponent", "1E2", .double(100)),
        ("y_number_exponent_plus", "1e+2", .double(100)),
        ("y_number_exponent_minus", "1e-2", .double(0.01)),
        ("y_number_fraction_exponent", "123.456e-7", .double(123.456e-7)),
        ("y_number_zero_exponent", "0e0", .double(0)),
        ("y_number_int64_max", "9223372036854775807", .int(Int64.max)),
        ("y_number_int64_min", "-9223372036854775808", .int(Int64.min)),
        ("y_string_empty", #""""#, ""),
        ("y_string_short_escapes", #""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        ("y_string_unicode_escape", #""\u00e9""#, "é"),
        ("y_string_unicode_escape_upper_hex", #""\u20AC""#, "€"),
        ("y_string_surrogate_pair", #""\uD83D\uDE00""#, "😀"),
        ("y_string_escaped_nul", #""a\u0000b""#, "a\u{0}b"),
        ("y_string_raw_utf8", "\"ไทย 😀 é\"", "ไทย 😀 é"),
        ("y_string_raw_del", "\"\u{7F}\"", "\u{7F}"),
        ("y_string_raw_line_separator", "\"\u{2028}\"", "\u{2028}"),
        ("y_string_noncharacter", #""\uFFFF""#, "\u{FFFF}"),
        ("y_string_last_scalar", "\"\u{10FFFF}\"", "\u{10FFFF}"),
        ("y_string_escaped_then_raw", #""\n ok ไทย \" end""#, "\n ok ไทย \" end"),
        ("y_structure_string_alone", #""x""#, "x"),
        ("y_structure_null_alone", "null", .null),
        ("y_structure_whitespace_around", " \n1\n ", 1),
        // Implementation-defined, and what this reader does:
        ("i_number_negative_zero_integer", "-0", 0),
        ("i_number_underflow_to_zero", "1e-400", .double(0)),
        ("i_number_negative_underflow", "-1e-400", .double(-0.0)),
        ("i_number_beyond_int64_keeps_text", "9223372036854775808", .number(.bigInteger("9223372036854775808"))),
        ("i_number_below_int64_keeps_text", "-9223372036854775809", .number(.bigInteger("-9223372036854775809"))),
        ("i_number_huge_integer", "123456789012345678901234567890", .number(.bigInteger("123456789012345678901234567890"))),
        ("i_number_integral_with_fraction_is_double", "1.0", .double(1)),
        ("i_string_escaped_noncharacter_pair", #""\uDBFF\uDFFF""#, "\u{10FFFF}"),
    ]

    func testAccepted() {
        for (name, text, expected) in accepted {
            do {
                let value = try JSONValue(parsing: text)
                XCTAssertEqual(value, expected, name)
            } catch {
                XCTFail("\(name): refused with \(error)")
            }
        }
    }

    /// Integers and doubles are different values even when equal as numbers.
    func testIntegerAndDoubleAreDistinct() {
        XCTAssertEqual(read("1"), .int(1))
        XCTAssertNotEqual(read("1"), read("1.0"))
        XCTAssertEqual(read("1.0")?.int64Value, 1, "but an integral double still reads as an integer")
    }

    /// The same document through a String, an array, an array slice and a non-contiguous
    /// collection reads the same.
    func testEveryInputShape() throws {
        let text = #"{"k": ["v", 1, 2.5, {"n": null}]}"#
        let expected = try JSONValue(parsing: text)
        XCTAssertEqual(try JSONValue(parsing: Array(text.utf8)), expected)
        XCTAssertEqual(try JSONValue(parsing: Array(("xx" + text).utf8).dropFirst(2)), expected)
        XCTAssertEqual(try JSONValue(parsing: text.utf8), expected)
        XCTAssertEqual(try JSONValue(parsing: text.utf8.lazy.map { $0 }), expected)
        XCTAssertEqual(try JSONObject(parsing: text), expected.objectValue)
    }
}
