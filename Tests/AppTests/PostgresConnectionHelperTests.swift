import XCTest
import Postgres

/// The database helpers the command line and the readiness probe use.
final class PostgresConnectionHelperTests: XCTestCase {
    func testHealthCheckAndMigrationsByURL() throws {
        let scratch = try ScratchDatabase()
        defer { scratch.drop() }
        XCTAssertNoThrow(try PGHealthCheck.check(url: scratch.url, timeout: 2))
        XCTAssertEqual(try Migrator().status(url: scratch.url).databaseVersion, 0)
        let (applied, status) = try Migrator().migrate(url: scratch.url)
        XCTAssertEqual(applied.map(\.version), Migrator().migrations.map(\.version))
        XCTAssertEqual(status.pending, [])
        XCTAssertEqual(status.databaseVersion, status.binaryVersion)
        XCTAssertEqual(try Migrator().migrate(url: scratch.url).applied, [], "up to date")
        XCTAssertThrowsError(try PGHealthCheck.check(url: "postgresql://nobody@127.0.0.1:1/x", timeout: 1))
    }
}
