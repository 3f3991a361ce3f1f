import Identity
import Crypto
import Flows
import Logging
import Store
import Synchronization

/// A `LoginThrottle` shared by every node through a `LoginFailureStore` (on PostgreSQL:
/// `PostgresLoginFailureStore`): the throttle without Redis, and `RedisLoginThrottle`'s fallback
/// while Redis is down.
///
/// Like the Redis counters, each key (`account` = hex SHA-256 of the account key, `ip` = the
/// client address) has a fixed window that starts at its first failure and lasts
/// `windowSeconds`: the key is blocked while its window is open and its count is at the limit,
/// so the lockout ends by itself. Unlike Redis the times are the callers' `now`.
///
/// Every failure is also counted in an `InMemoryLoginThrottle` on this node. A store error
/// never blocks a login by itself: `isBlocked` then answers from this node's counts (fail open
/// to per-node limits), and the outage is logged once (and its end once).
public final class SharedLoginThrottle: LoginThrottle {
    public let store: any LoginFailureStore
    public let limits: ThrottleLimits
    /// This node's own counts, the answer while the store is unavailable.
    public let local: InMemoryLoginThrottle
    private let logger: Logger
    private let unavailable = Mutex(false)

    public init(store: any LoginFailureStore, limits: ThrottleLimits = ThrottleLimits(), logger: Logger) {
        self.store = store
        self.limits = limits
        self.logger = logger
        local = InMemoryLoginThrottle(limits: limits)
    }

    /// The stored key of an account: hex SHA-256, as in Redis.
    static func accountKey(_ account: String) -> String { SessionCache.hex(Digest.sha256(account)) }

    public func isBlocked(account: String, ip: String?, at now: Timestamp) -> Bool {
        let counts: LoginFailureCounts
        do {
            counts = try store.failures(accountKey: Self.accountKey(account), ip: ip, windowStart: windowStart(now))
        } catch {
            failed(error)
            return local.isBlocked(account: account, ip: ip, at: now)
        }
        recovered()
        return counts.account >= limits.maxFailuresPerAccount || (ip != nil && counts.ip >= limits.maxFailuresPerIP)
    }

    public func recordFailure(account: String, ip: String?, at now: Timestamp) {
        local.recordFailure(account: account, ip: ip, at: now)
        do {
            try store.recordFailure(accountKey: Self.accountKey(account), ip: ip, at: now, windowStart: windowStart(now))
            recovered()
        } catch {
            failed(error)
        }
    }

    public func recordSuccess(account: String, at now: Timestamp) {
        local.recordSuccess(account: account, at: now)
        do {
            try store.clearFailures(accountKey: Self.accountKey(account), windowStart: windowStart(now))
            recovered()
        } catch {
            failed(error)
        }
    }

    /// The stored failure count of `account` in its open window (0 when none; nil when the
    /// store did not answer). For tests and diagnostics.
    public func sharedFailureCount(account: String, at now: Timestamp) -> Int? {
        try? store.failures(accountKey: Self.accountKey(account), ip: nil, windowStart: windowStart(now)).account
    }

    // MARK: - private

    /// Windows that started at or before this instant have passed.
    private func windowStart(_ now: Timestamp) -> Timestamp { now.adding(seconds: -limits.windowSeconds) }

    // The messages name PostgreSQL, the only shared store there is (operators search for them).
    private func failed(_ error: StoreError) {
        let first = unavailable.withLock { down in
            defer { down = true }
            return !down
        }
        if first {
            logger.warning("login throttle: PostgreSQL unavailable, counting failed logins on this node only",
                           metadata: ["error": "\(error)"])
        }
    }

    private func recovered() {
        let was = unavailable.withLock { down in
            defer { down = false }
            return down
        }
        if was { logger.notice("login throttle: PostgreSQL available again, failed logins are shared") }
    }
}

