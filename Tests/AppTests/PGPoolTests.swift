import XCTest
@testable import App
import Postgres

/// PGPool, PGConnection.query and transactions against a live PostgreSQL (skipped without
/// GATEHOUSE_TEST_DATABASE_URL). Each test gets a scratch database of its own.
final class PGPoolTests: XCTestCase {
    var scratch: ScratchDatabase!

    override func setUpWithError() throws { scratch = try ScratchDatabase() }
    override func tearDown() { scratch?.drop() }

    func makePool(_ configure: (inout PGPoolConfiguration) -> Void = { _ in }) -> PGPool {
        var configuration = PGPoolConfiguration()
        configure(&configuration)
        let pool = PGPool(url: scratch.url, configuration: configuration)
        addTeardownBlock { pool.close() }
        return pool
    }

    func admin() throws -> PGConnection { try PGConnection(url: scratch.url, connectTimeout: 5) }

    // MARK: - pool

    func testTwentyThreadsShareFourConnections() throws {
        let pool = makePool { $0.maxConnections = 4; $0.acquireTimeout = 10; $0.applicationName = "gatehouse-pool-test" }
        let failures = Locked<[String]>([])
        let pids = Locked<Set<Int>>([])
        let mostInUse = Locked(0)
        let group = DispatchGroup()
        for thread in 0..<20 {
            group.enter()
            Thread {
                defer { group.leave() }
                for round in 0..<10 {
                    do {
                        let value = try pool.read { connection in
                            let inUse = pool.statistics.inUse
                            mostInUse.withLock { $0 = max($0, inUse) }
                            pids.withLock { _ = $0.insert(connection.backendPID) }
                            return try connection.query("SELECT $1::int * 100 + $2::int, pg_sleep(0.002)", [.int(thread), .int(round)]).scalar
                        }
                        if value != String(thread * 100 + round) { failures.withLock { $0.append("wrong value \(value ?? "nil")") } }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(failures.withLock { $0 }, [])
        XCTAssertLessThanOrEqual(mostInUse.withLock { $0 }, 4)
        XCTAssertLessThanOrEqual(pids.withLock { $0.count }, 4)
        let statistics = pool.statistics
        XCTAssertLessThanOrEqual(statistics.open, 4)
        XCTAssertEqual(statistics.inUse, 0)
        XCTAssertEqual(statistics.exhausted, 0)
        let connections = try admin().execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", params: ["gatehouse-pool-test"]).scalar
        XCTAssertEqual(connections, String(statistics.open))
    }

    func testAcquireTimesOutWhenAllConnectionsAreHeld() throws {
        let pool = makePool { $0.maxConnections = 2; $0.acquireTimeout = 0.3 }
        try pool.withConnection { _ in
            try pool.withConnection { _ in
                let start = DispatchTime.now()
                XCTAssertThrowsError(try pool.withConnection { _ in XCTFail("got a third connection") }) { error in
                    XCTAssertEqual((error as? PGError)?.kind, .poolExhausted, "\(error)")
                }
                let waited = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                XCTAssertGreaterThanOrEqual(waited, 0.28)
                XCTAssertLessThan(waited, 3)
            }
        }
        XCTAssertEqual(pool.statistics.exhausted, 1)
        XCTAssertEqual(try pool.read { try $0.query("SELECT 1").scalar }, "1", "usable again once released")
    }

    func testWaiterGetsConnectionWhenReleased() throws {
        let pool = makePool { $0.maxConnections = 1; $0.acquireTimeout = 5 }
        let holding = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            try? pool.withConnection { _ in
                holding.signal()
                usleep(200_000)
            }
            done.signal()
        }.start()
        holding.wait()
        XCTAssertEqual(try pool.withConnection { try $0.query("SELECT 7").scalar }, "7")
        done.wait()
        XCTAssertEqual(pool.statistics.opened, 1)
    }

    func testClosedPoolRefuses() throws {
        let pool = makePool { $0.minIdle = 2 }
        try pool.warmUp()
        XCTAssertEqual(pool.statistics.idle, 2)
        pool.close()
        XCTAssertEqual(pool.statistics.open, 0)
        XCTAssertThrowsError(try pool.withConnection { _ in }) { XCTAssertEqual(($0 as? PGError)?.kind, .poolClosed) }
    }

    func testLeftoverTransactionIsRolledBackOnReturn() throws {
        let pool = makePool { $0.maxConnections = 1 }
        try pool.withConnection { try $0.execute("CREATE TABLE t (k text)") }
        try pool.withConnection { connection in
            try connection.execute("BEGIN")
            try connection.query("INSERT INTO t VALUES ($1)", ["left over"])
        }
        XCTAssertEqual(try pool.withConnection { ($0.inTransaction, try $0.query("SELECT count(*) FROM t").scalar) }.1, "0")
    }

    // MARK: - prepared statements

    func testPreparedStatementsAreReused() throws {
        let pool = makePool { $0.maxConnections = 1 }
        let sql = "SELECT $1::int + 1 AS next"
        try pool.withConnection { connection in
            for number in 1...3 {
                XCTAssertEqual(try connection.query(sql, [.int(number)]).scalar, String(number + 1))
            }
            XCTAssertEqual(connection.preparedStatementCount, 1)
            // execute() uses the unnamed statement, so it does not show up itself.
            let prepared = try connection.execute("SELECT name, statement FROM pg_prepared_statements")
            XCTAssertEqual(prepared.rows.count, 1)
            XCTAssertEqual(prepared.value(0, "statement"), sql)
            XCTAssertEqual(prepared.value(0, "name")?.hasPrefix("gh_"), true)
        }
        // The same connection, borrowed again, still has it.
        try pool.withConnection { connection in
            XCTAssertEqual(try connection.query(sql, [.int(9)]).scalar, "10")
            XCTAssertEqual(try connection.execute("SELECT count(*) FROM pg_prepared_statements").scalar, "1")
        }
    }

    func testStatementCacheIsBounded() throws {
        let connection = try admin()
        connection.statementCacheCapacity = 2
        for number in 1...5 {
            XCTAssertEqual(try connection.query("SELECT \(number)").scalar, String(number))
        }
        XCTAssertEqual(connection.preparedStatementCount, 2)
        let statements = try connection.execute("SELECT statement FROM pg_prepared_statements ORDER BY statement").rows.map { $0[0] }
        XCTAssertEqual(statements, ["SELECT 4", "SELECT 5"], "the least recently used were deallocated")
        // Used again, a deallocated statement is prepared again.
        XCTAssertEqual(try connection.query("SELECT 1").scalar, "1")
        XCTAssertEqual(try connection.execute("SELECT count(*) FROM pg_prepared_statements").scalar, "2")
    }

    func testLostOrStaleStatementsArePreparedAgain() throws {
        let connection = try admin()
        try connection.execute("CREATE TABLE t (a int)")
        try connection.execute("INSERT INTO t VALUES (1)")
        XCTAssertEqual(try connection.query("SELECT * FROM t").columns, ["a"])
        try connection.execute("ALTER TABLE t ADD COLUMN b int")
        XCTAssertEqual(try connection.query("SELECT * FROM t").columns, ["a", "b"], "cached plan must not change result type")
        try connection.execute("DEALLOCATE ALL")
        XCTAssertEqual(try connection.query("SELECT * FROM t").rows.count, 1, "statement lost by DEALLOCATE ALL")
        XCTAssertEqual(try connection.execute("SELECT count(*) FROM pg_prepared_statements").scalar, "1")
    }

    // MARK: - parameters

    func testParametersRoundTrip() throws {
        let connection = try admin()
        let tricky = "it's \"quoted\"; DROP TABLE x; -- \\ $1 é"
        XCTAssertEqual(try connection.query("SELECT $1::text", [.text(tricky)]).scalar, tricky)
        XCTAssertEqual(try connection.query("SELECT $1::text IS NULL", [nil]).scalar, "t")
        XCTAssertEqual(try connection.query("SELECT $1::bigint", [.int(Int.min)]).scalar, String(Int.min))
        XCTAssertEqual(try connection.query("SELECT $1::bool, $2::bool", [true, false]).rows, [["t", "f"]])
        let uuid = "0b0e5f3c-7d4a-4b1e-9c1f-2a3b4c5d6e7f"
        XCTAssertEqual(try connection.query("SELECT $1::uuid", [.uuid(uuid)]).scalar, uuid)
        XCTAssertThrowsError(try connection.query("SELECT $1::uuid", [.uuid("not-a-uuid")])) {
            XCTAssertEqual(($0 as? PGError)?.sqlState, "22P02")
        }
        XCTAssertEqual(try connection.query("SELECT $1::jsonb ->> 'a'", [.jsonb(#"{"a": "it's"}"#)]).scalar, "it's")

        let bytes: [UInt8] = [0, 1, 0, 39, 92, 255, 0]
        let result = try connection.query("SELECT $1::bytea AS b, length($1::bytea) AS n, $2::bytea AS e", [.bytea(bytes), .bytea([])])
        XCTAssertEqual(result.bytes(0, "b"), bytes, "NUL bytes in bytea survive")
        XCTAssertEqual(result.value(0, "n"), "7")
        XCTAssertEqual(result.bytes(0, "e"), [])

        let micros: Int64 = 1_700_000_000_123_456
        XCTAssertEqual(try connection.query("SELECT (extract(epoch FROM $1::timestamptz) * 1000000)::bigint",
                                            [.timestamptz(microsecondsSince1970: micros)]).scalar, String(micros))
        try connection.execute("SET TIME ZONE 'UTC'")
        XCTAssertEqual(try connection.query("SELECT $1::timestamptz::text", [.timestamptz(secondsSince1970: 0.5)]).scalar,
                       "1970-01-01 00:00:00.5+00")
        XCTAssertEqual(try connection.query("SELECT $1::timestamptz < $2::timestamptz",
                                            [.timestamptz(microsecondsSince1970: -1), .timestamptz(microsecondsSince1970: 0)]).scalar, "t")

        try connection.execute("CREATE TABLE v (id uuid PRIMARY KEY, doc jsonb, data bytea, at timestamptz, n int, ok bool)")
        try connection.query("INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)",
                             [.uuid(uuid), .jsonb("[1,2]"), .bytea(bytes), .timestamptz(microsecondsSince1970: micros), 42, true])
        let row = try connection.query("SELECT * FROM v WHERE id = $1", [.uuid(uuid)])
        XCTAssertEqual(row.value(0, "doc"), "[1, 2]")
        XCTAssertEqual(row.bytes(0, "data"), bytes)
        XCTAssertEqual(row.value(0, "n"), "42")
    }

    func testNULInTextIsAnErrorNotATruncation() throws {
        let connection = try admin()
        try connection.execute("CREATE TABLE t (k text)")
        for value: PGValue in [.text("abc\u{0}def"), .jsonb("{\"a\": \"\u{0}\"}"), .uuid("\u{0}")] {
            XCTAssertThrowsError(try connection.query("INSERT INTO t VALUES ($1)", [value])) { error in
                XCTAssertEqual((error as? PGError)?.sqlState, "22021")
                XCTAssertEqual((error as? PGError)?.kind, .query)
            }
        }
        XCTAssertThrowsError(try connection.query("SELECT 1\u{0}; DROP TABLE t")) { XCTAssertEqual(($0 as? PGError)?.sqlState, "22021") }
        XCTAssertEqual(try connection.query("SELECT count(*) FROM t").scalar, "0", "nothing was stored, not even a prefix")
    }

    // MARK: - transactions

    func testTransactionCommitsOrRollsBack() throws {
        let pool = makePool()
        try pool.withConnection { try $0.execute("CREATE TABLE t (k text PRIMARY KEY)") }
        let observer = try admin()
        func keys() throws -> [String?] { try observer.execute("SELECT k FROM t ORDER BY k").rows.map { $0[0] } }

        let returned = try pool.transaction { connection -> Int in
            try connection.query("INSERT INTO t VALUES ($1)", ["committed"])
            XCTAssertTrue(connection.inTransaction)
            XCTAssertEqual(try keys(), [], "not visible before COMMIT")
            return 5
        }
        XCTAssertEqual(returned, 5)
        XCTAssertEqual(try keys(), ["committed"])

        struct Abort: Error {}
        XCTAssertThrowsError(try pool.transaction { connection in
            try connection.query("INSERT INTO t VALUES ($1)", ["rolled back"])
            throw Abort()
        }) { XCTAssertTrue($0 is Abort) }
        XCTAssertEqual(try keys(), ["committed"])

        // A failed statement whose error the body swallowed: COMMIT must not report success.
        XCTAssertThrowsError(try pool.transaction { connection in
            try connection.query("INSERT INTO t VALUES ($1)", ["swallowed"])
            _ = try? connection.query("INSERT INTO t VALUES ($1)", ["committed"])
        }) { XCTAssertEqual(($0 as? PGError)?.sqlState, "25P02") }
        XCTAssertEqual(try keys(), ["committed"])
        XCTAssertEqual(pool.statistics.discarded, 0, "SQL errors do not cost connections")
    }

    func testNestedTransactionUsesSavepoint() throws {
        let pool = makePool()
        try pool.withConnection { try $0.execute("CREATE TABLE t (k text PRIMARY KEY)") }
        struct Abort: Error {}
        try pool.transaction { connection in
            try connection.query("INSERT INTO t VALUES ($1)", ["outer"])
            XCTAssertThrowsError(try connection.transaction { inner in
                try inner.query("INSERT INTO t VALUES ($1)", ["inner, rolled back"])
                throw Abort()
            })
            // A failed statement inside the savepoint does not poison the outer transaction.
            XCTAssertThrowsError(try connection.transaction { inner in
                try inner.query("INSERT INTO t VALUES ($1)", ["outer"])
            }) { XCTAssertEqual(($0 as? PGError)?.sqlState, "23505") }
            try connection.transaction { inner in
                try inner.query("INSERT INTO t VALUES ($1)", ["inner, kept"])
            }
            XCTAssertThrowsError(try connection.transaction(isolation: .serializable) { _ in }) {
                XCTAssertEqual(($0 as? PGError)?.sqlState, "25001")
            }
        }
        let keys = try admin().execute("SELECT k FROM t ORDER BY k").rows.map { $0[0] }
        XCTAssertEqual(keys, ["inner, kept", "outer"])
    }

    func testSerializationFailuresAreRetriedWhenAllowed() throws {
        let pool = makePool { $0.serializationRetries = 3 }
        let fail40001 = "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$"
        let fail40P01 = "DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = 'deadlock_detected'; END $$"

        var attempts = 0
        let value = try pool.transaction(isolation: .serializable, retryable: true) { connection -> String? in
            attempts += 1
            if attempts == 1 { try connection.execute(fail40001) }
            if attempts == 2 { try connection.execute(fail40P01) }
            return try connection.query("SELECT current_setting('transaction_isolation')").scalar
        }
        XCTAssertEqual(attempts, 3)
        XCTAssertEqual(value, "serializable")

        attempts = 0
        XCTAssertThrowsError(try pool.transaction { connection in
            attempts += 1
            try connection.execute(fail40001)
        }) { XCTAssertEqual(($0 as? PGError)?.sqlState, "40001") }
        XCTAssertEqual(attempts, 1, "not retried unless the caller says so")

        attempts = 0
        XCTAssertThrowsError(try pool.transaction(retryable: true) { connection in
            attempts += 1
            try connection.execute(fail40001)
        }) { XCTAssertEqual(($0 as? PGError)?.sqlState, "40001") }
        XCTAssertEqual(attempts, 4, "bounded: one attempt plus serializationRetries")

        attempts = 0
        XCTAssertThrowsError(try pool.transaction(retryable: true) { connection in
            attempts += 1
            try connection.execute("SELECT 1/0")
        }) { XCTAssertEqual(($0 as? PGError)?.sqlState, "22012") }
        XCTAssertEqual(attempts, 1, "other SQL errors are not retried")
        XCTAssertEqual(pool.statistics.serializationRetries, 2 + 3)
    }

    func testRealSerializationConflictIsRetried() throws {
        let pool = makePool { $0.maxConnections = 2 }
        try pool.withConnection { connection in
            try connection.execute("CREATE TABLE counter (id int PRIMARY KEY, n int)")
            try connection.execute("INSERT INTO counter VALUES (1, 0)")
        }
        let other = try admin()
        var attempts = 0
        try pool.transaction(isolation: .serializable, retryable: true) { connection in
            attempts += 1
            let n = Int(try connection.query("SELECT n FROM counter WHERE id = 1").scalar ?? "") ?? -1
            if attempts == 1 {
                // Someone else commits a change to the row this transaction has read.
                try other.execute("UPDATE counter SET n = n + 10 WHERE id = 1")
            }
            try connection.query("UPDATE counter SET n = $1 WHERE id = 1", [.int(n + 1)])
        }
        XCTAssertEqual(attempts, 2)
        XCTAssertEqual(try other.execute("SELECT n FROM counter").scalar, "11")
    }

    // MARK: - broken connections

    func testTerminatedIdleConnectionIsReplaced() throws {
        let pool = makePool { $0.maxConnections = 2; $0.minIdle = 1 }
        try pool.warmUp()
        let before = try pool.read { $0.backendPID }
        XCTAssertEqual(try admin().execute("SELECT pg_terminate_backend($1::int, 5000)", params: [String(before)]).scalar, "t")

        let after = try pool.read { connection -> Int in
            XCTAssertEqual(try connection.query("SELECT 1").scalar, "1")
            return connection.backendPID
        }
        XCTAssertNotEqual(after, before)
        let statistics = pool.statistics
        XCTAssertEqual(statistics.discarded, 1)
        XCTAssertEqual(statistics.open, 1)
        XCTAssertEqual(statistics.opened, 2)
        XCTAssertEqual(statistics.readRetries, 0, "caught at checkout, before the caller's statement")
    }

    func testEveryIdleConnectionTerminatedAsInARestart() throws {
        let pool = makePool { $0.maxConnections = 3; $0.minIdle = 3; $0.applicationName = "gatehouse-restart-test" }
        try pool.warmUp()
        XCTAssertEqual(pool.statistics.idle, 3)
        let killed = try admin().execute(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE application_name = $1",
            params: ["gatehouse-restart-test"]).scalar
        XCTAssertEqual(killed, "3")
        XCTAssertEqual(try pool.read { try $0.query("SELECT 1").scalar }, "1")
        let statistics = pool.statistics
        XCTAssertEqual(statistics.discarded, 3)
        XCTAssertEqual(statistics.open, 1)
        XCTAssertEqual(statistics.readRetries, 0)
    }

    func testReadIsRetriedOnceWhenTheConnectionBreaksUnderIt() throws {
        let pool = makePool { $0.maxConnections = 2 }
        let killer = try admin()
        var attempts = 0
        var pids: [Int] = []
        let value = try pool.read { connection -> String? in
            attempts += 1
            pids.append(connection.backendPID)
            if attempts == 1 {
                try killer.execute("SELECT pg_terminate_backend($1::int, 5000)", params: [String(connection.backendPID)])
            }
            return try connection.query("SELECT $1::text", ["survived"]).scalar
        }
        XCTAssertEqual(value, "survived")
        XCTAssertEqual(attempts, 2)
        XCTAssertNotEqual(pids[0], pids[1])
        XCTAssertEqual(pool.statistics.readRetries, 1)
        XCTAssertEqual(pool.statistics.discarded, 1)
        XCTAssertEqual(pool.statistics.open, 1, "the broken connection was replaced, not kept")

        // withConnection does not retry: the caller sees the connection error.
        XCTAssertThrowsError(try pool.withConnection { connection in
            try killer.execute("SELECT pg_terminate_backend($1::int, 5000)", params: [String(connection.backendPID)])
            try connection.query("SELECT 1")
        }) { error in
            XCTAssertEqual((error as? PGError)?.isConnectionFailure, true, "\(error)")
        }
        XCTAssertEqual(try pool.read { try $0.query("SELECT 2").scalar }, "2")
    }

    func testSQLErrorsAreNotRetried() throws {
        let pool = makePool()
        var attempts = 0
        XCTAssertThrowsError(try pool.read { connection in
            attempts += 1
            try connection.query("SELEC 1")
        }) { error in
            XCTAssertEqual((error as? PGError)?.sqlState, "42601")
            XCTAssertEqual((error as? PGError)?.isConnectionFailure, false)
        }
        attempts = 0
        XCTAssertThrowsError(try pool.read { connection in
            attempts += 1
            try connection.query("SELECT $1::int", ["x"])
        }) { XCTAssertEqual(($0 as? PGError)?.sqlState, "22P02") }
        XCTAssertEqual(attempts, 1)
        let statistics = pool.statistics
        XCTAssertEqual(statistics.readRetries, 0)
        XCTAssertEqual(statistics.discarded, 0)
        XCTAssertEqual(statistics.opened, 1)
    }

    func testReadDoesNotRetryWhenTheServerCannotBeReached() throws {
        let port = try freeLoopbackPort()
        let pool = PGPool(url: "postgresql://x@127.0.0.1:\(port)/x", configuration: {
            var configuration = PGPoolConfiguration()
            configuration.connectTimeout = 2
            return configuration
        }())
        var ran = false
        XCTAssertThrowsError(try pool.read { _ in ran = true }) { XCTAssertEqual(($0 as? PGError)?.kind, .connection) }
        XCTAssertFalse(ran)
        XCTAssertEqual(pool.statistics.readRetries, 0)
        XCTAssertEqual(pool.statistics.open, 0, "the failed slot was given back")
    }
}
