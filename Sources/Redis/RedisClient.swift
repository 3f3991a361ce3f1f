import Dispatch
import Logging

/// A thread-safe Redis client for synchronous handlers: a small pool of blocking hiredis
/// connections behind a circuit breaker.
///
/// Why a pool and not one connection behind a mutex: handlers run on up to 16 loop queues (and
/// more Dispatch threads when they block), and one shared connection would serialise every
/// cache lookup behind the slowest one, so a single 250 ms timeout would stall all loops.
/// The pool opens connections lazily, up to `maxConnections`, and reuses the most recently
/// returned one. A caller that finds all connections busy waits at most `commandTimeout`.
///
/// Degraded mode: every call returns a value or throws quickly. When Redis cannot be reached
/// (connect refused or timed out, I/O error, command timeout, AUTH/SELECT refused) the breaker
/// goes down: one warning is logged, idle connections are dropped, and calls throw
/// `RedisError.unavailable` without touching the network. One call per retry time (1 s, then
/// 2 s, 4 s, at most 5 s by default) reconnects; when that succeeds, one info line is logged
/// and the client is usable again. Nothing needs to be recreated.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let logger: Logger
    private let clock: @Sendable () -> Double
    /// One permit per connection that may exist (idle or in use).
    private let slots: DispatchSemaphore
    private let state: Lock<State>

    private struct State: @unchecked Sendable {  // RedisConnection moves between threads, one owner at a time
        var idle: [(connection: RedisConnection, generation: Int)] = []
        /// Bumped when the breaker goes down, so connections from before are closed, not reused.
        var generation = 0
        var breaker: CircuitBreaker
        var connectAttempts = 0
    }

    public convenience init(configuration: RedisConfiguration, logger: Logger) {
        self.init(configuration: configuration, logger: logger, clock: monotonicNow)
    }

    init(configuration: RedisConfiguration, logger: Logger, clock: @escaping @Sendable () -> Double) {
        var configuration = configuration
        configuration.maxConnections = max(1, configuration.maxConnections)
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        slots = DispatchSemaphore(value: configuration.maxConnections)
        state = Lock(State(breaker: CircuitBreaker(initialDelay: configuration.retryInitialDelay,
                                                   maxDelay: configuration.retryMaxDelay)))
        ignoreSIGPIPE()
    }

    deinit { closeIdleConnections() }

    /// False while the circuit breaker is open (Redis unreachable at the last try). True before
    /// the first call: the client connects lazily.
    public var isAvailable: Bool { state.withLock { $0.breaker.isUp } }

    /// How many times a TCP connection to Redis was attempted (for metrics and tests).
    public var connectAttempts: Int { state.withLock { $0.connectAttempts } }

    /// Closes the connections nobody is using (e.g. at shutdown); later calls reconnect.
    public func closeIdleConnections() {
        let idle = state.withLock { state -> [RedisConnection] in
            defer { state.idle.removeAll() }
            return state.idle.map(\.connection)
        }
        idle.forEach { $0.close() }
    }

    // MARK: Commands

    /// `GET key`: the value's bytes, or nil when the key does not exist.
    public func get(_ key: String) throws(RedisError) -> [UInt8]? {
        switch try command([Array("GET".utf8), Array(key.utf8)]) {
        case .bulk(let bytes): return bytes
        case .null: return nil
        case let other: throw Self.unexpected("GET", other)
        }
    }

    /// `SET key value EX ttlSeconds`. A TTL below 1 s is stored as 1 s.
    public func set(_ key: String, _ value: [UInt8], ttlSeconds: Int) throws(RedisError) {
        switch try command([Array("SET".utf8), Array(key.utf8), value, Array("EX".utf8), Array(String(max(1, ttlSeconds)).utf8)]) {
        case .status("OK"): return
        case let other: throw Self.unexpected("SET", other)
        }
    }

    /// `DEL keys…`: how many of the keys existed.
    @discardableResult
    public func delete(_ keys: [String]) throws(RedisError) -> Int {
        guard !keys.isEmpty else { return 0 }
        switch try command(["DEL"] + keys) {
        case .integer(let count): return count
        case let other: throw Self.unexpected("DEL", other)
        }
    }

    /// Adds 1 to a counter and returns the new value. The TTL is set only when the counter has
    /// none (normally when this call created it), so a fixed window is not extended by later
    /// hits. INCR and EXPIRE run as one Lua script, so a counter is never left without a TTL.
    public func incr(_ key: String, ttlSeconds: Int) throws(RedisError) -> Int {
        switch try command(["EVAL", Self.incrScript, "1", key, String(max(1, ttlSeconds))]) {
        case .integer(let value): return value
        case let other: throw Self.unexpected("INCR", other)
        }
    }

    /// `EXPIRE key ttlSeconds`: false when the key does not exist.
    @discardableResult
    public func expire(_ key: String, ttlSeconds: Int) throws(RedisError) -> Bool {
        switch try command(["EXPIRE", key, String(max(1, ttlSeconds))]) {
        case .integer(let value): return value == 1
        case let other: throw Self.unexpected("EXPIRE", other)
        }
    }

    /// `PING`, through the breaker like any other call.
    public func ping() throws(RedisError) {
        switch try command(["PING"]) {
        case .status("PONG"): return
        case let other: throw Self.unexpected("PING", other)
        }
    }

    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    /// Any command, binary-safe. Error replies are returned as `.error` (the typed commands
    /// above turn them into `RedisError.server`); `.unavailable` is thrown when Redis cannot
    /// be used.
    public func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        let isProbe: Bool
        switch state.withLock({ $0.breaker.admit(now: clock()) }) {
        case .proceed: isProbe = false
        case .probe: isProbe = true
        case .reject(let retryIn):
            throw .unavailable("\(configuration) is down; next reconnect in \(Int((retryIn * 1000).rounded(.up))) ms")
        }
        guard slots.wait(timeout: .now() + .milliseconds(Int(configuration.commandTimeout * 1000))) == .success else {
            if isProbe { state.withLock { $0.breaker.abandonProbe() } }
            throw .unavailable("all \(configuration.maxConnections) connections to \(configuration) are busy")
        }
        defer { slots.signal() }

        var retried = false
        while true {
            let lease: (connection: RedisConnection, generation: Int, reused: Bool)
            do throws(RedisError) {
                lease = try checkOut()
            } catch {
                recordFailure(error, wasProbe: isProbe)
                throw error
            }
            do throws(RedisError) {
                let reply = try lease.connection.command(arguments)
                checkIn(lease.connection, generation: lease.generation)
                recordSuccess(wasProbe: isProbe)
                return reply
            } catch {
                lease.connection.close()
                // An idle connection may be stale (Redis restarted since): one fresh try.
                if lease.reused && lease.connection.lastFailureWasDisconnect && !retried {
                    retried = true
                    continue
                }
                recordFailure(error, wasProbe: isProbe)
                throw error
            }
        }
    }

    // MARK: Pool and breaker

    private func checkOut() throws(RedisError) -> (connection: RedisConnection, generation: Int, reused: Bool) {
        let (idle, generation) = state.withLock { state -> ((connection: RedisConnection, generation: Int)?, Int) in
            if let idle = state.idle.popLast() { return (idle, idle.generation) }
            state.connectAttempts += 1
            return (nil, state.generation)
        }
        if let idle { return (idle.connection, idle.generation, true) }
        return (try RedisConnection(configuration: configuration), generation, false)
    }

    private func checkIn(_ connection: RedisConnection, generation: Int) {
        let keep = state.withLock { state -> Bool in
            guard generation == state.generation, connection.isOpen else { return false }
            state.idle.append((connection, generation))
            return true
        }
        if !keep { connection.close() }
    }

    private func recordFailure(_ error: RedisError, wasProbe: Bool) {
        let (transition, stale) = state.withLock { state -> (CircuitBreaker.Transition, [RedisConnection]) in
            let transition = state.breaker.recordFailure(now: clock(), wasProbe: wasProbe)
            guard transition == .wentDown else { return (transition, []) }
            state.generation += 1
            defer { state.idle.removeAll() }
            return (transition, state.idle.map(\.connection))
        }
        stale.forEach { $0.close() }
        if transition == .wentDown {
            logger.warning("Redis is unavailable; serving from PostgreSQL until it is back", metadata: [
                "redis": "\(configuration)", "reason": "\(error.message)",
                "retry_in_s": "\(configuration.retryInitialDelay)",
            ])
        }
    }

    private func recordSuccess(wasProbe: Bool) {
        guard wasProbe else { return }
        let transition = state.withLock { $0.breaker.recordSuccess(now: clock(), wasProbe: true) }
        if case .cameBack(let downFor) = transition {
            logger.info("Redis is available again", metadata: [
                "redis": "\(configuration)", "down_for_s": "\((downFor * 10).rounded() / 10)",
            ])
        }
    }

    private static func unexpected(_ command: String, _ reply: RedisReply) -> RedisError {
        if case .error(let message) = reply { return .server(message) }
        return .unexpectedReply("\(command) answered \(reply)")
    }

    /// INCR, then EXPIRE only when the key has no TTL (what `EXPIRE … NX` does on Redis 7, also
    /// on older servers).
    static let incrScript = """
        local n = redis.call('INCR', KEYS[1])
        if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
        return n
        """
}
