import Foundation
import Logging
import XCTest
@testable import Redis

final class RedisClientTests: XCTestCase {
    // MARK: Against the shared test Redis

    func testBinaryValuesRoundTrip() throws {
        let client = RedisClient(configuration: try liveConfiguration(), logger: Logger(label: "test"))
        let key = uniqueKey(), other = uniqueKey()
        let value: [UInt8] = [0, 1, 0, 255, 13, 10, 0] + Array("tail\r\n$3\r\n".utf8) + [0]
        XCTAssertNil(try client.get(key))
        try client.set(key, value, ttlSeconds: 60)
        try client.set(other, [], ttlSeconds: 60)
        XCTAssertEqual(try client.get(key), value)
        XCTAssertEqual(try client.get(other), [], "an empty value is not a miss")
        XCTAssertEqual(try client.delete([key, other, uniqueKey()]), 2)
        XCTAssertNil(try client.get(key))
        XCTAssertEqual(try client.delete([]), 0)
        try client.ping()
        XCTAssertTrue(client.isAvailable)
    }

    func testTTLExpiry() throws {
        let client = RedisClient(configuration: try liveConfiguration(), logger: Logger(label: "test"))
        let key = uniqueKey(), kept = uniqueKey()
        try client.set(key, [1], ttlSeconds: 1)
        try client.set(kept, [2], ttlSeconds: 100)
        XCTAssertTrue(try client.expire(kept, ttlSeconds: 1))
        XCTAssertFalse(try client.expire(uniqueKey(), ttlSeconds: 1), "no such key")
        XCTAssertEqual(try client.get(key), [1])
        usleep(1_300_000)
        XCTAssertNil(try client.get(key))
        XCTAssertNil(try client.get(kept))
    }

    func testIncrSetsTheTTLExactlyOnce() throws {
        let client = RedisClient(configuration: try liveConfiguration(), logger: Logger(label: "test"))
        let key = uniqueKey()
        defer { _ = try? client.delete([key]) }
        XCTAssertEqual(try client.incr(key, ttlSeconds: 60), 1)
        let first = try pttl(client, key)
        XCTAssertGreaterThan(first, 58_000)
        XCTAssertLessThanOrEqual(first, 60_000)
        usleep(1_100_000)
        XCTAssertEqual(try client.incr(key, ttlSeconds: 60), 2)
        XCTAssertEqual(try client.incr(key, ttlSeconds: 3600), 3)
        let later = try pttl(client, key)
        XCTAssertLessThanOrEqual(later, first - 1_000, "a later hit must not extend the window")
        XCTAssertGreaterThan(later, 50_000)

        // A counter that somehow has no TTL gets one on the next hit.
        let bare = uniqueKey()
        defer { _ = try? client.delete([bare]) }
        XCTAssertEqual(try client.command(["SET", bare, "41"]), .status("OK"))
        XCTAssertEqual(try client.incr(bare, ttlSeconds: 30), 42)
        XCTAssertGreaterThan(try pttl(client, bare), 25_000)
    }

    func testReplyTypesAndErrorReplies() throws {
        let client = RedisClient(configuration: try liveConfiguration(), logger: Logger(label: "test"))
        let script = "return {1, 'a', {2, false}, redis.status_reply('FINE'), redis.error_reply('NOPE no')}"
        XCTAssertEqual(try client.command(["EVAL", script, "0"]), .array([
            .integer(1), .bulk(Array("a".utf8)), .array([.integer(2), .null]), .status("FINE"), .error("NOPE no"),
        ]))
        XCTAssertEqual(try client.command(["GET", uniqueKey()]), .null)
        guard case .error(let message) = try client.command(["NOSUCHCOMMAND"]) else { return XCTFail("expected an error reply") }
        XCTAssertTrue(message.hasPrefix("ERR"), message)

        // Wrong type: a typed error, and the connection stays usable.
        let list = uniqueKey()
        defer { _ = try? client.delete([list]) }
        XCTAssertEqual(try client.command(["RPUSH", list, "x"]), .integer(1))
        XCTAssertThrowsError(try client.get(list)) { error in
            guard case .server(let message) = error as? RedisError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("WRONGTYPE"), message)
        }
        XCTAssertThrowsError(try client.incr(list, ttlSeconds: 5)) { error in
            guard case .server = error as? RedisError else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(client.isAvailable)
        XCTAssertEqual(client.connectAttempts, 1)
        // The cache swallows it (and logs it), returning a miss.
        let log = RecordingLog()
        let cache = Cache(client: client, logger: log.logger)
        XCTAssertTrue(cache.set(namespace: "test", key: list, value: [1], ttl: .seconds(5)))
        XCTAssertEqual(try client.command(["RPUSH", Cache.key(namespace: "test", key: list) + ":l", "x"]), .integer(1))
        XCTAssertNil(cache.get(namespace: "test", key: list + ":l"))
        XCTAssertEqual(log.count(.warning), 1)
        XCTAssertTrue(cache.invalidate(namespace: "test", keys: [list, list + ":l"]))
    }

    func testFiftyThreadsShareThePool() throws {
        let client = RedisClient(configuration: try liveConfiguration(), logger: Logger(label: "test"))
        let counter = uniqueKey()
        defer { _ = try? client.delete([counter]) }
        let failures = Lock<[String]>([])
        let group = DispatchGroup()
        let rounds = 20
        for thread in 0..<50 {
            group.enter()
            let worker = Thread {
                defer { group.leave() }
                let key = "\(counter):\(thread)"
                let value = Array(repeating: UInt8(thread), count: 100 + thread) + [0]
                do {
                    for round in 0..<rounds {
                        try client.set(key, value + [UInt8(round)], ttlSeconds: 30)
                        if try client.get(key) != value + [UInt8(round)] { failures.withLock { $0.append("thread \(thread): wrong value") } }
                        _ = try client.incr(counter, ttlSeconds: 30)
                    }
                    try client.delete([key])
                } catch {
                    failures.withLock { $0.append("thread \(thread): \(error)") }
                }
            }
            worker.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(failures.withLock { $0 }, [])
        XCTAssertEqual(try client.get(counter), Array(String(50 * rounds).utf8))
        XCTAssertLessThanOrEqual(client.connectAttempts, client.configuration.maxConnections)
        XCTAssertTrue(client.isAvailable)
    }

    func testAUTHAndSELECTFailuresAreUnavailable() throws {
        var wrongDatabase = try liveConfiguration()
        wrongDatabase.database = 100_000
        let client = RedisClient(configuration: wrongDatabase, logger: Logger(label: "test"))
        XCTAssertThrowsError(try client.ping()) { error in
            guard case .unavailable(let message) = error as? RedisError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("SELECT"), message)
        }
        XCTAssertFalse(client.isAvailable)
    }

    // MARK: Down, and back

    func testClosedPortFailsFastAndTheBreakerLimitsConnects() throws {
        let port = try freeLoopbackPort()
        let log = RecordingLog()
        let client = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: port), logger: log.logger)
        XCTAssertTrue(client.isAvailable, "optimistic before the first call")
        XCTAssertLessThan(assertUnavailable { () throws(RedisError) in try client.get("k") }, 1)
        XCTAssertFalse(client.isAvailable)
        XCTAssertEqual(client.connectAttempts, 1)

        // For 1.5 s: every call fails at once, and only one reconnect happens (at ~1 s).
        let start = monotonicNow()
        var calls = 0
        while monotonicNow() - start < 1.5 {
            XCTAssertLessThan(assertUnavailable { () throws(RedisError) in try client.set("k", [1], ttlSeconds: 1) }, 0.1)
            calls += 1
            usleep(5_000)
        }
        XCTAssertGreaterThan(calls, 50)
        XCTAssertEqual(client.connectAttempts, 2, "one at the first call, one probe after 1 s; the next is 2 s later")
        XCTAssertEqual(log.count(.warning), 1, "\(log.all)")
        XCTAssertEqual(log.count(.info), 0)

        // The cache turns all of it into misses and false.
        let cache = Cache(client: client, logger: log.logger)
        XCTAssertNil(cache.get(namespace: "session", key: "x"))
        XCTAssertFalse(cache.set(namespace: "session", key: "x", value: [1], ttl: .seconds(5)))
        XCTAssertFalse(cache.invalidate(namespace: "session", key: "x"))
        XCTAssertFalse(cache.isAvailable)
        XCTAssertEqual(log.count(.warning), 1, "the cache does not log unavailability per call")
    }

    func testSilentServerTimesOut() throws {
        // Accepts connections (kernel backlog) but never answers.
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(server) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, length) } }
        listen(server, 8)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &length) } }
        let client = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port))),
                                 logger: Logger(label: "test"))
        let took = assertUnavailable { () throws(RedisError) in try client.ping() }
        XCTAssertGreaterThanOrEqual(took, 0.2)
        XCTAssertLessThan(took, 1)
        XCTAssertLessThan(assertUnavailable { () throws(RedisError) in try client.ping() }, 0.05, "breaker open")
    }

    func testRecoversWhenRedisRestartsOnTheSamePort() throws {
        let server = try PrivateRedis(port: try freeLoopbackPort(), password: "s3cret/with:odd@chars")
        let log = RecordingLog()
        let client = RedisClient(configuration: server.configuration, logger: log.logger)
        let cache = Cache(client: client, logger: log.logger)
        XCTAssertTrue(cache.set(namespace: "session", key: "abc", value: [0, 1, 2], ttl: .seconds(60)))
        XCTAssertEqual(cache.get(namespace: "session", key: "abc"), [0, 1, 2])
        XCTAssertEqual(try client.incr("gh:rate:ip", ttlSeconds: 60), 1)

        server.stop()
        XCTAssertLessThan(assertUnavailable { () throws(RedisError) in try client.get("gh:session:abc") }, 1)
        XCTAssertFalse(client.isAvailable)
        for _ in 0..<20 {
            XCTAssertLessThan(assertUnavailable { () throws(RedisError) in try client.get("gh:session:abc") }, 0.05)
            XCTAssertNil(cache.get(namespace: "session", key: "abc"))
        }
        XCTAssertEqual(log.count(.warning), 1)

        try server.start()
        let client0 = ObjectIdentifier(client)
        let deadline = monotonicNow() + 10
        var recoveredAfter: Double?
        let restarted = monotonicNow()
        while monotonicNow() < deadline {
            if (try? client.ping()) != nil { recoveredAfter = monotonicNow() - restarted; break }
            usleep(50_000)
        }
        XCTAssertNotNil(recoveredAfter, "client did not recover within 10 s")
        XCTAssertEqual(ObjectIdentifier(client), client0)
        XCTAssertTrue(client.isAvailable)
        XCTAssertEqual(log.count(.warning), 1, "\(log.all)")
        XCTAssertEqual(log.count(.info), 1, "\(log.all)")
        // The new server is empty (no persistence): misses, then the cache refills.
        XCTAssertNil(cache.get(namespace: "session", key: "abc"))
        XCTAssertTrue(cache.set(namespace: "session", key: "abc", value: [3], ttl: .seconds(60)))
        XCTAssertEqual(cache.get(namespace: "session", key: "abc"), [3])
        XCTAssertEqual(try client.incr("gh:rate:ip", ttlSeconds: 60), 1)
    }

    func testStaleIdleConnectionsAreReplacedWithoutAnOutage() throws {
        // Redis restarts between two calls: the pooled connection is dead, but the server is
        // back, so the call succeeds on a fresh connection and the breaker stays up.
        let server = try PrivateRedis(port: try freeLoopbackPort())
        let log = RecordingLog()
        let client = RedisClient(configuration: server.configuration, logger: log.logger)
        try client.ping()
        server.stop()
        try server.start()
        try client.ping()
        XCTAssertTrue(client.isAvailable)
        XCTAssertEqual(client.connectAttempts, 2)
        XCTAssertEqual(log.count(.warning), 0)
    }

    func testWrongPasswordIsUnavailable() throws {
        let server = try PrivateRedis(port: try freeLoopbackPort(), password: "right")
        var configuration = server.configuration
        configuration.password = "wrong"
        let client = RedisClient(configuration: configuration, logger: Logger(label: "test"))
        XCTAssertThrowsError(try client.ping()) { error in
            guard case .unavailable(let message) = error as? RedisError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("AUTH refused"), message)
            XCTAssertFalse(message.contains("wrong"), message)
        }
    }

    func testFlushAllMeansMissesNotErrors() throws {
        let server = try PrivateRedis(port: try freeLoopbackPort())
        let log = RecordingLog()
        let client = RedisClient(configuration: server.configuration, logger: log.logger)
        let cache = Cache(client: client, logger: log.logger)
        XCTAssertTrue(cache.set(namespace: "session", key: "a", value: [1], ttl: .seconds(60)))
        XCTAssertEqual(try client.get("gh:session:a"), [1], "keys are gh:<namespace>:<key>")
        XCTAssertEqual(try client.incr("gh:rate:a", ttlSeconds: 60), 1)
        XCTAssertEqual(try client.command(["FLUSHALL"]), .status("OK"))
        XCTAssertNil(cache.get(namespace: "session", key: "a"))
        XCTAssertEqual(try client.incr("gh:rate:a", ttlSeconds: 60), 1, "counters start over")
        XCTAssertTrue(cache.isAvailable)
        XCTAssertTrue(cache.set(namespace: "session", key: "a", value: [2], ttl: .seconds(60)))
        XCTAssertEqual(cache.get(namespace: "session", key: "a"), [2])
        XCTAssertEqual(log.all.count, 0, "\(log.all)")
    }

    private func pttl(_ client: RedisClient, _ key: String) throws -> Int {
        guard case .integer(let value) = try client.command(["PTTL", key]) else { throw RedisError.unexpectedReply("PTTL") }
        return value
    }
}
