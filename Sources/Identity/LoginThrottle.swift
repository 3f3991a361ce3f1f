import Store
import Synchronization

/// How many failed logins are tolerated, per account and per client IP, within a window.
public struct ThrottleLimits: Hashable, Sendable {
    public var maxFailuresPerAccount: Int
    public var maxFailuresPerIP: Int
    public var windowSeconds: Int64

    public init(maxFailuresPerAccount: Int = 5, maxFailuresPerIP: Int = 20, windowSeconds: Int64 = 900) {
        precondition(maxFailuresPerAccount > 0 && maxFailuresPerIP > 0 && windowSeconds > 0)
        self.maxFailuresPerAccount = maxFailuresPerAccount
        self.maxFailuresPerIP = maxFailuresPerIP
        self.windowSeconds = windowSeconds
    }
}

/// Counts failed logins and says when to stop checking passwords. `account` is an opaque
/// key the executor builds (`user:<id>` for a known user, `uid:<identifier>` otherwise);
/// `ip` is the client address, nil when unknown. Callers pass `now`.
///
/// Implementations must not throw: a throttle whose backend is down should fail open
/// (answer "not blocked") rather than lock everyone out, and log that once.
public protocol LoginThrottle: Sendable {
    /// True when the account or the IP has reached its limit within the window ending `now`.
    func isBlocked(account: String, ip: String?, at now: Timestamp) -> Bool
    /// Counts one failed attempt against the account and the IP.
    func recordFailure(account: String, ip: String?, at now: Timestamp)
    /// A successful login: forgets the account's failures (not the IP's).
    func recordSuccess(account: String, at now: Timestamp)
}

/// A sliding-window throttle in process memory: for one node and for tests. Each key keeps
/// the times of at most `limit` recent failures; it is blocked while `limit` of them lie
/// within the window, so a lockout ends by itself `windowSeconds` after the failure that
/// reached the limit. Attempts refused while blocked are not counted (they verify nothing).
public final class InMemoryLoginThrottle: LoginThrottle {
    public let limits: ThrottleLimits
    /// Expired keys are swept once the table holds this many.
    private let sweepThreshold: Int
    private let state = Mutex<[String: [Timestamp]]>([:])

    public init(limits: ThrottleLimits = ThrottleLimits(), sweepThreshold: Int = 10_000) {
        self.limits = limits
        self.sweepThreshold = sweepThreshold
    }

    public func isBlocked(account: String, ip: String?, at now: Timestamp) -> Bool {
        state.withLock { table in
            if recentCount(table["a:" + account], now) >= limits.maxFailuresPerAccount { return true }
            if let ip, recentCount(table["i:" + ip], now) >= limits.maxFailuresPerIP { return true }
            return false
        }
    }

    public func recordFailure(account: String, ip: String?, at now: Timestamp) {
        state.withLock { table in
            if table.count >= sweepThreshold { sweep(&table, now) }
            append(&table, "a:" + account, now, keep: limits.maxFailuresPerAccount)
            if let ip { append(&table, "i:" + ip, now, keep: limits.maxFailuresPerIP) }
        }
    }

    public func recordSuccess(account: String, at now: Timestamp) {
        _ = state.withLock { table in table.removeValue(forKey: "a:" + account) }
    }

    /// Failures of `key` inside the window ending `now` (for tests and diagnostics).
    public func failureCount(account: String, at now: Timestamp) -> Int {
        state.withLock { recentCount($0["a:" + account], now) }
    }

    private func windowStart(_ now: Timestamp) -> Timestamp { now.adding(seconds: -limits.windowSeconds) }

    private func recentCount(_ times: [Timestamp]?, _ now: Timestamp) -> Int {
        guard let times else { return 0 }
        let start = windowStart(now)
        return times.reduce(0) { $0 + ($1 > start ? 1 : 0) }
    }

    private func append(_ table: inout [String: [Timestamp]], _ key: String, _ now: Timestamp, keep: Int) {
        var times = table[key] ?? []
        times.append(now)
        if times.count > keep { times.removeFirst(times.count - keep) }
        table[key] = times
    }

    private func sweep(_ table: inout [String: [Timestamp]], _ now: Timestamp) {
        let start = windowStart(now)
        table = table.filter { _, times in times.contains { $0 > start } }
    }
}
