#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounded, thread-safe pool of `PGConnection`s for synchronous handlers.
///
/// A caller borrows a connection for the length of a closure and blocks (at most
/// `acquireTimeout`) while all `maxConnections` are in use. Connections are opened lazily;
/// each one handed out is idle between transactions and has been checked: whatever the server
/// sent while it sat idle is read first (a terminated backend shows up there without a round
/// trip), and one idle for `healthCheckAfterIdle`, or idle while another connection broke,
/// answers a `SELECT 1` first. A connection that comes back broken is closed, not reused; one
/// that comes back inside a transaction is rolled back.
///
/// Nesting `withConnection` (or `read`/`transaction`) on one thread borrows a second
/// connection; use `PGConnection.transaction` on the connection you hold to nest transactions.
public final class PGPool: @unchecked Sendable {
    public let configuration: PGPoolConfiguration
    private let url: String
    private let lock = PoolLock()

    // Guarded by `lock`.
    private var idle: [IdleConnection] = [] // oldest first; handed out from the end
    private var stats = PGPoolStatistics()
    private var closed = false

    private struct IdleConnection {
        let connection: PGConnection
        let since: UInt64
        /// Another connection broke while this one sat idle: check it before use.
        var suspect = false
    }

    /// Makes a pool; no connection is opened until one is needed (or `warmUp()`).
    /// - Parameter url: a libpq URI, as for `PGConnection(url:)`.
    public init(url: String, configuration: PGPoolConfiguration = PGPoolConfiguration()) {
        var configuration = configuration
        configuration.maxConnections = max(1, configuration.maxConnections)
        configuration.minIdle = min(max(0, configuration.minIdle), configuration.maxConnections)
        configuration.serializationRetries = max(0, configuration.serializationRetries)
        self.configuration = configuration
        self.url = url
    }

    deinit { close() }

    /// Opens connections until `minIdle` are idle (or `maxConnections` are open).
    public func warmUp() throws(PGError) {
        while true {
            let proceed = try lock.withLock { () throws(PGError) -> Bool in
                if closed { throw Self.closedError }
                guard stats.idle < configuration.minIdle, stats.open < configuration.maxConnections else { return false }
                stats.open += 1
                return true
            }
            guard proceed else { return }
            let connection = try connect()
            release(connection)
        }
    }

    /// Runs `body` with a connection of its own, returned to the pool afterwards.
    /// Throws `PGError` `.poolExhausted` when none came free within `acquireTimeout`,
    /// `.connection` when a new one could not be opened, `.poolClosed` after `close()`, and
    /// whatever `body` throws.
    @discardableResult
    public func withConnection<T>(_ body: (PGConnection) throws -> T) throws -> T {
        try lease(fresh: false, body)
    }

    /// `withConnection` for work that is safe to repeat: when the connection breaks under
    /// `body` (server restarted, backend terminated, network reset), runs `body` once more on
    /// a newly opened connection. SQL errors, timeouts and the caller's own errors are not retried.
    @discardableResult
    public func read<T>(_ body: (PGConnection) throws -> T) throws -> T {
        var reached = false
        var broke = false
        do {
            return try lease(fresh: false) { connection in
                reached = true
                do {
                    return try body(connection)
                } catch {
                    broke = !connection.isOpen
                    throw error
                }
            }
        } catch {
            guard reached, broke || (error as? PGError)?.isConnectionFailure == true else { throw error }
            lock.withLock { stats.readRetries += 1 }
            return try lease(fresh: true, body)
        }
    }

    /// Runs `body` in a transaction on a connection of its own (see `PGConnection.transaction`):
    /// COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// With `retryable: true`, a serialization failure or deadlock (SQLSTATE 40001, 40P01) runs
    /// the whole transaction again, up to `serializationRetries` more times, after a short
    /// random pause. Only mark bodies whose effects outside the database can be repeated.
    @discardableResult
    public func transaction<T>(isolation: PGIsolationLevel? = nil, readOnly: Bool = false, retryable: Bool = false,
                               _ body: (PGConnection) throws -> T) throws -> T {
        var retries = 0
        while true {
            do {
                return try withConnection { connection in
                    try connection.transaction(isolation: isolation, readOnly: readOnly, body)
                }
            } catch let error as PGError where retryable && error.isSerializationFailure
                && retries < configuration.serializationRetries {
                retries += 1
                lock.withLock { stats.serializationRetries += 1 }
                // 1–10 ms, then up to 20, 40 …: spread the competitors out.
                let ceiling = UInt32(10_000) << UInt32(min(retries - 1, 6))
                usleep(UInt32.random(in: 1_000...ceiling))
            }
        }
    }

    /// Closes the idle connections now and every other one when it comes back; from now on
    /// borrowing throws `.poolClosed`, and callers still waiting are woken with that error.
    public func close() {
        let closing = lock.withLock {
            closed = true
            let closing = idle
            idle = []
            stats.open -= closing.count
            stats.idle = 0
            lock.broadcast()
            return closing
        }
        closing.forEach { $0.connection.close() }
    }

    public var statistics: PGPoolStatistics {
        lock.withLock { stats }
    }

    // MARK: - private

    private static let closedError = PGError(kind: .poolClosed, message: "the connection pool is closed")

    private enum Step {
        case reuse(IdleConnection)
        /// A slot is reserved; open a connection in it (after closing `replacing`).
        case connect(replacing: PGConnection?)
    }

    private func lease<T>(fresh: Bool, _ body: (PGConnection) throws -> T) throws -> T {
        let connection = try acquire(fresh: fresh)
        defer { release(connection) }
        return try body(connection)
    }

    /// A checked connection. `fresh`: a newly opened one, closing an idle one to make room if
    /// need be (after a failure that may have broken every connection of the same server).
    private func acquire(fresh: Bool) throws(PGError) -> PGConnection {
        let deadline = monotonicNanoseconds() + nanoseconds(configuration.acquireTimeout)
        while true {
            let step = try lock.withLock { () throws(PGError) -> Step in
                while true {
                    if closed { throw Self.closedError }
                    if !fresh, let entry = idle.popLast() {
                        stats.idle -= 1
                        return .reuse(entry)
                    }
                    if stats.open < configuration.maxConnections {
                        stats.open += 1
                        return .connect(replacing: nil)
                    }
                    if fresh, !idle.isEmpty {
                        stats.idle -= 1
                        stats.discarded += 1
                        return .connect(replacing: idle.removeFirst().connection)
                    }
                    if monotonicNanoseconds() >= deadline {
                        stats.exhausted += 1
                        throw PGError(kind: .poolExhausted, message:
                            "no database connection came free within \(configuration.acquireTimeout) s (all \(configuration.maxConnections) in use)")
                    }
                    stats.waiting += 1
                    lock.wait(until: deadline)
                    stats.waiting -= 1
                }
            }
            switch step {
            case .reuse(let entry):
                if isHealthy(entry) { return entry.connection }
                entry.connection.close()
                lock.withLock {
                    stats.open -= 1
                    stats.discarded += 1
                    lock.signal()
                }
            case .connect(let replacing):
                replacing?.close()
                return try connect()
            }
        }
    }

    /// Opens a connection in a slot already counted in `stats.open`; frees the slot on failure.
    private func connect() throws(PGError) -> PGConnection {
        do {
            let connection = try PGConnection(url: url, connectTimeout: configuration.connectTimeout,
                                              applicationName: configuration.applicationName)
            connection.statementCacheCapacity = configuration.statementCacheCapacity
            lock.withLock { stats.opened += 1 }
            return connection
        } catch {
            lock.withLock {
                stats.open -= 1
                lock.signal()
            }
            throw error
        }
    }

    private func isHealthy(_ entry: IdleConnection) -> Bool {
        guard entry.connection.absorbPendingInput() else { return false }
        let now = monotonicNanoseconds()
        if entry.suspect || now < entry.since || now - entry.since >= nanoseconds(configuration.healthCheckAfterIdle) {
            do {
                try entry.connection.ping(timeout: configuration.healthCheckTimeout)
            } catch {
                return false
            }
        }
        return entry.connection.isIdle
    }

    private func release(_ connection: PGConnection) {
        // Work left in a transaction (a body that ran BEGIN itself) must not leak to the next borrower.
        connection.rollbackQuietly()
        let healthy = connection.isIdle
        let closing = lock.withLock { () -> [PGConnection] in
            defer { lock.signal() }
            // Read under the lock: entries appended by others are never newer than `now`.
            let now = monotonicNanoseconds()
            guard healthy else {
                stats.open -= 1
                stats.discarded += 1
                // The server may have restarted: check the others before handing them out.
                for index in idle.indices { idle[index].suspect = true }
                return [connection]
            }
            if closed {
                stats.open -= 1
                return [connection]
            }
            idle.append(IdleConnection(connection: connection, since: now))
            stats.idle += 1
            // Trim connections idle too long, oldest first, down to minIdle.
            var trimmed: [PGConnection] = []
            let limit = nanoseconds(configuration.idleTimeout)
            while idle.count > configuration.minIdle, let oldest = idle.first, oldest.since <= now, now - oldest.since >= limit {
                trimmed.append(idle.removeFirst().connection)
                stats.idle -= 1
                stats.open -= 1
            }
            return trimmed
        }
        closing.forEach { $0.close() }
    }
}

/// `seconds` as nanoseconds, clamped to 0…10⁹ s (NaN is 0), so no configuration can trap.
private func nanoseconds(_ seconds: Double) -> UInt64 {
    guard seconds > 0 else { return 0 }
    return UInt64(min(seconds, 1e9) * 1e9)
}
