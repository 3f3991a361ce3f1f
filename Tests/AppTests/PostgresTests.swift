import XCTest
@testable import App
import Postgres

/// A database of its own for one test, dropped afterwards.
final class ScratchDatabase {
    let adminURL: String
    let name: String
    let url: String

    init() throws {
        adminURL = try liveDatabaseURL()
        name = "gh_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try PGConnection(url: adminURL, connectTimeout: 5)
        defer { admin.close() }
        // The name is made of [a-z0-9_] above; identifiers cannot be parameters.
        try admin.execute("CREATE DATABASE \(name)")
        url = Self.replacingDatabase(in: adminURL, with: name)
    }

    func drop() {
        guard let admin = try? PGConnection(url: adminURL, connectTimeout: 5) else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        admin.close()
    }

    static func replacingDatabase(in url: String, with name: String) -> String {
        let afterScheme = url.range(of: "://")!.upperBound
        let query = url.firstIndex(of: "?") ?? url.endIndex
        let pathStart = url[afterScheme..<query].firstIndex(of: "/") ?? query
        return String(url[..<pathStart]) + "/" + name + String(url[query...])
    }
}

final class PostgresTests: XCTestCase {
    var scratch: ScratchDatabase!

    override func setUpWithError() throws { scratch = try ScratchDatabase() }
    override func tearDown() { scratch?.drop() }

    func connect() throws -> PGConnection { try PGConnection(url: scratch.url, connectTimeout: 5) }

    func testParametersAndNulls() throws {
        let connection = try connect()
        let result = try connection.execute("SELECT $1::text AS a, $2::int + 1 AS b, $3::text IS NULL AS c",
                                            params: ["it's; DROP TABLE x --", "41", nil])
        XCTAssertEqual(result.columns, ["a", "b", "c"])
        XCTAssertEqual(result.rows, [["it's; DROP TABLE x --", "42", "t"]])
        XCTAssertEqual(result.value(0, "b"), "42")
        XCTAssertEqual(try connection.execute("SELECT NULL::text").scalar, nil)
    }

    func testSQLStateErrors() throws {
        let connection = try connect()
        try connection.execute("CREATE TABLE t (k text PRIMARY KEY)")
        let insert = try connection.execute("INSERT INTO t VALUES ($1)", params: ["a"])
        XCTAssertEqual(insert.affectedRows, 1)
        XCTAssertThrowsError(try connection.execute("INSERT INTO t VALUES ($1)", params: ["a"])) { error in
            let error = error as! PGError
            XCTAssertEqual(error.sqlState, "23505")
            XCTAssertEqual(error.kind, .query)
        }
        XCTAssertThrowsError(try connection.execute("SELEC 1")) { XCTAssertEqual(($0 as! PGError).sqlState, "42601") }
        XCTAssertThrowsError(try connection.execute("SELECT $1", params: ["a\u{0}b"])) { XCTAssertEqual(($0 as! PGError).sqlState, "22021") }
        XCTAssertEqual(try connection.execute("SELECT 1").scalar, "1", "connection still usable after errors")
    }

    func testConnectionRefused() throws {
        let port = try freeLoopbackPort()
        XCTAssertThrowsError(try PGConnection(url: "postgresql://x@127.0.0.1:\(port)/x", connectTimeout: 2)) { error in
            XCTAssertEqual((error as! PGError).kind, .connection)
        }
    }

    func testMigrationsApplyAndAreIdempotent() throws {
        let connection = try connect()
        let migrator = Migrator()
        XCTAssertEqual(try migrator.status(on: connection).pending.map(\.version), GatehouseMigrations.all.map(\.version))
        let first = try migrator.migrate(on: connection)
        XCTAssertEqual(first.map(\.version), GatehouseMigrations.all.map(\.version))
        XCTAssertEqual(try migrator.migrate(on: connection), [])
        let status = try migrator.status(on: connection)
        XCTAssertTrue(status.pending.isEmpty)
        XCTAssertEqual(status.databaseVersion, GatehouseMigrations.all.last?.version)
        XCTAssertEqual(status.applied.first?.name, "meta")
        XCTAssertEqual(status.applied.first?.checksum.count, 64)
        let id = try connection.execute("SELECT value FROM gatehouse_meta WHERE key = $1", params: ["installation_id"]).scalar
        XCTAssertEqual(id?.count, 36)
    }

    func testConcurrentMigratorsDoNotConflict() throws {
        let migrations = GatehouseMigrations.all + [
            Migration(version: (GatehouseMigrations.all.last?.version ?? 0) + 1, name: "slow", sql: "SELECT pg_sleep(0.3); CREATE TABLE slow_marker (id int);"),
        ]
        let url = scratch.url
        let outcomes = Locked<[Result<[Int], MigrationError>]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let result: Result<[Int], MigrationError>
            do {
                let connection = try PGConnection(url: url, connectTimeout: 5)
                result = .success(try Migrator(migrations: migrations).migrate(on: connection).map(\.version))
            } catch let error as MigrationError {
                result = .failure(error)
            } catch {
                result = .failure(.database(error as! PGError))
            }
            outcomes.withLock { $0.append(result) }
        }
        let results = outcomes.withLock { $0 }
        XCTAssertEqual(results.count, 4)
        var appliedTotal: [Int] = []
        for result in results {
            switch result {
            case .success(let versions): appliedTotal += versions
            case .failure(let error): XCTFail("\(error)")
            }
        }
        XCTAssertEqual(appliedTotal.sorted(), migrations.map(\.version), "each migration applied exactly once")
    }

    func testRefusesNewerDatabase() throws {
        let connection = try connect()
        try Migrator().migrate(on: connection)
        try connection.execute("INSERT INTO gatehouse_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                               params: ["999", "from the future", "x"])
        XCTAssertTrue(try Migrator().status(on: connection).databaseIsNewer)
        XCTAssertThrowsError(try Migrator().migrate(on: connection)) { error in
            guard case MigrationError.databaseNewer(999, GatehouseMigrations.all.last?.version ?? 0) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("refusing"))
        }
    }

    func testChangedMigrationIsRefused() throws {
        let connection = try connect()
        try Migrator(migrations: [Migration(version: 1, name: "a", sql: "CREATE TABLE a (id int)")]).migrate(on: connection)
        let edited = Migrator(migrations: [Migration(version: 1, name: "a", sql: "CREATE TABLE a (id bigint)")])
        XCTAssertEqual(try edited.status(on: connection).changed, [1])
        XCTAssertThrowsError(try edited.migrate(on: connection)) { error in
            guard case MigrationError.checksumMismatch(1, "a") = error else { return XCTFail("\(error)") }
        }
    }

    func testFailedMigrationRollsBack() throws {
        let connection = try connect()
        let migrator = Migrator(migrations: [
            Migration(version: 1, name: "ok", sql: "CREATE TABLE one (id int)"),
            Migration(version: 2, name: "broken", sql: "CREATE TABLE two (id int); SELECT * FROM missing_table;"),
        ])
        XCTAssertThrowsError(try migrator.migrate(on: connection)) { error in
            guard case MigrationError.migrationFailed(2, "broken", let cause) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(cause.sqlState, "42P01")
        }
        XCTAssertEqual(try connection.execute("SELECT to_regclass('two') IS NULL").scalar, "t")
        XCTAssertEqual(try connection.execute("SELECT to_regclass('one') IS NOT NULL").scalar, "t")
        XCTAssertEqual(try migrator.status(on: connection).pending.map(\.version), [2])
    }

    func testInvalidListIsRefused() throws {
        let connection = try connect()
        // Versions must increase; gaps are allowed (branches reserve numbers).
        XCTAssertThrowsError(try Migrator(migrations: [Migration(version: 0, name: "x", sql: "SELECT 1")]).migrate(on: connection))
        XCTAssertThrowsError(try Migrator(migrations: [Migration(version: 3, name: "x", sql: "SELECT 1"),
                                                       Migration(version: 2, name: "y", sql: "SELECT 1")]).migrate(on: connection))
        XCTAssertThrowsError(try Migrator(migrations: [Migration(version: 2, name: "x", sql: "SELECT 1"),
                                                       Migration(version: 2, name: "y", sql: "SELECT 1")]).migrate(on: connection))
    }

    func testGapsInVersionsAreAllowed() throws {
        let connection = try connect()
        let migrator = Migrator(migrations: [Migration(version: 1, name: "one", sql: "CREATE TABLE gap_one (id int)"),
                                             Migration(version: 7, name: "seven", sql: "CREATE TABLE gap_seven (id int)")])
        XCTAssertEqual(try migrator.migrate(on: connection).map(\.version), [1, 7])
        XCTAssertEqual(try migrator.status(on: connection).databaseVersion, 7)
    }
}
