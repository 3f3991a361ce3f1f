import Foundation
@testable import SCIM
import Store
import XCTest

/// `meta.created` / `lastModified` from microseconds, as PostgreSQL's `to_char(… AT TIME ZONE
/// 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` spelled them before.
final class SCIMDateTimeTests: XCTestCase {
    func text(_ micros: Int64) -> String { SCIMDateTime.text(Timestamp(microsecondsSince1970: micros)) }

    func testKnownInstants() {
        XCTAssertEqual(text(0), "1970-01-01T00:00:00.000000Z")
        XCTAssertEqual(text(951_782_400_000_001), "2000-02-29T00:00:00.000001Z")
        XCTAssertEqual(text(1_740_817_800_250_000), "2025-03-01T08:30:00.250000Z")
        XCTAssertEqual(text(4_107_542_399_999_999), "2100-02-28T23:59:59.999999Z")
        XCTAssertEqual(text(-1), "1969-12-31T23:59:59.999999Z")
    }

    /// 1600 to 2370 (Foundation's calendar turns Julian before 1582; PostgreSQL's never does).
    func testDaysOfEightCenturiesMatchTheCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in stride(from: Int64(-135_000), to: 146_097, by: 5) {
            let date = Date(timeIntervalSince1970: Double(day * 86_400 + 3_723))
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "%04d-%02d-%02dT01:02:03.000000Z", parts.year!, parts.month!, parts.day!)
            guard text((day * 86_400 + 3_723) * 1_000_000) == expected else {
                return XCTFail("day \(day): \(text((day * 86_400 + 3_723) * 1_000_000)) is not \(expected)")
            }
        }
    }
}
