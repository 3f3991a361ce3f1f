import JSON
import Store
import Identity
import XCTest
@testable import OIDC

final class JSONValueTests: XCTestCase {
    /// The JSON room's writer must write exactly what `JSONText.quoted` writes (every audit
    /// context and hand-built document uses it), for plain ASCII and for strings that need escapes.
    func testQuotingMatchesJSONTextQuoted() throws {
        let samples = [
            "", "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.sig-_", "https://ar.example.co.th/auth/callback?a=1&b=2",
            "say \"hi\"", "back\\slash", "line\nbreak", "tab\there", "cr\rhere", "nul\u{0}x", "bell\u{7}",
            "del\u{7F}", "unit \u{1F}", "sep\u{2028}and\u{2029}", "ไทย", "emoji 🔑", "space ~ end", "é",
        ]
        for sample in samples {
            XCTAssertEqual(JSONValue.string(sample).serialized, JSONText.quoted(sample), "\(sample.debugDescription)")
        }
        let object = JSONValue.object(["k\"ey": .string("v\n"), "a": .strings(["x", "y\u{2028}"])])
        XCTAssertEqual(object.serialized, "{\"a\":[\"x\",\"y\\u2028\"],\"k\\\"ey\":\"v\\n\"}")
        XCTAssertEqual(try JSONValue(parsing: object.serialized), object)
    }
}
