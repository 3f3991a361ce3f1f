import Logging

/// The cache in front of PostgreSQL: sessions, rate-limit counters, lookups. Keys are
/// `gh:<namespace>:<key>`. It never throws and never breaks a request: when Redis is down or
/// answers strangely, reads return nil (a miss) and writes return false, and the caller goes
/// to PostgreSQL. Unavailability is logged once by the client's breaker, not per call.
public struct Cache: Sendable {
    public let client: RedisClient
    private let logger: Logger

    public init(client: RedisClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// False while Redis is unreachable (readiness reports "degraded").
    public var isAvailable: Bool { client.isAvailable }

    /// `gh:<namespace>:<key>`.
    public static func key(namespace: String, key: String) -> String { "gh:\(namespace):\(key)" }

    /// The cached bytes, or nil on a miss or when Redis can't be used.
    public func get(namespace: String, key: String) -> [UInt8]? {
        attempt("get", namespace) { () throws(RedisError) in try client.get(Self.key(namespace: namespace, key: key)) } ?? nil
    }

    /// Stores `value` for `ttl` (rounded up to whole seconds, at least 1). False when not stored.
    @discardableResult
    public func set(namespace: String, key: String, value: [UInt8], ttl: Duration) -> Bool {
        attempt("set", namespace) { () throws(RedisError) in
            try client.set(Self.key(namespace: namespace, key: key), value, ttlSeconds: Self.seconds(ttl))
        } != nil
    }

    /// Removes the keys. False when Redis could not be told (the entries then live until
    /// their TTL).
    @discardableResult
    public func invalidate(namespace: String, keys: [String]) -> Bool {
        attempt("invalidate", namespace) { () throws(RedisError) in
            try client.delete(keys.map { Self.key(namespace: namespace, key: $0) })
        } != nil
    }

    @discardableResult
    public func invalidate(namespace: String, key: String) -> Bool {
        invalidate(namespace: namespace, keys: [key])
    }

    static func seconds(_ ttl: Duration) -> Int {
        let (seconds, attoseconds) = ttl.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }

    private func attempt<T>(_ operation: String, _ namespace: String, _ body: () throws(RedisError) -> T) -> T? {
        do {
            return try body()
        } catch .unavailable {
            return nil  // the breaker logged it once
        } catch {
            logger.warning("cache \(operation) failed", metadata: ["namespace": "\(namespace)", "error": "\(error)"])
            return nil
        }
    }
}
