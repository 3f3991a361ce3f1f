import JSON
import XCTest

/// The writer: exact text, escaping (with and without the HTML option), pretty output.
final class WriterTests: XCTestCase {
    func testCompactDeterministicText() {
        let value: JSONValue = ["sub": "u1", "aud": ["a", "b"], "exp": 1_700_000_000, "ratio": 0.5, "ok": true, "none": .null]
        XCTAssertEqual(value.serialized, #"{"aud":["a","b"],"exp":1700000000,"none":null,"ok":true,"ratio":0.5,"sub":"u1"}"#)
        XCTAssertEqual(value.bytes, Array(value.serialized.utf8))
        XCTAssertEqual(JSONValue.array([]).serialized, "[]")
        XCTAssertEqual(JSONValue.object([:]).serialized, "{}")
        XCTAssertEqual(JSONValue.null.serialized, "null")
        XCTAssertEqual(JSONValue.bool(false).serialized, "false")
    }

    /// Members sort as Swift strings compare, which is deterministic for any names.
    func testSortedNamesWithEscapesAndUnicode() {
        let value: JSONValue = ["é": 1, "z": 2, "Z": 3, "a\"b": 4, "": 5]
        XCTAssertEqual(value.serialized, #"{"":5,"Z":3,"a\"b":4,"z":2,"é":1}"#)
    }

    func testEscapes() {
        let cases: [(String, String)] = [
            ("plain", #""plain""#),
            ("quote\"back\\slash/", #""quote\"back\\slash/""#),
            ("\n\r\t", #""\n\r\t""#),
            ("\u{8}\u{C}", #""\u0008\u000c""#),
            ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
            ("del\u{7F}", #""del\u007f""#),
            ("\u{2028}\u{2029}", #""\u2028\u2029""#),
            ("€…\u{2027}\u{202A}", "\"€…\u{2027}\u{202A}\""),
            ("ไทย é 😀", "\"ไทย é 😀\""),
            ("<a href='x'>&amp;</a>", "\"<a href='x'>&amp;</a>\""),
        ]
        for (string, expected) in cases {
            XCTAssertEqual(JSONValue.string(string).serialized, expected, string.debugDescription)
            XCTAssertEqual(JSONWriter.quoted(string), expected)
            XCTAssertEqual(read(expected), .string(string), "reads back: \(expected)")
        }
    }

    func testHTMLSafeEscapes() {
        let value: JSONValue = ["</script>": "<!-- 'x' & \"y\" -->\u{2028}"]
        let text = value.serialized(.escapeHTML)
        XCTAssertEqual(text, #"{"\u003c/script\u003e":"\u003c!-- \u0027x\u0027 \u0026 \"y\" --\u003e\u2028"}"#)
        XCTAssertFalse(text.contains("<") || text.contains(">") || text.contains("&") || text.contains("'"))
        XCTAssertEqual(read(text), value)
        XCTAssertEqual(JSONWriter.quoted("a<b", options: .escapeHTML), #""a\u003cb""#)
        XCTAssertEqual(JSONWriter.quoted("a<b"), #""a<b""#)
    }

    /// The eight-bytes-at-a-time scan must find a byte that needs escaping at every position
    /// of a word and across word boundaries: compared with a scalar-by-scalar reference.
    func testEscapingAtEveryPosition() {
        let specials: [Unicode.Scalar] = ["\"", "\\", "\n", "\u{0}", "\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}", "<", ">", "&", "'",
                                          "é", "€", "\u{2027}", "😀", " ", "~", "\u{80}"]
        for length in 0..<20 {
            for position in 0...length {
                for special in specials {
                    var scalars = String.UnicodeScalarView(repeating: "a", count: length)
                    scalars.insert(special, at: scalars.index(scalars.startIndex, offsetBy: position))
                    let string = String(scalars)
                    for html in [false, true] {
                        let got = JSONWriter.quoted(string, options: html ? .escapeHTML : [])
                        XCTAssertEqual(got, referenceQuoted(string, html: html), "\(string.debugDescription) html=\(html)")
                    }
                }
            }
        }
    }

    func testRandomStringsMatchTheReference() {
        var random = SplitMix64(seed: 0x5EED_0F_E5CA_9E)
        for _ in 0..<3000 {
            let string = random.string(maxLength: 40)
            for html in [false, true] {
                let got = JSONWriter.quoted(string, options: html ? .escapeHTML : [])
                XCTAssertEqual(got, referenceQuoted(string, html: html), string.debugDescription)
                XCTAssertEqual(read(got), .string(string))
            }
        }
    }

    func testPretty() {
        let value: JSONValue = ["b": [1, [], ["x": .null]], "a": [:], "c": "s"]
        XCTAssertEqual(value.serialized(.pretty), """
            {
              "a": {},
              "b": [
                1,
                [],
                {
                  "x": null
                }
              ],
              "c": "s"
            }
            """)
        XCTAssertEqual(value.serialized([.pretty, .insertionOrder]).split(separator: "\n").first { $0.hasPrefix("  \"") }, "  \"b\": [")
        XCTAssertEqual(JSONValue.int(1).serialized(.pretty), "1")
        XCTAssertEqual(read(value.serialized(.pretty)), value)
    }

    func testWriteAppendsToABuffer() {
        var out = Array("data: ".utf8)
        JSONWriter().write(["a": 1], to: &out)
        JSONWriter(options: .escapeHTML).write("<", to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"data: {"a":1}"\u003c""#)
        XCTAssertEqual(JSONWriter(options: .pretty).options, .pretty)
    }
}

/// The escaping rules spelled out scalar by scalar, as slowly and plainly as possible (the
/// same rules as Store's `JSONText.quoted`, plus the HTML characters).
func referenceQuoted(_ string: String, html: Bool) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "<" where html, ">" where html, "&" where html, "'" where html,
             _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
