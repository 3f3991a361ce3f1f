import XCTest
import Store

/// The Store room's pure helpers; no database needed.
final class StoreValueTests: XCTestCase {
    func testJSONQuoting() {
        XCTAssertEqual(JSONText.quoted(#"a"b\c"#), #""a\"b\\c""#)
        XCTAssertEqual(JSONText.quoted("line\nnext\u{1}"), #""line\nnext\u0001""#)
        XCTAssertEqual(JSONText.quoted("ไทย"), "\"ไทย\"")
        XCTAssertEqual(JSONText.array(of: ["pwd", "o,tp"]).text, #"["pwd","o,tp"]"#)
        XCTAssertEqual(JSONText.array(of: []).text, "[]")
    }

    func testSessionLifetimes() {
        let start = Timestamp(secondsSince1970: 1_800_000_000)
        let session = Session(idHash: [UInt8](repeating: 0, count: 32), userID: nil, createdAt: start, lastSeenAt: start,
                              expiresAt: start.adding(seconds: 100), idleTimeoutSeconds: 30)
        XCTAssertTrue(session.isAlive(at: start.adding(seconds: 29)))
        XCTAssertFalse(session.isAlive(at: start.adding(seconds: 30)), "idle timeout")
        var touched = session
        touched.lastSeenAt = start.adding(seconds: 90)
        XCTAssertTrue(touched.isAlive(at: start.adding(seconds: 99)))
        XCTAssertFalse(touched.isAlive(at: start.adding(seconds: 100)), "absolute end")
    }

    func testTimestampISO8601() {
        XCTAssertEqual(Timestamp(microsecondsSince1970: 0).iso8601, "1970-01-01T00:00:00.000000Z")
        XCTAssertEqual(Timestamp(microsecondsSince1970: 1_796_323_914_831_046).iso8601, "2026-12-03T18:51:54.831046Z")
        XCTAssertEqual(Timestamp(microsecondsSince1970: 951_782_400_000_001).iso8601, "2000-02-29T00:00:00.000001Z")
        XCTAssertEqual(Timestamp(microsecondsSince1970: -1).iso8601, "1969-12-31T23:59:59.999999Z")
    }

    func testTimestampNowIsCurrent() {
        let now = Timestamp.now()
        XCTAssertGreaterThan(now, Timestamp(secondsSince1970: 1_700_000_000))
        XCTAssertEqual(Timestamp(secondsSince1970: 2).microsecondsSince1970, 2_000_000)
    }
}
