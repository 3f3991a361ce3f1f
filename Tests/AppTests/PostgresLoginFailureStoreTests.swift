import XCTest
import Postgres
import Store

/// `PostgresLoginFailureStore` on a scratch database: fixed windows per key, by the caller's clock.
final class PostgresLoginFailureStoreTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var store: PostgresLoginFailureStore!

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        store = PostgresLoginFailureStore(pool: pool)
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    let start = Timestamp(secondsSince1970: 1_700_000_000)
    /// Windows of 60 s: at `now`, those that started at or before `now - 60` have passed.
    func windowStart(_ now: Timestamp) -> Timestamp { now.adding(seconds: -60) }

    func record(_ account: String, ip: String?, at now: Timestamp) throws {
        try store.recordFailure(accountKey: account, ip: ip, at: now, windowStart: windowStart(now))
    }

    func testCountsPerAccountAndAddressWithinTheWindow() throws {
        try record("a", ip: "192.0.2.1", at: start)
        try record("a", ip: "192.0.2.1", at: start.adding(seconds: 10))
        try record("b", ip: "192.0.2.1", at: start.adding(seconds: 20))
        try record("a", ip: nil, at: start.adding(seconds: 30))
        let now = start.adding(seconds: 40)
        XCTAssertEqual(try store.failures(accountKey: "a", ip: "192.0.2.1", windowStart: windowStart(now)),
                       LoginFailureCounts(account: 3, ip: 3))
        XCTAssertEqual(try store.failures(accountKey: "b", ip: nil, windowStart: windowStart(now)), LoginFailureCounts(account: 1, ip: 0))
        XCTAssertEqual(try store.failures(accountKey: "c", ip: "198.51.100.1", windowStart: windowStart(now)), LoginFailureCounts())
    }

    func testAPassedWindowCountsForNothingAndStartsOverAtOne() throws {
        for offset in 0..<3 { try record("a", ip: "192.0.2.1", at: start.adding(seconds: Int64(offset))) }
        // The window opened at `start`: at start + 60 it has passed, however late the last failure was.
        let later = start.adding(seconds: 60)
        XCTAssertEqual(try store.failures(accountKey: "a", ip: "192.0.2.1", windowStart: windowStart(later)), LoginFailureCounts())
        try record("a", ip: "192.0.2.1", at: later)
        XCTAssertEqual(try store.failures(accountKey: "a", ip: "192.0.2.1", windowStart: windowStart(later)),
                       LoginFailureCounts(account: 1, ip: 1))
    }

    func testClearingForgetsTheAccountAndPassedWindowsOnly() throws {
        try record("stale", ip: "192.0.2.5", at: start)
        let now = start.adding(seconds: 120)
        try record("victim", ip: "192.0.2.6", at: now)
        try record("other", ip: nil, at: now)
        try store.clearFailures(accountKey: "victim", windowStart: windowStart(now))
        XCTAssertEqual(try store.failures(accountKey: "victim", ip: "192.0.2.6", windowStart: windowStart(now)),
                       LoginFailureCounts(account: 0, ip: 1), "the address keeps its count")
        XCTAssertEqual(try store.failures(accountKey: "other", ip: nil, windowStart: windowStart(now)).account, 1)
        let keys = try pool.withConnection {
            try $0.query("SELECT scope || ':' || key FROM login_failures ORDER BY 1").rows.map { $0[0] ?? "" }
        }
        XCTAssertEqual(keys, ["account:other", "ip:192.0.2.6"], "the passed windows went with the account's row")
    }

    func testAnUnreachableDatabaseIsUnavailable() throws {
        let broken = PGPool(url: "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1")
        defer { broken.close() }
        XCTAssertThrowsError(try PostgresLoginFailureStore(pool: broken).failures(accountKey: "a", ip: nil, windowStart: start)) {
            guard case .unavailable = $0 as? StoreError else { return XCTFail("\($0)") }
        }
    }
}
