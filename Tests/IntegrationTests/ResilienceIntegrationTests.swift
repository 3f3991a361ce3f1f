#if canImport(Glibc)
import GatehouseTesting
import Glibc
#endif
import Crypto
import Foundation
import Postgres
import Store
import XCTest

/// A redis-server of this test's own on a free loopback port, with no persistence, so the test
/// can kill it (SIGKILL) and start it again on the same port without disturbing the shared
/// Redis of Deploy/test.sh.
final class PrivateRedis {
    let port: Int
    let executable: String
    private var process: Process?

    var url: String { "redis://127.0.0.1:\(port)/0" }

    init() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let found = (path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"])
            .map({ $0 + "/redis-server" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestPrecondition("redis-server is not installed (Debian package redis-server; Deploy/test.sh installs it)")
        }
        executable = found
        port = try freePort()
        try start()
    }

    /// Starts redis-server on `port` and waits until it answers PING.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else { throw IntegrationError("redis-server on port \(port) exited at start") }
            if command("PING").contains("+PONG") { return }
            usleep(20_000)
        }
        throw IntegrationError("redis-server on port \(port) did not answer PING within 10 s")
    }

    /// SIGKILL: no shutdown, no save, connections reset.
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// One inline command, then QUIT; the raw RESP reply ("" when Redis cannot be reached).
    func command(_ line: String) -> String {
        guard let client = try? RawClient(port: port, timeout: 2) else { return "" }
        client.send(line + "\r\nQUIT\r\n")
        return client.readAll().text
    }

    /// How many keys match `pattern` (e.g. "gh:session:*").
    func keyCount(_ pattern: String) -> Int {
        // "*<count>\r\n…" (Swift sees "\r\n" as one Character, so split on the bytes).
        let bytes = Array(command("KEYS \(pattern)").utf8)
        guard bytes.first == UInt8(ascii: "*"), let end = bytes.firstIndex(of: UInt8(ascii: "\r")) else { return -1 }
        return Int(String(decoding: bytes[1..<end], as: UTF8.self)) ?? -1
    }
}

/// What happens to a running `serve` when Redis or PostgreSQL goes away, when nodes start at
/// once, and when a user is deactivated while signed in on several nodes. Real binary, real
/// PostgreSQL (a scratch database per test), real Redis.
final class ResilienceIntegrationTests: XCTestCase {
    static let me = LoginIntegrationTests.me
    static let executor = LoginIntegrationTests.executor
    let password = "correct horse battery staple ช้าง"

    var env: IntegrationEnvironment!
    var scratch: LoginScratchDatabase!
    var redis: PrivateRedis?
    var children: [GatehouseChild] = []

    override func setUpWithError() throws {
        env = try IntegrationEnvironment.live()
        scratch = try LoginScratchDatabase(adminURL: env.databaseURL)
    }

    override func tearDown() {
        children.forEach { $0.stop() }
        redis?.kill()
        scratch?.drop()
    }

    /// Migrates the scratch database and creates `usernames` with `password`.
    func seedUsers(_ usernames: [String]) throws {
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        let pool = PGPool(url: scratch.url)
        defer { pool.close() }
        let hash = try PasswordHasher().hash(password)
        let users = PostgresUserStore(pool: pool)
        for username in usernames {
            _ = try users.createUser(NewUser(username: username, email: "\(username)@example.co.th", name: username,
                                             attributes: JSONText("{}"), passwordHash: hash))
        }
    }

    /// `serve` on the scratch database; killed in tearDown.
    func startServe(redisURL: String, secretKey: String? = nil, wait: Bool = true) throws -> GatehouseChild {
        var overrides = ["GATEHOUSE_DATABASE_URL": scratch.url, "GATEHOUSE_REDIS_URL": redisURL]
        if let secretKey { overrides["GATEHOUSE_SECRET_KEY"] = secretKey }
        let child = try GatehouseChild.serve(env, overrides: overrides)
        children.append(child)
        if wait { try child.waitUntilLive() }
        return child
    }

    /// Signs in through the JSON executor; true when the flow ended in a redirect (signed in).
    func signIn(_ browser: Browser, _ username: String) throws -> Bool {
        _ = try browser.get(Self.executor)
        _ = try browser.postJSON(Self.executor, ["component": "ak-stage-identification", "uid_field": username])
        let done = jsonObject(try browser.postJSON(Self.executor, ["component": "ak-stage-password", "password": password]))
        return done["component"] as? String == "xak-flow-redirect"
    }

    func ready(_ port: Int) throws -> (status: Int, body: [String: Any]) {
        let response = try Browser(port: port).get("/-/health/ready/")
        return (response.status, jsonObject(response))
    }

    /// Polls `condition` every 100 ms for up to `timeout` seconds.
    func eventually(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            if try condition() { return true }
            usleep(100_000)
        } while Date() < deadline
        return false
    }

    // MARK: Redis outage

    func testRedisKilledSessionsStayValidNewLoginsWorkAndCacheRefillsWhenItReturns() throws {
        let redis = try PrivateRedis()
        self.redis = redis
        try seedUsers(["somchai", "malee"])
        let child = try startServe(redisURL: redis.url)

        let browser = Browser(port: child.port)
        XCTAssertTrue(try signIn(browser, "somchai"))
        XCTAssertEqual(try browser.get(Self.me).status, 200)
        XCTAssertEqual(try ready(child.port).body["status"] as? String, "ready")
        XCTAssertGreaterThan(redis.keyCount("gh:session:*"), 0, "the session is cached in Redis while it is up")

        redis.kill()

        // The same cookie keeps working, each request answered fast (the breaker fails fast
        // instead of waiting on Redis).
        for attempt in 1...5 {
            let started = Date()
            let me = try browser.get(Self.me)
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertEqual(me.status, 200, "users/me attempt \(attempt) with Redis down: \(me.body)")
            XCTAssertEqual((jsonObject(me)["user"] as? [String: Any])?["username"] as? String, "somchai")
            XCTAssertLessThan(elapsed, 1.0, "users/me attempt \(attempt) with Redis down took \(elapsed) s")
        }
        // The readiness probe caches each check for 1 s: ask until that has passed.
        var degraded = try ready(child.port)
        _ = try eventually(timeout: 3) {
            degraded = try ready(child.port)
            return degraded.body["status"] as? String != "ready"
        }
        XCTAssertEqual(degraded.status, 200)
        XCTAssertEqual(degraded.body["status"] as? String, "degraded", "\(degraded.body)")
        XCTAssertEqual((degraded.body["checks"] as? [String: String])?["redis"], "failed", "\(degraded.body)")

        // A new login while Redis is down.
        let second = Browser(port: child.port)
        XCTAssertTrue(try signIn(second, "malee"), "login with Redis down")
        let secondMe = try second.get(Self.me)
        XCTAssertEqual(secondMe.status, 200, secondMe.body)
        XCTAssertEqual((jsonObject(secondMe)["user"] as? [String: Any])?["username"] as? String, "malee")

        // Redis returns, empty (no persistence): the server notices by itself, readiness is
        // back to ready and the cache refills from PostgreSQL; nobody was logged out.
        try redis.start()
        XCTAssertEqual(redis.keyCount("gh:session:*"), 0, "a fresh Redis starts empty")
        let recovered = try eventually(timeout: 15) {
            XCTAssertEqual(try browser.get(Self.me).status, 200)
            XCTAssertEqual(try second.get(Self.me).status, 200)
            return try ready(child.port).body["status"] as? String == "ready" && redis.keyCount("gh:session:*") > 0
        }
        let finalReadiness = try ready(child.port).body
        XCTAssertTrue(recovered, "readiness back to ready and the session cache refilled within 15 s; ready: \(finalReadiness), cached sessions: \(redis.keyCount("gh:session:*"))")
        XCTAssertEqual(try browser.get(Self.me).status, 200)
        XCTAssertTrue(child.isRunning, child.exitDescription)
    }

    // MARK: PostgreSQL connections dropped

    /// Terminates every backend serve holds instead of restarting PostgreSQL: the test
    /// PostgreSQL is shared with the other tests (and may run them in parallel), so restarting
    /// it would disturb them. To the server the effect is the same: each pooled connection finds
    /// its backend gone (SQLSTATE 57P01) and must be replaced.
    func testTerminatedPostgresBackendsAreReplacedWithoutAFailedRequest() throws {
        try seedUsers(["somchai", "malee"])
        let child = try startServe(redisURL: try RedisScratch.database(for: scratch.url, base: env.redisURL))
        let browser = Browser(port: child.port)
        XCTAssertTrue(try signIn(browser, "somchai"))
        XCTAssertEqual(try browser.get(Self.me).status, 200)

        for round in 1...2 {
            let admin = try PGConnection(url: env.databaseURL, connectTimeout: 5)
            let terminated = try admin.execute("""
                SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = $1 AND pid <> pg_backend_pid()) AS t
                """, params: [scratch.name]).scalar
            admin.close()
            XCTAssertNotEqual(terminated, "0", "round \(round): serve held no connection to terminate")
            usleep(200_000)   // let the backends exit

            // No failed request is acceptable: the pool's read retry and idle checks cover it.
            let me = try browser.get(Self.me)
            XCTAssertEqual(me.status, 200, "round \(round): users/me after the backends were terminated: \(me.body)")
            XCTAssertEqual((jsonObject(me)["user"] as? [String: Any])?["username"] as? String, "somchai")
            let fresh = Browser(port: child.port)
            XCTAssertTrue(try signIn(fresh, round == 1 ? "malee" : "somchai"), "round \(round): new login after the backends were terminated")
            XCTAssertEqual(try fresh.get(Self.me).status, 200)
            let readiness = try ready(child.port)
            XCTAssertEqual((readiness.body["checks"] as? [String: String])?["postgres"], "ok", "\(readiness.body)")
        }
        XCTAssertTrue(child.isRunning, child.exitDescription)
    }

    // MARK: Nodes starting at once

    func testTwoServesStartingAtOnceOnAnEmptyDatabaseMigrateOnce() throws {
        // Empty scratch database: no table at all.
        let a = try startServe(redisURL: try RedisScratch.database(for: scratch.url, base: env.redisURL), wait: false)
        let b = try startServe(redisURL: try RedisScratch.database(for: scratch.url, base: env.redisURL), wait: false)
        try a.waitUntilLive(timeout: 30)
        try b.waitUntilLive(timeout: 30)
        for child in [a, b] {
            let readiness = try ready(child.port)
            XCTAssertEqual(readiness.status, 200, "\(readiness.body)")
            XCTAssertEqual((readiness.body["checks"] as? [String: String])?["postgres"], "ok", "\(readiness.body)")
        }

        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        defer { connection.close() }
        let versions = try connection.execute("SELECT version FROM \(Migrator.tableName) ORDER BY version").rows.map { $0[0] ?? "" }
        let expected = GatehouseMigrations.all.map(\.version).sorted().map(String.init)
        XCTAssertEqual(versions, expected, "each migration exactly once")
        // The schema works: both nodes serve a login.
        let pool = PGPool(url: scratch.url)
        defer { pool.close() }
        _ = try PostgresUserStore(pool: pool).createUser(NewUser(
            username: "somchai", email: "somchai@example.co.th", name: "Somchai",
            attributes: JSONText("{}"), passwordHash: try PasswordHasher().hash(password)))
        for child in [a, b] {
            let browser = Browser(port: child.port)
            XCTAssertTrue(try signIn(browser, "somchai"))
            XCTAssertEqual(try browser.get(Self.me).status, 200)
            XCTAssertTrue(child.isRunning, child.exitDescription)
        }
    }

    // MARK: Deactivation seen by every node

    func testDeactivatingThroughTheCLIEndsTheSessionOnBothNodesAtOnce() throws {
        let redis = try PrivateRedis()
        self.redis = redis
        try seedUsers(["malee"])
        let key = generateSecretKey()
        let a = try startServe(redisURL: redis.url, secretKey: key)
        let b = try startServe(redisURL: redis.url, secretKey: key)

        let browser = Browser(port: a.port)
        XCTAssertTrue(try signIn(browser, "malee"))
        let onB = Browser(port: b.port)
        onB.cookies = browser.cookies
        // Both nodes have served (and so cached) the session.
        for _ in 1...2 {
            XCTAssertEqual(try browser.get(Self.me).status, 200)
            XCTAssertEqual(try onB.get(Self.me).status, 200, "the session from node A is valid on node B")
        }
        XCTAssertGreaterThan(redis.keyCount("gh:session:*"), 0, "the session is cached in the shared Redis")

        let cli = try GatehouseChild(binary: env.binary, arguments: ["users", "deactivate", "malee"], environment: [
            "GATEHOUSE_DATABASE_URL": scratch.url, "GATEHOUSE_REDIS_URL": redis.url, "GATEHOUSE_SECRET_KEY": key,
        ], port: 0, secretKey: key)
        defer { cli.stop() }
        XCTAssertTrue(cli.waitForExit(timeout: 30), "users deactivate did not finish")
        XCTAssertTrue(cli.exitedCleanly, "\(cli.exitDescription): \(cli.stderr)")
        XCTAssertTrue(cli.stdout.contains("deactivated malee"), cli.stdout)

        // At once: no waiting for a cache entry to age out.
        XCTAssertEqual(try browser.get(Self.me).status, 403, "node A still accepts the deactivated user's session")
        XCTAssertEqual(try onB.get(Self.me).status, 403, "node B still accepts the deactivated user's session")
        XCTAssertFalse(try signIn(Browser(port: b.port), "malee"), "a deactivated user cannot sign in")
    }
}
