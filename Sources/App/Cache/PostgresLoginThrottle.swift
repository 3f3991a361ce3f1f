import Identity
import Crypto
import Flows
import Logging
import Postgres
import Store
import Synchronization

/// A `LoginThrottle` shared by every node through the `login_failures` table (migration 3):
/// the throttle without Redis, and `RedisLoginThrottle`'s fallback while Redis is down.
///
/// Like the Redis counters, each key (`account` = hex SHA-256 of the account key, `ip` = the
/// client address) has a fixed window that starts at its first failure and lasts
/// `windowSeconds`: the key is blocked while its window is open and its count is at the limit,
/// so the lockout ends by itself. Unlike Redis the times are the callers' `now`.
///
/// - `recordFailure`: one upsert for both keys; a row whose window has passed starts over at 1.
/// - `isBlocked`: one SELECT of both keys, rows of passed windows ignored.
/// - `recordSuccess`: deletes the account's row, and with it every row whose window has passed
///   (the table's only cleanup; nothing else needs the expired rows).
///
/// Every failure is also counted in an `InMemoryLoginThrottle` on this node. A database error
/// never blocks a login by itself: `isBlocked` then answers from this node's counts (fail open
/// to per-node limits), and the outage is logged once (and its end once).
public final class PostgresLoginThrottle: LoginThrottle {
    public let pool: PGPool
    public let limits: ThrottleLimits
    /// This node's own counts, the answer while PostgreSQL is unavailable.
    public let local: InMemoryLoginThrottle
    private let logger: Logger
    private let unavailable = Mutex(false)

    public init(pool: PGPool, limits: ThrottleLimits = ThrottleLimits(), logger: Logger) {
        self.pool = pool
        self.limits = limits
        self.logger = logger
        local = InMemoryLoginThrottle(limits: limits)
    }

    /// The stored key of an account: hex SHA-256, as in Redis.
    static func accountKey(_ account: String) -> String { SessionCache.hex(Digest.sha256(account)) }

    public func isBlocked(account: String, ip: String?, at now: Timestamp) -> Bool {
        let rows: [[String?]]
        do {
            rows = try pool.read { connection in
                try connection.query("""
                    SELECT scope, failures FROM login_failures
                    WHERE window_start > $1 AND ((scope = 'account' AND key = $2) OR (scope = 'ip' AND key = $3))
                    """, [Self.value(windowStart(now)), .text(Self.accountKey(account)), ip.map { .text($0) }]).rows
            }
        } catch {
            failed(error)
            return local.isBlocked(account: account, ip: ip, at: now)
        }
        recovered()
        for row in rows {
            let failures = Int(row[1] ?? "") ?? 0
            switch row[0] {
            case "account" where failures >= limits.maxFailuresPerAccount: return true
            case "ip" where ip != nil && failures >= limits.maxFailuresPerIP: return true
            default: continue
            }
        }
        return false
    }

    public func recordFailure(account: String, ip: String?, at now: Timestamp) {
        local.recordFailure(account: account, ip: ip, at: now)
        var rows = "('account', $3, $1::timestamptz, 1)"
        var params: [PGValue?] = [Self.value(now), Self.value(windowStart(now)), .text(Self.accountKey(account))]
        if let ip {
            rows += ", ('ip', $4, $1::timestamptz, 1)"
            params.append(.text(ip))
        }
        do {
            try pool.withConnection { connection in
                try connection.query("""
                    INSERT INTO login_failures AS f (scope, key, window_start, failures) VALUES \(rows)
                    ON CONFLICT (scope, key) DO UPDATE SET
                        failures = CASE WHEN f.window_start <= $2 THEN 1 ELSE f.failures + 1 END,
                        window_start = CASE WHEN f.window_start <= $2 THEN $1 ELSE f.window_start END
                    """, params)
            }
            recovered()
        } catch {
            failed(error)
        }
    }

    public func recordSuccess(account: String, at now: Timestamp) {
        local.recordSuccess(account: account, at: now)
        do {
            try pool.withConnection { connection in
                try connection.query(
                    "DELETE FROM login_failures WHERE (scope = 'account' AND key = $1) OR window_start <= $2",
                    [.text(Self.accountKey(account)), Self.value(windowStart(now))])
            }
            recovered()
        } catch {
            failed(error)
        }
    }

    /// The stored failure count of `account` in its open window (0 when none; nil when the
    /// database did not answer). For tests and diagnostics.
    public func sharedFailureCount(account: String, at now: Timestamp) -> Int? {
        let text = try? pool.read { connection in
            try connection.query(
                "SELECT coalesce(max(failures), 0) FROM login_failures WHERE scope = 'account' AND key = $1 AND window_start > $2",
                [.text(Self.accountKey(account)), Self.value(windowStart(now))]).scalar
        }
        return text.flatMap { Int($0) }
    }

    // MARK: - private

    /// Windows that started at or before this instant have passed.
    private func windowStart(_ now: Timestamp) -> Timestamp { now.adding(seconds: -limits.windowSeconds) }

    private static func value(_ time: Timestamp) -> PGValue {
        .timestamptz(microsecondsSince1970: time.microsecondsSince1970)
    }

    private func failed(_ error: any Error) {
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
