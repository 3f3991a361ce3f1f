import JSON
import XCTest

/// Documents the reader must refuse (`n_`), each with the reason and the byte offset it must
/// report. Written for this reader, in the spirit of JSONTestSuite's classes.
final class RefusedInputTests: XCTestCase {
    typealias Case = (name: String, bytes: [UInt8], reason: JSONError.Reason, offset: Int)

    static func text(_ name: String, _ text: String, _ reason: JSONError.Reason, at offset: Int) -> Case {
        (name, Array(text.utf8), reason, offset)
    }

    static func raw(_ name: String, _ bytes: [UInt8], _ reason: JSONError.Reason, at offset: Int) -> Case {
        (name, bytes, reason, offset)
    }

    let refused: [Case] = [
        text("n_structure_empty", "", .unexpectedEnd, at: 0),
        text("n_structure_only_whitespace", "  ", .unexpectedEnd, at: 2),
        text("n_structure_two_values", "1 2", .trailingContent, at: 2),
        text("n_structure_two_objects", "{}{}", .trailingContent, at: 2),
        text("n_structure_trailing_garbage", "[1]x", .trailingContent, at: 3),
        raw("n_structure_trailing_nul", Array("[1]".utf8) + [0], .trailingContent, at: 3),
        text("n_structure_close_only", "]", .unexpectedByte(UInt8(ascii: "]")), at: 0),
        text("n_structure_non_ascii_outside_string", "[é]", .unexpectedByte(0xC3), at: 1),
        text("n_structure_unclosed_object", #"{"a":1"#, .unexpectedEnd, at: 6),
        raw("n_structure_byte_order_mark", [0xEF, 0xBB, 0xBF] + Array("{}".utf8), .byteOrderMark, at: 0),
        text("n_whitespace_form_feed", "\u{0C}1", .unexpectedByte(0x0C), at: 0),
        text("n_whitespace_no_break_space", "\u{A0}1", .unexpectedByte(0xC2), at: 0),
        text("n_comment_line", "// c\n[1]", .unexpectedByte(UInt8(ascii: "/")), at: 0),
        text("n_comment_after_value", "[1]//c", .trailingContent, at: 3),
        text("n_comment_block_in_array", "[1,/*x*/2]", .unexpectedByte(UInt8(ascii: "/")), at: 3),
        text("n_array_trailing_comma", "[1,]", .trailingComma, at: 3),
        text("n_array_trailing_comma_space", "[1, ]", .trailingComma, at: 4),
        text("n_array_leading_comma", "[,1]", .unexpectedByte(UInt8(ascii: ",")), at: 1),
        text("n_array_double_comma", "[1,,2]", .unexpectedByte(UInt8(ascii: ",")), at: 3),
        text("n_array_unclosed", "[1", .unexpectedEnd, at: 2),
        text("n_array_unclosed_after_comma", "[1,", .unexpectedEnd, at: 3),
        text("n_array_missing_comma", "[1 2]", .expectedCommaOrEnd, at: 3),
        text("n_array_closed_with_brace", "[1}", .expectedCommaOrEnd, at: 2),
        text("n_array_colon", "[1:2]", .expectedCommaOrEnd, at: 2),
        text("n_object_trailing_comma", #"{"a":1,}"#, .trailingComma, at: 7),
        text("n_object_missing_colon", #"{"a" 1}"#, .expectedColon, at: 5),
        text("n_object_missing_value", #"{"a":}"#, .unexpectedByte(UInt8(ascii: "}")), at: 5),
        text("n_object_unquoted_name", "{a:1}", .expectedMemberName, at: 1),
        text("n_object_single_quoted_name", "{'a':1}", .expectedMemberName, at: 1),
        text("n_object_number_name", "{1:1}", .expectedMemberName, at: 1),
        text("n_object_number_name_after_comma", #"{"a":1,2:3}"#, .expectedMemberName, at: 7),
        text("n_object_closed_with_bracket", #"{"a":1]"#, .expectedCommaOrEnd, at: 6),
        text("n_object_duplicate_name", #"{"a":1,"a":2}"#, .duplicateMember("a"), at: 7),
        text("n_object_duplicate_name_after_unescaping", #"{"a":1,"\u0061":2}"#, .duplicateMember("a"), at: 7),
        text("n_object_duplicate_alg", #"{"alg":"RS256","kid":"k","alg":"none"}"#, .duplicateMember("alg"), at: 25),
        text("n_object_duplicate_nested", #"{"x":{"b":1,"b":null}}"#, .duplicateMember("b"), at: 12),
        text("n_object_duplicate_canonically_equivalent", #"{"\u00e9":1,"e\u0301":2}"#, .duplicateMember("e\u{301}"), at: 12),
        text("n_number_nan", "NaN", .unexpectedByte(UInt8(ascii: "N")), at: 0),
        text("n_number_infinity", "Infinity", .unexpectedByte(UInt8(ascii: "I")), at: 0),
        text("n_number_minus_infinity", "-Infinity", .invalidNumber, at: 0),
        text("n_number_in_array_nan", "[1,NaN]", .unexpectedByte(UInt8(ascii: "N")), at: 3),
        text("n_number_leading_zero", "01", .invalidNumber, at: 0),
        text("n_number_negative_leading_zero", "-01", .invalidNumber, at: 0),
        text("n_number_double_zero", "[00]", .invalidNumber, at: 1),
        text("n_number_plus", "+1", .unexpectedByte(UInt8(ascii: "+")), at: 0),
        text("n_number_minus_alone", "-", .invalidNumber, at: 0),
        text("n_number_starts_with_dot", ".5", .unexpectedByte(UInt8(ascii: ".")), at: 0),
        text("n_number_ends_with_dot", "1.", .invalidNumber, at: 0),
        text("n_number_dot_exponent", "1.e3", .invalidNumber, at: 0),
        text("n_number_empty_exponent", "1e", .invalidNumber, at: 0),
        text("n_number_empty_signed_exponent", "[1e+]", .invalidNumber, at: 1),
        text("n_number_hex", "0x1F", .trailingContent, at: 1),
        text("n_number_too_large", "1e400", .numberOutOfRange, at: 0),
        text("n_number_too_small", "-1e400", .numberOutOfRange, at: 0),
        text("n_number_too_large_in_object", #"{"n":1.5e999}"#, .numberOutOfRange, at: 5),
        text("n_literal_truncated_true", "tru", .invalidLiteral, at: 0),
        text("n_literal_truncated_null", "[nul]", .invalidLiteral, at: 1),
        text("n_literal_misspelled_false", "fals e", .invalidLiteral, at: 0),
        text("n_literal_capitalized", "True", .unexpectedByte(UInt8(ascii: "T")), at: 0),
        text("n_literal_followed_by_letter", "truex", .trailingContent, at: 4),
        text("n_string_unterminated", #""abc"#, .unexpectedEnd, at: 4),
        text("n_string_unterminated_after_escape", #""ab\"#, .unexpectedEnd, at: 4),
        text("n_string_single_quotes", "'a'", .unexpectedByte(UInt8(ascii: "'")), at: 0),
        text("n_string_raw_newline", "\"a\nb\"", .controlCharacterInString, at: 2),
        text("n_string_raw_tab", "\"\t\"", .controlCharacterInString, at: 1),
        raw("n_string_raw_nul", [0x22, 0x00, 0x22], .controlCharacterInString, at: 1),
        text("n_string_raw_control_after_escape", "\"\\n\u{1F}\"", .controlCharacterInString, at: 3),
        text("n_string_unknown_escape", #""\x""#, .invalidEscape, at: 1),
        text("n_string_escaped_apostrophe", #""\'""#, .invalidEscape, at: 1),
        text("n_string_upper_case_u_escape", #""\U0041""#, .invalidEscape, at: 1),
        text("n_string_short_unicode_escape", #""\u12""#, .invalidEscape, at: 1),
        text("n_string_unicode_escape_not_hex", #""\u00g0""#, .invalidEscape, at: 1),
        text("n_string_unicode_escape_truncated", #""\u00"#, .unexpectedEnd, at: 5),
        text("n_string_lone_high_surrogate", #""\uD800""#, .loneSurrogate, at: 1),
        text("n_string_lone_high_surrogate_then_text", #""\uD800abc""#, .loneSurrogate, at: 1),
        text("n_string_lone_low_surrogate", #""\uDC00""#, .loneSurrogate, at: 1),
        text("n_string_two_high_surrogates", #""\uD800\uD800""#, .loneSurrogate, at: 1),
        text("n_string_reversed_surrogates", #""\uDE00\uD83D""#, .loneSurrogate, at: 1),
        text("n_string_high_surrogate_then_other_escape", #""\uD83D\n""#, .loneSurrogate, at: 1),
        text("n_string_lone_surrogate_after_text", #""ok \uDFFF""#, .loneSurrogate, at: 4),
        raw("n_string_utf8_lone_continuation", [0x22, 0x80, 0x22], .invalidUTF8, at: 1),
        raw("n_string_utf8_overlong_slash", [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8, at: 1),
        raw("n_string_utf8_overlong_three_bytes", [0x22, 0xE0, 0x80, 0xAF, 0x22], .invalidUTF8, at: 1),
        raw("n_string_utf8_overlong_four_bytes", [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], .invalidUTF8, at: 1),
        raw("n_string_utf8_encoded_surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, at: 1),
        raw("n_string_utf8_beyond_10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, at: 1),
        raw("n_string_utf8_lead_F5", [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], .invalidUTF8, at: 1),
        raw("n_string_utf8_FF", [0x22, 0x61, 0xFF, 0x22], .invalidUTF8, at: 2),
        raw("n_string_utf8_truncated_by_quote", [0x22, 0xE0, 0xB8, 0x22], .invalidUTF8, at: 1),
        raw("n_string_utf8_truncated_by_end", [0x22, 0xF0, 0x9F, 0x98], .invalidUTF8, at: 1),
        raw("n_string_utf8_after_valid_thai", [0x22, 0xE0, 0xB8, 0x81, 0xC3, 0x28, 0x22], .invalidUTF8, at: 4),
        raw("n_object_name_invalid_utf8", [0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x31, 0x7D], .invalidUTF8, at: 2),
    ]

    func testRefused() {
        for (name, bytes, reason, offset) in refused {
            do {
                let value = try JSONValue(parsing: bytes)
                XCTFail("\(name): accepted as \(value)")
            } catch {
                XCTAssertEqual(error.reason, reason, name)
                XCTAssertEqual(error.offset, offset, name)
            }
        }
    }

    /// A refused document stays refused however it is wrapped: inside an array and inside
    /// an object the same reason comes back (at the shifted offset).
    func testRefusedInsideContainers() {
        let unwrappable: [JSONError.Reason] = [.trailingContent, .unexpectedEnd, .byteOrderMark]
        for (name, bytes, reason, offset) in refused where !name.hasPrefix("n_structure") && !unwrappable.contains(reason) {
            let wrapped = Array("[".utf8) + bytes + Array("]".utf8)
            guard let error = refusal(wrapped) else { continue }
            XCTAssertEqual(error.reason, reason, "\(name) in an array")
            XCTAssertEqual(error.offset, offset + 1, "\(name) in an array")
        }
    }

    func testObjectOnlyReader() throws {
        XCTAssertEqual(try JSONObject(parsing: #" {"a":1} "#)["a"], 1)
        for (text, offset) in [("[1]", 0), ("  \"x\"", 2), ("1", 0), ("null", 0)] {
            XCTAssertThrowsError(try JSONObject(parsing: text), text) { error in
                XCTAssertEqual(error as? JSONError, JSONError(.notAnObject, at: offset), text)
            }
        }
        // A broken object is refused for what is wrong with it.
        XCTAssertThrowsError(try JSONObject(parsing: #"{"a":1,"a":2}"#)) { error in
            XCTAssertEqual((error as? JSONError)?.reason, .duplicateMember("a"))
        }
        XCTAssertThrowsError(try JSONObject(parsing: "")) { error in
            XCTAssertEqual((error as? JSONError)?.reason, .unexpectedEnd)
        }
    }

    func testErrorDescriptions() {
        XCTAssertEqual(refusal(#"{"a":1,"a":2}"#)?.description, #"invalid JSON at byte 7: duplicate member "a""#)
        XCTAssertEqual(refusal("[1,]")?.description, "invalid JSON at byte 3: trailing comma")
        XCTAssertEqual(refusal("[1,\u{0}]")?.description, "invalid JSON at byte 3: unexpected byte 0x00")
        XCTAssertEqual(refusal("{'a':1}")?.reason.text, "expected a member name")
        XCTAssertEqual(refusal("x")?.reason.text, "unexpected 'x'")
        // A long or hostile member name is cut and escaped in the message.
        let name = String(repeating: "<", count: 100) + "\\n"
        let message = refusal("{\"\(name)\":1,\"\(name)\":2}")?.description ?? ""
        XCTAssertTrue(message.hasSuffix("duplicate member \"" + String(repeating: "<", count: 64) + "\""), message)
    }
}
