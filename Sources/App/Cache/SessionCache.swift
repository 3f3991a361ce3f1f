import Foundation
import Logging
import Redis
import Store
import Synchronization

/// The Redis side of the session cache, shared by `CachedSessionStore` and `CachedUserStore`
/// on one node. Never throws: every Redis failure is a miss (reads) or a recorded failed
/// invalidation (writes). See Docs/architecture.md, "Session cache: validity and staleness".
///
/// Keys:
/// - `gh:session:<hex of id hash>`: an entry (header lines + JSON, below) or a tombstone `!`
///   written by `deleteSession` (fills use `SET NX`, so a fill racing a delete cannot revive it).
/// - `gh:user-gen:<user id>`: the user's generation, a random token replaced whenever the user
///   is deactivated or all their sessions end (missing: "0").
/// - `gh:epoch`: the global epoch, a random token replaced by a node whose invalidation failed,
///   as soon as it reaches Redis again (missing: "0").
///
/// An entry is believed only if its stored generation and epoch equal the current ones, it is
/// younger than `maxEntryAge` by the caller's clock, and the session is alive at `now`.
public final class SessionCache: Sendable {
    public let client: RedisClient
    /// The longest an entry is believed (default 60 s); also its longest TTL.
    public let maxEntryAge: Int64
    /// `touchSession` writes `last_seen_at` to PostgreSQL at most this often per session
    /// (default 60 s; at most a quarter of the session's idle timeout).
    public let touchInterval: Int64
    let logger: Logger
    private let state = Mutex<LocalState>(LocalState())

    struct LocalState {
        /// An invalidation failed: do not read the cache until `gh:epoch` has been replaced.
        var epochBumpPending = false
        /// Per session: no `last_seen_at` write is needed before this time (bounded, swept).
        var touched: [[UInt8]: Timestamp] = [:]
    }

    public init(client: RedisClient, logger: Logger, maxEntryAge: Int64 = 60, touchInterval: Int64 = 60) {
        precondition(maxEntryAge > 0 && touchInterval >= 0)
        self.client = client
        self.logger = logger
        self.maxEntryAge = maxEntryAge
        self.touchInterval = touchInterval
    }

    static let epochKey = "gh:epoch"
    static let userGenPrefix = "gh:user-gen:"
    static let tombstone: [UInt8] = Array("!\n".utf8)

    static func sessionKey(_ idHash: [UInt8]) -> String { "gh:session:" + hex(idHash) }
    static func userGenKey(_ user: UserID) -> String { userGenPrefix + user.rawValue }

    /// True while a failed invalidation has not yet been made good by a new epoch.
    public var isDistrusted: Bool { state.withLock { $0.epochBumpPending } }

    // MARK: reading

    /// What one lookup found.
    struct Lookup {
        /// A valid entry's session (already checked alive at `now`).
        var session: Session?
        /// The raw bytes read (for compare-and-set), nil on a miss.
        var raw: [UInt8]?
        var entry: Entry?
        /// The epoch seen, to stamp a fill with; nil when the cache cannot be used now.
        var epoch: String?
    }

    /// One round trip: the entry, its user's generation and the epoch.
    func lookup(_ idHash: [UInt8], at now: Timestamp) -> Lookup {
        guard ensureTrusted() else { return Lookup() }
        let reply: RedisReply
        do {
            reply = try client.command([Array("EVAL".utf8), Array(Self.readScript.utf8), Array("2".utf8),
                                        Array(Self.sessionKey(idHash).utf8), Array(Self.epochKey.utf8),
                                        Array(Self.userGenPrefix.utf8)])
        } catch {
            return Lookup()
        }
        guard case .array(let parts) = reply, parts.count == 3 else {
            logger.warning("session cache: unexpected reply", metadata: ["reply": "\(reply)"])
            return Lookup()
        }
        let epoch = Self.text(parts[2]) ?? "0"
        guard case .bulk(let raw) = parts[0] else { return Lookup(epoch: epoch) }
        guard let entry = Entry(decoding: raw, idHash: idHash) else { return Lookup(raw: raw, epoch: epoch) }
        let generation = Self.text(parts[1]) ?? "0"
        let valid = entry.epoch == epoch && (entry.session.userID == nil || entry.userGeneration == generation)
            && now < entry.cachedAt.adding(seconds: maxEntryAge) && entry.cachedAt <= now.adding(seconds: 5)
            && entry.session.isAlive(at: now)
        return Lookup(session: valid ? entry.session : nil, raw: raw, entry: entry, epoch: epoch)
    }

    /// The user's generation now ("0" when none), nil when Redis cannot be asked.
    func generation(of user: UserID) -> String? {
        guard let reply = try? client.command(["GET", Self.userGenKey(user)]) else { return nil }
        switch reply {
        case .bulk, .null: return Self.text(reply) ?? "0"
        default: return nil
        }
    }

    /// Stores `session` unless the key exists (an entry or a tombstone).
    func fill(_ session: Session, generation: String, epoch: String, at now: Timestamp) {
        let deadline = min(session.expiresAt, session.lastSeenAt.adding(seconds: Int64(session.idleTimeoutSeconds)))
        let remaining = (deadline.microsecondsSince1970 - now.microsecondsSince1970) / 1_000_000
        guard remaining >= 1 else { return }
        let entry = Entry(session: session, userGeneration: generation, epoch: epoch, cachedAt: now)
        _ = try? client.command([Array("SET".utf8), Array(Self.sessionKey(session.idHash).utf8), entry.encoded(),
                                 Array("EX".utf8), Array(String(min(maxEntryAge, remaining)).utf8), Array("NX".utf8)])
    }

    /// Replaces `old` by `new` only if the key still holds exactly `old` (keeps the TTL).
    func compareAndSet(_ idHash: [UInt8], old: [UInt8], new: Entry) {
        _ = try? client.command([Array("EVAL".utf8), Array(Self.casScript.utf8), Array("1".utf8),
                                 Array(Self.sessionKey(idHash).utf8), old, new.encoded()])
    }

    // MARK: invalidating

    /// Marks the session deleted for `maxEntryAge`.
    func invalidateSession(_ idHash: [UInt8]) {
        invalidate("session") { () throws(RedisError) in
            try client.set(Self.sessionKey(idHash), Self.tombstone, ttlSeconds: Int(maxEntryAge))
        }
    }

    /// Drops the cached copy of a session that still exists but changed (its flow state), so
    /// the next read refills it from PostgreSQL. A failure puts this node in distrust mode like
    /// any other failed invalidation.
    func dropSession(_ idHash: [UInt8]) {
        invalidate("session") { () throws(RedisError) in
            _ = try client.delete([Self.sessionKey(idHash)])
        }
    }

    /// Gives the user a new generation: every cached session of theirs, on every node, is void.
    func invalidateUser(_ user: UserID) {
        invalidate("user") { () throws(RedisError) in
            try client.set(Self.userGenKey(user), Self.randomToken(), ttlSeconds: Int(2 * maxEntryAge + 10))
        }
    }

    private func invalidate(_ what: String, _ body: () throws(RedisError) -> Void) {
        do {
            try body()
        } catch {
            let first = state.withLock { state -> Bool in
                defer { state.epochBumpPending = true }
                return !state.epochBumpPending
            }
            if first {
                logger.warning("session cache: an invalidation could not reach Redis; this node reads PostgreSQL until it has replaced gh:epoch",
                               metadata: ["what": "\(what)", "error": "\(error)"])
            }
        }
    }

    /// False while a failed invalidation is pending and `gh:epoch` cannot be replaced yet.
    private func ensureTrusted() -> Bool {
        guard state.withLock({ $0.epochBumpPending }) else { return true }
        do {
            guard case .status("OK") = try client.command([Array("SET".utf8), Array(Self.epochKey.utf8), Self.randomToken()])
            else { return false }
        } catch {
            return false
        }
        state.withLock { $0.epochBumpPending = false }
        logger.info("session cache: gh:epoch replaced after a failed invalidation; the cache is trusted again")
        return true
    }

    // MARK: touch bookkeeping

    /// Before this time `touchSession` need not write `last_seen_at` (this node's knowledge).
    func touchNotBefore(_ idHash: [UInt8]) -> Timestamp? {
        state.withLock { $0.touched[idHash] }
    }

    func recordTouch(_ idHash: [UInt8], notBefore: Timestamp) {
        state.withLock { state in
            if state.touched.count >= 10_000 {
                let now = Timestamp.now()
                state.touched = state.touched.filter { $0.value > now }
            }
            state.touched[idHash] = notBefore
        }
    }

    func forgetTouch(_ idHash: [UInt8]) {
        _ = state.withLock { $0.touched.removeValue(forKey: idHash) }
    }

    // MARK: helpers

    static func text(_ reply: RedisReply) -> String? {
        if case .bulk(let bytes) = reply { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    static func randomToken() -> [UInt8] {
        Array(hex((0..<16).map { _ in UInt8.random(in: 0...255) }).utf8)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// KEYS[1] session key, KEYS[2] epoch key, ARGV[1] user-generation key prefix.
    /// Returns {entry or nil, user generation or nil, epoch or nil}.
    static let readScript = """
        local v = redis.call('GET', KEYS[1])
        local e = redis.call('GET', KEYS[2])
        local g = false
        if v then
          local uid = string.match(v, '^([^\\n]*)\\n')
          if uid and uid ~= '-' and uid ~= '!' then g = redis.call('GET', ARGV[1] .. uid) end
        end
        return {v, g, e}
        """

    static let casScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
          return 1
        end
        return 0
        """
}

/// A cached session: `<user id or ->\n<user generation>\n<epoch>\n<cached at, µs>\n<JSON>`.
/// The user id comes first so the read script can find the user's generation.
struct Entry {
    var session: Session
    var userGeneration: String
    var epoch: String
    var cachedAt: Timestamp

    init(session: Session, userGeneration: String, epoch: String, cachedAt: Timestamp) {
        self.session = session
        self.userGeneration = userGeneration
        self.epoch = epoch
        self.cachedAt = cachedAt
    }

    private struct Payload: Codable {
        var createdAt: Int64
        var lastSeenAt: Int64
        var expiresAt: Int64
        var idleTimeoutSeconds: Int
        var clientIP: String?
        var userAgent: String?
        var authTime: Int64?
        var authMethods: [String]
        var upstreamAMR: [String]
        var flowState: String?
    }

    func encoded() -> [UInt8] {
        let s = session
        let payload = Payload(createdAt: s.createdAt.microsecondsSince1970, lastSeenAt: s.lastSeenAt.microsecondsSince1970,
                              expiresAt: s.expiresAt.microsecondsSince1970, idleTimeoutSeconds: s.idleTimeoutSeconds,
                              clientIP: s.clientIP, userAgent: s.userAgent, authTime: s.authTime?.microsecondsSince1970,
                              authMethods: s.authMethods, upstreamAMR: s.upstreamAMR, flowState: s.flowState?.text)
        let json = (try? JSONEncoder().encode(payload)).map { Array($0) } ?? []
        let header = "\(s.userID?.rawValue ?? "-")\n\(userGeneration)\n\(epoch)\n\(cachedAt.microsecondsSince1970)\n"
        return Array(header.utf8) + json
    }

    /// Nil for a tombstone or anything unreadable (both count as "not a valid entry").
    init?(decoding raw: [UInt8], idHash: [UInt8]) {
        var lines: [String] = []
        var start = 0
        var index = 0
        while lines.count < 4, index < raw.count {
            if raw[index] == UInt8(ascii: "\n") {
                lines.append(String(decoding: raw[start..<index], as: UTF8.self))
                start = index + 1
            }
            index += 1
        }
        guard lines.count == 4, lines[0] != "!", let cachedAt = Int64(lines[3]),
              let p = try? JSONDecoder().decode(Payload.self, from: Data(raw[start...])) else { return nil }
        session = Session(idHash: idHash, userID: lines[0] == "-" ? nil : UserID(lines[0]),
                          createdAt: Timestamp(microsecondsSince1970: p.createdAt),
                          lastSeenAt: Timestamp(microsecondsSince1970: p.lastSeenAt),
                          expiresAt: Timestamp(microsecondsSince1970: p.expiresAt),
                          idleTimeoutSeconds: p.idleTimeoutSeconds, clientIP: p.clientIP, userAgent: p.userAgent,
                          authTime: p.authTime.map { Timestamp(microsecondsSince1970: $0) },
                          authMethods: p.authMethods, upstreamAMR: p.upstreamAMR, flowState: p.flowState.map(JSONText.init))
        userGeneration = lines[1]
        epoch = lines[2]
        self.cachedAt = Timestamp(microsecondsSince1970: cachedAt)
    }
}
