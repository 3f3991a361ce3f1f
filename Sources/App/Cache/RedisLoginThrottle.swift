import Identity
import Crypto
import Flows
import Redis
import Store

/// A `LoginThrottle` shared by every node through Redis counters, with a shared fallback in
/// PostgreSQL and a per-node last resort.
///
/// Keys `gh:throttle:acct:<hex SHA-256 of account>` and `gh:throttle:ip:<ip>`, each a counter
/// made by `RedisClient.incr` with TTL = `windowSeconds` set when the counter is created: a fixed
/// window that starts at the first failure. The account (or IP) is blocked while its counter is
/// at the limit; the lockout ends by itself when the key expires (at most `windowSeconds` after
/// the first counted failure). The times come from Redis's TTLs, not from `now`.
///
/// Every failure is also recorded in the `fallback` (a `SharedLoginThrottle` on PostgreSQL in
/// `LoginServices.postgres(pool:redis:logger:)`, same kind of fixed window) and in an
/// `InMemoryLoginThrottle` on this node (sliding window of the same length). While Redis is
/// unavailable (the client's breaker logs that once), `isBlocked` answers from the fallback, so
/// limits still hold across nodes; without a fallback, from this node's counts alone. Otherwise
/// an account or IP is blocked when Redis's shared count or this node's own count says so, so a
/// Redis that was flushed or restarted does not hand out fresh attempts on nodes that saw the
/// failures. A success clears the account in Redis, the fallback and this node.
public final class RedisLoginThrottle: LoginThrottle {
    public let client: RedisClient
    public let limits: ThrottleLimits
    /// This node's own counts, the answer while Redis is down.
    public let local: InMemoryLoginThrottle
    /// The shared answer while Redis is down (PostgreSQL); nil: this node's counts instead.
    /// Give it the same `limits`.
    public let fallback: (any LoginThrottle)?

    public init(client: RedisClient, limits: ThrottleLimits = ThrottleLimits(), fallback: (any LoginThrottle)? = nil) {
        self.client = client
        self.limits = limits
        self.fallback = fallback
        local = InMemoryLoginThrottle(limits: limits)
    }

    static func accountKey(_ account: String) -> String { "gh:throttle:acct:" + SessionCache.hex(Digest.sha256(account)) }
    static func ipKey(_ ip: String) -> String { "gh:throttle:ip:" + ip }

    public func isBlocked(account: String, ip: String?, at now: Timestamp) -> Bool {
        var arguments = ["MGET", Self.accountKey(account)]
        if let ip { arguments.append(Self.ipKey(ip)) }
        guard let reply = try? client.command(arguments), case .array(let counts) = reply,
              counts.count == arguments.count - 1 else {
            if let fallback { return fallback.isBlocked(account: account, ip: ip, at: now) }
            return local.isBlocked(account: account, ip: ip, at: now)
        }
        if Self.count(counts[0]) >= limits.maxFailuresPerAccount { return true }
        if ip != nil, Self.count(counts[1]) >= limits.maxFailuresPerIP { return true }
        // What this node saw itself still counts when Redis lost it (flushed or restarted).
        return local.isBlocked(account: account, ip: ip, at: now)
    }

    public func recordFailure(account: String, ip: String?, at now: Timestamp) {
        local.recordFailure(account: account, ip: ip, at: now)
        fallback?.recordFailure(account: account, ip: ip, at: now)
        let ttl = Int(limits.windowSeconds)
        guard (try? client.incr(Self.accountKey(account), ttlSeconds: ttl)) != nil else { return }
        if let ip { _ = try? client.incr(Self.ipKey(ip), ttlSeconds: ttl) }
    }

    public func recordSuccess(account: String, at now: Timestamp) {
        local.recordSuccess(account: account, at: now)
        fallback?.recordSuccess(account: account, at: now)
        _ = try? client.delete([Self.accountKey(account)])
    }

    /// The shared failure count of `account` in its current window (nil when Redis is down).
    public func sharedFailureCount(account: String) -> Int? {
        guard let reply = try? client.command(["GET", Self.accountKey(account)]) else { return nil }
        return Self.count(reply)
    }

    private static func count(_ reply: RedisReply) -> Int {
        switch reply {
        case .bulk(let bytes): return Int(String(decoding: bytes, as: UTF8.self)) ?? 0
        case .integer(let value): return value
        default: return 0
        }
    }
}
