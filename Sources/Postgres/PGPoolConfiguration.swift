/// Limits and timings of a `PGPool`. Times are in seconds.
public struct PGPoolConfiguration: Sendable {
    /// Most connections open at once, in use or idle (at least 1).
    public var maxConnections = 10
    /// Idle connections `warmUp()` opens and idle trimming keeps (at most `maxConnections`).
    public var minIdle = 1
    /// Longest wait for a free connection before `withConnection` throws `.poolExhausted`.
    public var acquireTimeout = 5.0
    /// Seconds libpq may take to open a connection (it treats values below 2 as 2).
    public var connectTimeout = 5
    /// A connection idle at least this long gets a `SELECT 1` before it is handed out.
    public var healthCheckAfterIdle = 30.0
    /// How long that `SELECT 1` may take before the connection is given up.
    public var healthCheckTimeout = 2.0
    /// Idle connections beyond `minIdle` are closed once idle this long.
    public var idleTimeout = 300.0
    /// Prepared statements kept per connection by `PGConnection.query`.
    public var statementCacheCapacity = 100
    /// Extra attempts `transaction(retryable: true)` makes after a serialization failure or deadlock.
    public var serializationRetries = 3
    public var applicationName = "gatehouse"

    public init() {}
}

/// A snapshot of a pool's counters, e.g. for metrics.
public struct PGPoolStatistics: Sendable, Equatable {
    /// Connections open or being opened, idle ones included.
    public var open = 0
    public var idle = 0
    /// Callers waiting for a connection right now.
    public var waiting = 0
    /// Connections opened since the pool was made.
    public var opened = 0
    /// Connections closed because they broke or failed a health check.
    public var discarded = 0
    /// Acquires that gave up with `.poolExhausted`.
    public var exhausted = 0
    /// `read` calls that ran again after a connection failure.
    public var readRetries = 0
    /// `transaction` attempts run again after a serialization failure or deadlock.
    public var serializationRetries = 0

    /// Connections handed out (or being opened for a caller).
    public var inUse: Int { open - idle }
}
