@testable import Portal
import Identity
import Foundation
import Logging
import Synchronization
import XCTest
@testable import App
import Flows
import Postgres
import Redis
import Store

/// `CachedSessionStore`, `CachedUserStore` and `RedisLoginThrottle` against real PostgreSQL
/// (a scratch database per test) and real Redis: the shared test server
/// (GATEHOUSE_TEST_REDIS_URL) and private redis-servers that the tests kill and restart.
final class SessionCacheTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var privateServers: [PrivateRedisServer] = []

    override func setUpWithError() throws {
        _ = try liveRedisConfiguration()  // skip early without Redis
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
    }

    override func tearDown() {
        privateServers.forEach { $0.stop() }
        privateServers = []
        pool?.close()
        scratch?.drop()
    }

    // MARK: helpers

    func liveRedisConfiguration() throws -> RedisConfiguration {
        guard let text = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_REDIS_URL"], !text.isEmpty else {
            throw XCTSkip("GATEHOUSE_TEST_REDIS_URL is not set")
        }
        var configuration = try RedisURL.parse(text).redisConfiguration()
        configuration.retryInitialDelay = 0.1
        configuration.retryMaxDelay = 0.2
        return configuration
    }

    func privateRedis(arguments: [String] = []) throws -> PrivateRedisServer {
        let server = try PrivateRedisServer(extraArguments: arguments)
        privateServers.append(server)
        return server
    }

    func makeNode(_ configuration: RedisConfiguration, maxEntryAge: Int64 = 60, touchInterval: Int64 = 60)
        -> (sessions: CachedSessionStore, users: CachedUserStore, counter: CountingSessionStore, cache: SessionCache) {
        var logger = Logger(label: "session-cache-test")
        logger.logLevel = .critical
        let cache = SessionCache(client: RedisClient(configuration: configuration, logger: logger), logger: logger,
                                 maxEntryAge: maxEntryAge, touchInterval: touchInterval)
        let counter = CountingSessionStore(base: PostgresSessionStore(pool: pool))
        return (CachedSessionStore(base: counter, cache: cache),
                CachedUserStore(base: PostgresUserStore(pool: pool), cache: cache), counter, cache)
    }

    func newSession(_ store: any SessionStore, user: UserID?, now: Timestamp = .now()) throws -> Session {
        let session = Session(idHash: (0..<32).map { _ in UInt8.random(in: 0...255) }, userID: user, createdAt: now,
                              lastSeenAt: now, expiresAt: now.adding(seconds: 3600), idleTimeoutSeconds: 1800,
                              clientIP: "192.0.2.7", userAgent: "test", authTime: now, authMethods: ["pwd"],
                              flowState: JSONText(#"{"plan": ["a", "b"]}"#))  // as jsonb prints it
        try store.createSession(session)
        return session
    }

    func newUser(_ name: String = "u\(UInt32.random(in: 0...UInt32.max))") throws -> User {
        try PostgresUserStore(pool: pool).createUser(NewUser(username: name))
    }

    func deleteRowInSQL(_ session: Session) throws {
        try pool.withConnection { try $0.query("DELETE FROM sessions WHERE id_hash = $1", [.bytea(session.idHash)]) }
    }

    // MARK: session cache

    func testReadsAreServedFromRedisUntilInvalidated() throws {
        let node = makeNode(try liveRedisConfiguration())
        let user = try newUser()
        let session = try newSession(node.sessions, user: user.id)
        let now = Timestamp.now()

        XCTAssertEqual(try node.sessions.session(idHash: session.idHash, at: now), session)
        let afterFill = node.counter.reads
        XCTAssertEqual(afterFill, 2, "a miss reads PostgreSQL, the user's generation, then PostgreSQL again")
        for _ in 0..<5 { XCTAssertEqual(try node.sessions.session(idHash: session.idHash, at: now), session) }
        XCTAssertEqual(node.counter.reads, afterFill, "hits do not query PostgreSQL")

        // Proof that it is the cache answering: the row is gone, the entry still serves.
        try deleteRowInSQL(session)
        XCTAssertEqual(try node.sessions.session(idHash: session.idHash, at: now), session)
        // ... but never longer than maxEntryAge.
        XCTAssertNil(try node.sessions.session(idHash: session.idHash, at: now.adding(seconds: 61)))

        // Deleting through the store invalidates (tombstone), also against a concurrent refill.
        let other = try newSession(node.sessions, user: user.id)
        XCTAssertNotNil(try node.sessions.session(idHash: other.idHash, at: now))
        try node.sessions.deleteSession(idHash: other.idHash)
        XCTAssertNil(try node.sessions.session(idHash: other.idHash, at: now))
        XCTAssertNil(try node.sessions.session(idHash: other.idHash, at: now))

        // A session without a user (a flow before sign-in) is cached too.
        let anonymous = try newSession(node.sessions, user: nil)
        XCTAssertEqual(try node.sessions.session(idHash: anonymous.idHash, at: now), anonymous)
        let reads = node.counter.reads
        XCTAssertEqual(try node.sessions.session(idHash: anonymous.idHash, at: now), anonymous)
        XCTAssertEqual(node.counter.reads, reads)

        // deleteSessions(ofUser:) voids every cached session of the user.
        let third = try newSession(node.sessions, user: user.id)
        XCTAssertNotNil(try node.sessions.session(idHash: third.idHash, at: now))
        XCTAssertEqual(try node.sessions.deleteSessions(ofUser: user.id), 1)
        XCTAssertNil(try node.sessions.session(idHash: third.idHash, at: now))
        XCTAssertNil(try node.sessions.session(idHash: session.idHash, at: now))
    }

    /// The cached stores are drop-ins: the backend-neutral conformance suite passes through
    /// them, with Redis up (a private server: the suite uses fixed session hashes) and down.
    func testConformanceThroughTheCache() throws {
        let redis = try privateRedis()
        for redisUp in [true, false] {
            if !redisUp {  // a fresh database, Redis gone
                pool.close()
                scratch.drop()
                scratch = try ScratchDatabase()
                pool = PGPool(url: scratch.url)
                try pool.withConnection { try Migrator().migrate(on: $0) }
                redis.stop()
            }
            let node = makeNode(redis.configuration)
            let conformance = StoreConformance(users: node.users, groups: PostgresGroupStore(pool: pool),
                                               sessions: node.sessions, events: PostgresEventStore(pool: pool))
            try conformance.usersCreateFindAndConflict()
            try conformance.sessionLifetimes()
            XCTAssertEqual(node.cache.client.isAvailable, redisUp)
        }
    }

    func testTouchWritesPostgreSQLAtMostOncePerInterval() throws {
        let node = makeNode(try liveRedisConfiguration(), touchInterval: 20)
        let other = makeNode(try liveRedisConfiguration(), touchInterval: 20)
        let session = try newSession(node.sessions, user: try newUser().id)
        let start = session.lastSeenAt
        XCTAssertNotNil(try node.sessions.session(idHash: session.idHash, at: start))
        try node.sessions.touchSession(idHash: session.idHash, at: start.adding(seconds: 10))
        try other.sessions.touchSession(idHash: session.idHash, at: start.adding(seconds: 15))
        XCTAssertEqual(node.counter.touches + other.counter.touches, 0, "within the interval of the stored last_seen_at")
        try node.sessions.touchSession(idHash: session.idHash, at: start.adding(seconds: 30))
        XCTAssertEqual(node.counter.touches, 1)
        try node.sessions.touchSession(idHash: session.idHash, at: start.adding(seconds: 35))
        XCTAssertEqual(node.counter.touches, 1, "this node wrote it 5 s ago")
        // The other node sees the new last_seen_at in the cache entry and does not write again.
        try other.sessions.touchSession(idHash: session.idHash, at: start.adding(seconds: 40))
        XCTAssertEqual(other.counter.touches, 0)
        let stored = try PostgresSessionStore(pool: pool).session(idHash: session.idHash, at: start.adding(seconds: 40))
        XCTAssertEqual(stored?.lastSeenAt, start.adding(seconds: 30))
        XCTAssertEqual(try other.sessions.session(idHash: session.idHash, at: start.adding(seconds: 40))?.lastSeenAt,
                       start.adding(seconds: 30))
        XCTAssertEqual(other.counter.reads, 0, "answered by the updated cache entry")
    }

    func testDeactivationEndsCachedSessionsOnAnotherNodeAtOnce() throws {
        let nodeA = makeNode(try liveRedisConfiguration())
        let nodeB = makeNode(try liveRedisConfiguration())
        let user = try newUser()
        let session = try newSession(nodeA.sessions, user: user.id)
        let now = Timestamp.now()
        XCTAssertNotNil(try nodeB.sessions.session(idHash: session.idHash, at: now))
        let reads = nodeB.counter.reads
        XCTAssertNotNil(try nodeB.sessions.session(idHash: session.idHash, at: now))
        XCTAssertEqual(nodeB.counter.reads, reads, "node B serves it from Redis")

        try nodeA.users.deactivateUser(user.id, at: now)
        XCTAssertNil(try nodeB.sessions.session(idHash: session.idHash, at: now), "void on node B at once")
        XCTAssertNil(try nodeA.sessions.session(idHash: session.idHash, at: now))

        // deactivateUser also deleted the rows; a new session after reactivation works everywhere.
        try nodeA.users.activateUser(user.id)
        let fresh = try newSession(nodeA.sessions, user: user.id)
        XCTAssertNotNil(try nodeB.sessions.session(idHash: fresh.idHash, at: now))
        XCTAssertNotNil(try nodeA.sessions.session(idHash: fresh.idHash, at: now))
    }

    func testRedisDownThenBack() throws {
        let redis = try privateRedis()
        let node = makeNode(redis.configuration)
        let user = try newUser()
        let now = Timestamp.now()
        let existing = try newSession(node.sessions, user: user.id)
        let doomed = try newSession(node.sessions, user: user.id)
        XCTAssertNotNil(try node.sessions.session(idHash: existing.idHash, at: now))
        XCTAssertNotNil(try node.sessions.session(idHash: doomed.idHash, at: now))

        redis.stop()
        // Nobody is logged out; PostgreSQL answers.
        let reads = node.counter.reads
        XCTAssertEqual(try node.sessions.session(idHash: existing.idHash, at: now), existing)
        XCTAssertGreaterThan(node.counter.reads, reads)
        XCTAssertFalse(node.cache.client.isAvailable)
        // New sessions can be created and found.
        let created = try newSession(node.sessions, user: user.id)
        XCTAssertEqual(try node.sessions.session(idHash: created.idHash, at: now), created)
        // A delete while Redis is down still takes effect at once (PostgreSQL first; this node
        // distrusts the cache until it has replaced the epoch).
        try node.sessions.deleteSession(idHash: doomed.idHash)
        XCTAssertTrue(node.cache.isDistrusted)
        XCTAssertNil(try node.sessions.session(idHash: doomed.idHash, at: now))
        try node.sessions.touchSession(idHash: created.idHash, at: now.adding(seconds: 120))

        try redis.start()
        Thread.sleep(forTimeInterval: 0.3)  // past the breaker's retry time
        XCTAssertEqual(try node.sessions.session(idHash: existing.idHash, at: now), existing)
        XCTAssertFalse(node.cache.isDistrusted, "the epoch was replaced")
        let refilled = node.counter.reads
        XCTAssertEqual(try node.sessions.session(idHash: existing.idHash, at: now), existing)
        XCTAssertEqual(node.counter.reads, refilled, "the cache refilled")
        XCTAssertNil(try node.sessions.session(idHash: doomed.idHash, at: now))
    }

    /// The hard case: Redis keeps its data, but this node could not reach it to invalidate.
    /// A partition made with an ACL user that is switched off: node A can't reach Redis, node B can.
    func testFailedInvalidationDoesNotComeBackWhenRedisReturns() throws {
        let redis = try privateRedis()
        let admin = RedisClient(configuration: redis.configuration, logger: Logger(label: "admin"))
        _ = try admin.command(["ACL", "SETUSER", "nodea", "on", ">secret-a", "~*", "&*", "+@all"])
        var configurationA = redis.configuration
        configurationA.username = "nodea"
        configurationA.password = "secret-a"
        let nodeA = makeNode(configurationA)
        let nodeB = makeNode(redis.configuration)
        let user = try newUser()
        let now = Timestamp.now()
        let session = try newSession(nodeA.sessions, user: user.id)
        let kept = try newSession(nodeA.sessions, user: user.id)
        XCTAssertNotNil(try nodeA.sessions.session(idHash: session.idHash, at: now))
        XCTAssertNotNil(try nodeB.sessions.session(idHash: session.idHash, at: now))
        XCTAssertNotNil(try nodeB.sessions.session(idHash: kept.idHash, at: now))

        // Cut node A off.
        _ = try admin.command(["ACL", "SETUSER", "nodea", "off"])
        _ = try admin.command(["CLIENT", "KILL", "USER", "nodea"])
        try nodeA.sessions.deleteSession(idHash: session.idHash)  // PostgreSQL: gone; Redis: not told
        XCTAssertTrue(nodeA.cache.isDistrusted)
        XCTAssertNil(try nodeA.sessions.session(idHash: session.idHash, at: now), "node A never serves it")
        XCTAssertNotNil(try admin.get(SessionCache.sessionKey(session.idHash)), "the stale entry is still in Redis")

        // Node A reaches Redis again: its next cache use replaces gh:epoch, voiding every older entry.
        _ = try admin.command(["ACL", "SETUSER", "nodea", "on"])
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertNil(try nodeA.sessions.session(idHash: session.idHash, at: now))
        XCTAssertFalse(nodeA.cache.isDistrusted)
        XCTAssertNil(try nodeB.sessions.session(idHash: session.idHash, at: now), "node B does not serve the stale entry")
        // Entries from before the new epoch are replaced on their next read; then hits again.
        XCTAssertEqual(try nodeB.sessions.session(idHash: kept.idHash, at: now), kept)
        let reads = nodeB.counter.reads
        XCTAssertEqual(try nodeB.sessions.session(idHash: kept.idHash, at: now), kept)
        XCTAssertEqual(nodeB.counter.reads, reads)
    }

    func testFlushAllBreaksNothing() throws {
        let redis = try privateRedis()
        let node = makeNode(redis.configuration)
        let user = try newUser()
        let now = Timestamp.now()
        let session = try newSession(node.sessions, user: user.id)
        XCTAssertNotNil(try node.sessions.session(idHash: session.idHash, at: now))
        let admin = RedisClient(configuration: redis.configuration, logger: Logger(label: "admin"))
        _ = try admin.command(["FLUSHALL"])
        XCTAssertEqual(try node.sessions.session(idHash: session.idHash, at: now), session)
        let reads = node.counter.reads
        XCTAssertEqual(try node.sessions.session(idHash: session.idHash, at: now), session)
        XCTAssertEqual(node.counter.reads, reads, "refilled after the flush")
        try node.users.deactivateUser(user.id, at: now)
        XCTAssertNil(try node.sessions.session(idHash: session.idHash, at: now))
        _ = try admin.command(["FLUSHALL"])
        XCTAssertNil(try node.sessions.session(idHash: session.idHash, at: now))
    }

    // MARK: throttle

    func testThrottleIsSharedByNodesAndExpires() throws {
        let configuration = try liveRedisConfiguration()
        let limits = ThrottleLimits(maxFailuresPerAccount: 3, maxFailuresPerIP: 5, windowSeconds: 2)
        let a = RedisLoginThrottle(client: RedisClient(configuration: configuration, logger: Logger(label: "a")), limits: limits)
        let b = RedisLoginThrottle(client: RedisClient(configuration: configuration, logger: Logger(label: "b")), limits: limits)
        let account = "uid:someone-\(UInt64.random(in: 0...UInt64.max))"
        let ip = "198.51.100.\(UInt8.random(in: 1...254))-\(UInt32.random(in: 0...UInt32.max))"
        a.recordFailure(account: account, ip: nil, at: .now())
        b.recordFailure(account: account, ip: nil, at: .now())
        XCTAssertFalse(a.isBlocked(account: account, ip: nil, at: .now()))
        a.recordFailure(account: account, ip: nil, at: .now())
        XCTAssertTrue(b.isBlocked(account: account, ip: nil, at: .now()), "node B counts node A's failures")
        XCTAssertTrue(a.isBlocked(account: account, ip: nil, at: .now()))
        XCTAssertFalse(b.local.isBlocked(account: account, ip: nil, at: .now()), "B alone saw only one")

        // Per IP, across accounts.
        for index in 0..<5 {
            (index.isMultiple(of: 2) ? a : b).recordFailure(account: "uid:x\(index)-\(account)", ip: ip, at: .now())
        }
        XCTAssertTrue(a.isBlocked(account: "uid:fresh-\(account)", ip: ip, at: .now()))

        Thread.sleep(forTimeInterval: 2.2)
        XCTAssertFalse(a.isBlocked(account: account, ip: ip, at: .now()), "the lockout ended by itself")
        XCTAssertFalse(b.isBlocked(account: account, ip: ip, at: .now()))

        // A success forgets the account's failures on every node.
        a.recordFailure(account: account, ip: nil, at: .now())
        b.recordFailure(account: account, ip: nil, at: .now())
        XCTAssertEqual(a.sharedFailureCount(account: account), 2)
        b.recordSuccess(account: account, at: .now())
        XCTAssertEqual(a.sharedFailureCount(account: account), 0)
    }

    func testThrottleKeepsWorkingPerNodeWithRedisDown() throws {
        let redis = try privateRedis()
        let limits = ThrottleLimits(maxFailuresPerAccount: 2, maxFailuresPerIP: 10, windowSeconds: 2)
        var logger = Logger(label: "throttle")
        logger.logLevel = .critical
        let a = RedisLoginThrottle(client: RedisClient(configuration: redis.configuration, logger: logger), limits: limits)
        let b = RedisLoginThrottle(client: RedisClient(configuration: redis.configuration, logger: logger), limits: limits)
        let now = Timestamp.now()
        redis.stop()
        a.recordFailure(account: "uid:victim", ip: "192.0.2.1", at: now)
        XCTAssertFalse(a.isBlocked(account: "uid:victim", ip: "192.0.2.1", at: now))
        a.recordFailure(account: "uid:victim", ip: "192.0.2.1", at: now)
        XCTAssertTrue(a.isBlocked(account: "uid:victim", ip: "192.0.2.1", at: now), "per-node limit while Redis is down")
        XCTAssertFalse(b.isBlocked(account: "uid:victim", ip: nil, at: now), "limits are per node meanwhile")
        XCTAssertFalse(a.isBlocked(account: "uid:victim", ip: nil, at: now.adding(seconds: 3)), "ends by itself")

        try redis.start()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertTrue(a.isBlocked(account: "uid:victim", ip: nil, at: now), "Redis restarted empty; A still remembers")
        XCTAssertFalse(a.isBlocked(account: "uid:victim", ip: nil, at: now.adding(seconds: 3)))
        let later = now.adding(seconds: 3)
        a.recordFailure(account: "uid:victim", ip: nil, at: later)
        b.recordFailure(account: "uid:victim", ip: nil, at: later)
        XCTAssertTrue(b.isBlocked(account: "uid:victim", ip: nil, at: later), "shared again")
        XCTAssertFalse(b.local.isBlocked(account: "uid:victim", ip: nil, at: later))
    }

    func testThrottleFallsBackToPostgreSQLAcrossNodesWithRedisDown() throws {
        let redis = try privateRedis()
        let limits = ThrottleLimits(maxFailuresPerAccount: 2, maxFailuresPerIP: 10, windowSeconds: 2)
        var logger = Logger(label: "throttle")
        logger.logLevel = .critical
        func node() -> RedisLoginThrottle {
            RedisLoginThrottle(client: RedisClient(configuration: redis.configuration, logger: logger), limits: limits,
                               fallback: SharedLoginThrottle(store: PostgresLoginFailureStore(pool: pool), limits: limits, logger: logger))
        }
        let a = node(), b = node()
        let now = Timestamp.now()
        a.recordFailure(account: "uid:victim", ip: "192.0.2.1", at: now)  // Redis up: counted in both
        redis.stop()
        XCTAssertFalse(b.isBlocked(account: "uid:victim", ip: nil, at: now))
        b.recordFailure(account: "uid:victim", ip: "192.0.2.2", at: now)
        XCTAssertTrue(a.isBlocked(account: "uid:victim", ip: nil, at: now), "A counts B's failure through PostgreSQL")
        XCTAssertTrue(b.isBlocked(account: "uid:victim", ip: nil, at: now), "and B the one made before Redis went down")
        XCTAssertFalse(b.local.isBlocked(account: "uid:victim", ip: nil, at: now), "B alone saw only one")
        XCTAssertFalse(a.isBlocked(account: "uid:victim", ip: nil, at: now.adding(seconds: 3)), "ends by itself")
        a.recordSuccess(account: "uid:victim", at: now)
        XCTAssertFalse(b.isBlocked(account: "uid:victim", ip: nil, at: now), "a success clears it for every node")
    }
}

/// `SharedLoginThrottle` over `PostgresLoginFailureStore` on a scratch database: two instances
/// stand for two nodes.
final class PostgresLoginThrottleTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    let limits = ThrottleLimits(maxFailuresPerAccount: 3, maxFailuresPerIP: 5, windowSeconds: 2)

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    func node(_ pool: PGPool? = nil) -> SharedLoginThrottle {
        var logger = Logger(label: "pg-throttle")
        logger.logLevel = .critical
        return SharedLoginThrottle(store: PostgresLoginFailureStore(pool: pool ?? self.pool), limits: limits, logger: logger)
    }

    func testCountsAreSharedAndTheLockoutEndsAfterTheWindow() throws {
        let other = PGPool(url: scratch.url)
        defer { other.close() }
        let a = node(), b = node(other)
        a.recordFailure(account: "uid:someone", ip: nil, at: .now())
        b.recordFailure(account: "uid:someone", ip: nil, at: .now())
        XCTAssertFalse(a.isBlocked(account: "uid:someone", ip: nil, at: .now()))
        a.recordFailure(account: "uid:someone", ip: nil, at: .now())
        XCTAssertTrue(b.isBlocked(account: "uid:someone", ip: nil, at: .now()), "B counts A's failures")
        XCTAssertTrue(a.isBlocked(account: "uid:someone", ip: nil, at: .now()))
        XCTAssertFalse(b.local.isBlocked(account: "uid:someone", ip: nil, at: .now()), "B alone saw only one")
        XCTAssertEqual(a.sharedFailureCount(account: "uid:someone", at: .now()), 3)

        // Per IP, across accounts and nodes.
        for index in 0..<5 {
            (index.isMultiple(of: 2) ? a : b).recordFailure(account: "uid:x\(index)", ip: "198.51.100.9", at: .now())
        }
        XCTAssertTrue(a.isBlocked(account: "uid:fresh", ip: "198.51.100.9", at: .now()))
        XCTAssertFalse(a.isBlocked(account: "uid:fresh", ip: "198.51.100.10", at: .now()))

        // The account is stored hashed, never by name.
        let keys = try pool.withConnection { try $0.query("SELECT key FROM login_failures WHERE scope = 'account'").rows }
        XCTAssertFalse(keys.contains { ($0[0] ?? "").contains("someone") })
        XCTAssertTrue(keys.contains { $0[0] == SharedLoginThrottle.accountKey("uid:someone") })

        Thread.sleep(forTimeInterval: 2.2)
        XCTAssertFalse(a.isBlocked(account: "uid:someone", ip: "198.51.100.9", at: .now()), "the lockout ended by itself")
        XCTAssertFalse(b.isBlocked(account: "uid:someone", ip: "198.51.100.9", at: .now()))
        // A new window starts over at one.
        b.recordFailure(account: "uid:someone", ip: nil, at: .now())
        XCTAssertEqual(a.sharedFailureCount(account: "uid:someone", at: .now()), 1)
    }

    func testSuccessResetsTheAccountAndCleansExpiredRows() throws {
        let a = node(), b = node()
        let start = Timestamp.now()
        a.recordFailure(account: "uid:stale", ip: "192.0.2.5", at: start)
        let now = start.adding(seconds: 5)
        for _ in 0..<3 { a.recordFailure(account: "uid:victim", ip: "192.0.2.6", at: now) }
        XCTAssertTrue(b.isBlocked(account: "uid:victim", ip: nil, at: now))
        b.recordSuccess(account: "uid:victim", at: now)
        XCTAssertFalse(a.isBlocked(account: "uid:victim", ip: nil, at: now), "the success on B counts on A")
        XCTAssertEqual(a.sharedFailureCount(account: "uid:victim", at: now), 0)
        let rows = try pool.withConnection {
            try $0.query("SELECT scope, key FROM login_failures ORDER BY scope").rows.map { "\($0[0] ?? ""):\($0[1] ?? "")" }
        }
        XCTAssertEqual(rows, ["ip:192.0.2.6"], "the expired rows went, the IP's open window stays")
    }

    func testDatabaseErrorsFailOpenToThisNodesCounts() throws {
        let broken = PGPool(url: "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1")
        defer { broken.close() }
        let throttle = node(broken)
        let now = Timestamp.now()
        XCTAssertFalse(throttle.isBlocked(account: "uid:victim", ip: nil, at: now), "no answer is not a lockout")
        for _ in 0..<3 { throttle.recordFailure(account: "uid:victim", ip: nil, at: now) }
        XCTAssertTrue(throttle.isBlocked(account: "uid:victim", ip: nil, at: now), "this node's counts still hold")
        XCTAssertFalse(throttle.isBlocked(account: "uid:victim", ip: nil, at: now.adding(seconds: 3)))
        XCTAssertNil(throttle.sharedFailureCount(account: "uid:victim", at: now))
    }
}

/// Counts the reads and touches that reach PostgreSQL.
final class CountingSessionStore: SessionStore {
    let base: any SessionStore
    private let counts = Mutex<(reads: Int, touches: Int)>((0, 0))

    init(base: any SessionStore) { self.base = base }

    var reads: Int { counts.withLock { $0.reads } }
    var touches: Int { counts.withLock { $0.touches } }

    func createSession(_ session: Session) throws(StoreError) { try base.createSession(session) }

    func session(idHash: [UInt8], at now: Timestamp) throws(StoreError) -> Session? {
        counts.withLock { $0.reads += 1 }
        return try base.session(idHash: idHash, at: now)
    }

    func touchSession(idHash: [UInt8], at now: Timestamp) throws(StoreError) {
        counts.withLock { $0.touches += 1 }
        try base.touchSession(idHash: idHash, at: now)
    }

    func setFlowState(idHash: [UInt8], _ state: JSONText?) throws(StoreError) {
        try base.setFlowState(idHash: idHash, state)
    }
    func deleteSession(idHash: [UInt8]) throws(StoreError) { try base.deleteSession(idHash: idHash) }
    func deleteSessions(ofUser user: UserID) throws(StoreError) -> Int { try base.deleteSessions(ofUser: user) }
    func deleteDeadSessions(at now: Timestamp) throws(StoreError) -> Int { try base.deleteDeadSessions(at: now) }
}

/// A redis-server of the test's own on a free loopback port, without persistence, to kill
/// (SIGKILL, like a crash) and start again on the same port.
final class PrivateRedisServer: @unchecked Sendable {
    let port: Int
    let extraArguments: [String]
    private var process: Process?

    init(extraArguments: [String] = []) throws {
        port = try Self.freePort()
        self.extraArguments = extraArguments
        try start()
    }

    deinit { stop() }

    var configuration: RedisConfiguration {
        RedisConfiguration(host: "127.0.0.1", port: port, retryInitialDelay: 0.1, retryMaxDelay: 0.2)
    }

    func start() throws {
        guard let executable = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("redis-server is not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--logfile", ""] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            var logger = Logger(label: "probe")
            logger.logLevel = .critical
            let probe = RedisClient(configuration: configuration, logger: logger)
            if (try? probe.ping()) != nil { return }
            usleep(20_000)
        }
        stop()
        XCTFail("redis-server on port \(port) did not come up")
    }

    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw XCTSkip("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
