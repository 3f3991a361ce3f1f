import XCTest
@testable import App

final class ProbeTests: XCTestCase {
    final class CountingProbe: DependencyProbe, @unchecked Sendable {
        let name = "counting"
        var calls = 0
        var result = ProbeResult.ok
        func check() -> ProbeResult { calls += 1; return result }
    }

    func testCachedForTTL() {
        let probe = CountingProbe()
        let now = Locked(100.0)
        let cached = CachedProbe(probe, ttl: 1.0, clock: { now.withLock { $0 } })
        XCTAssertEqual(cached.check(), .ok)
        XCTAssertEqual(cached.check(), .ok)
        now.withLock { $0 = 100.9 }
        probe.result = .failed(reason: "down")
        XCTAssertEqual(cached.check(), .ok, "still cached")
        XCTAssertEqual(probe.calls, 1)
        now.withLock { $0 = 101.0 }
        XCTAssertEqual(cached.check(), .failed(reason: "down"))
        XCTAssertEqual(probe.calls, 2)
    }

    func testConcurrentCallersShareOneCheck() {
        let probe = CountingProbe()
        let cached = CachedProbe(probe)
        DispatchQueue.concurrentPerform(iterations: 50) { _ in _ = cached.check() }
        XCTAssertEqual(probe.calls, 1)
    }

    func testPostgresProbeFailsOnClosedPort() throws {
        let port = try freeLoopbackPort()
        let started = monotonicSeconds()
        let result = PostgresProbe(url: try DatabaseURL(validating: "postgresql://nobody:pw@127.0.0.1:\(port)/x")).check()
        guard case .failed(let reason) = result else { return XCTFail("expected failure") }
        XCTAssertFalse(reason.contains("pw@"), reason)
        XCTAssertLessThan(monotonicSeconds() - started, 3)
    }

    func testRedisProbeFailsOnClosedPort() throws {
        let port = try freeLoopbackPort()
        let result = RedisProbe(url: RedisURL(host: "127.0.0.1", port: port, password: "pw")).check()
        guard case .failed(let reason) = result else { return XCTFail("expected failure") }
        XCTAssertTrue(reason.contains("cannot connect"), reason)
    }

    func testRedisProbeTimesOutOnSilentServer() throws {
        // A socket that accepts connections (kernel backlog) but never answers.
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(server) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(server, 8)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let started = monotonicSeconds()
        XCTAssertFalse(RedisProbe(url: RedisURL(host: "127.0.0.1", port: port), timeout: 0.5).check().isOK)
        XCTAssertFalse(PostgresProbe(url: try DatabaseURL(validating: "postgresql://x@127.0.0.1:\(port)/x"), timeout: 2).check().isOK)
        XCTAssertLessThan(monotonicSeconds() - started, 6)
    }

    func testLiveRedis() throws {
        let url = try RedisURL.parse(try liveRedisURL())
        XCTAssertEqual(RedisProbe(url: url).check(), .ok)
        var wrongDatabase = url
        wrongDatabase.database = 100_000
        guard case .failed(let reason) = RedisProbe(url: wrongDatabase).check() else { return XCTFail("SELECT should fail") }
        XCTAssertTrue(reason.contains("SELECT"), reason)
    }

    func testLivePostgres() throws {
        let url = try DatabaseURL(validating: try liveDatabaseURL())
        XCTAssertEqual(PostgresProbe(url: url).check(), .ok)
        let readiness = Readiness(config: {
            var config = GatehouseConfig()
            config.databaseURL = url
            return config
        }())
        XCTAssertEqual(readiness.check().map(\.name), ["postgres"])
        XCTAssertTrue(readiness.check().allSatisfy { $0.result.isOK })
    }
}

func liveDatabaseURL() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_DATABASE_URL"], !url.isEmpty else {
        throw XCTSkip("GATEHOUSE_TEST_DATABASE_URL is not set (Deploy/test.sh sets it)")
    }
    return url
}

func liveRedisURL() throws -> String {
    guard let url = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_REDIS_URL"], !url.isEmpty else {
        throw XCTSkip("GATEHOUSE_TEST_REDIS_URL is not set (Deploy/test.sh sets it)")
    }
    return url
}
