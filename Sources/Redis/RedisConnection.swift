#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CRedis

/// One blocking hiredis connection: connect within `connectTimeout`, every command within
/// `commandTimeout` (socket timeouts via `redisSetTimeout`), AUTH and SELECT as configured.
/// Commands are sent as argument vectors (`redisCommand` is variadic and cannot be called
/// from Swift), so keys and values are binary-safe.
///
/// Not thread-safe: one thread at a time (`RedisClient` pools these). After an I/O error or a
/// timeout the connection is closed and every later command throws `.unavailable`.
public final class RedisConnection {
    public let configuration: RedisConfiguration
    private var context: UnsafeMutablePointer<redisContext>?
    /// The last failure was the peer closing or resetting the connection (not a timeout), so a
    /// connection that sat idle may simply be stale and a fresh one may succeed.
    private(set) var lastFailureWasDisconnect = false

    public init(configuration: RedisConfiguration) throws(RedisError) {
        ignoreSIGPIPE()
        self.configuration = configuration
        guard let context = redisConnectWithTimeout(configuration.host, Int32(clamping: configuration.port),
                                                    timeval(seconds: configuration.connectTimeout)) else {
            throw .unavailable("cannot allocate a Redis context")
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            throw .unavailable("cannot connect to \(configuration): \(message)")
        }
        if redisSetTimeout(context, timeval(seconds: configuration.commandTimeout)) != REDIS_OK {
            redisFree(context)
            throw .unavailable("cannot set the command timeout on \(configuration)")
        }
        _ = redisEnableKeepAlive(context)  // idle pooled connections notice a vanished server
        self.context = context
        if let password = configuration.password {
            var arguments = ["AUTH"]
            if let username = configuration.username { arguments.append(username) }
            arguments.append(password)
            if case .error(let message) = try command(arguments) {
                close()
                throw .unavailable("AUTH refused by \(configuration): \(message)")
            }
        }
        if configuration.database != 0,
           case .error(let message) = try command(["SELECT", String(configuration.database)]) {
            close()
            throw .unavailable("SELECT \(configuration.database) refused by \(configuration): \(message)")
        }
    }

    deinit { close() }

    /// False once closed, or after an I/O error or timeout closed it.
    public var isOpen: Bool { context != nil }

    public func close() {
        if let context { redisFree(context) }
        context = nil
    }

    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    /// Sends one command and waits for its reply. An error reply is returned as `.error`, not
    /// thrown; only a connection that cannot be used throws (`.unavailable`).
    public func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        guard let context else { throw .unavailable("connection to \(configuration) is closed") }
        guard !arguments.isEmpty else { throw .server("ERR empty command") }
        let raw = withArgv(arguments) { argc, argv, argvlen in
            redisCommandArgv(context, argc, argv, argvlen)
        }
        guard let raw else {
            let code = errno
            let kind = context.pointee.err
            let message = kind != 0 ? Self.errorString(context) : "no reply"
            lastFailureWasDisconnect = kind == REDIS_ERR_EOF
                || (kind == REDIS_ERR_IO && [ECONNRESET, EPIPE, ECONNABORTED].contains(code))
            let timedOut = kind == REDIS_ERR_IO && (code == EAGAIN || code == EWOULDBLOCK)
            close()
            throw .unavailable(timedOut
                ? "no reply from \(configuration) within \(configuration.commandTimeout) s"
                : "lost the connection to \(configuration): \(message)")
        }
        defer { freeReplyObject(raw) }
        return Self.convert(UnsafePointer(raw.assumingMemoryBound(to: redisReply.self)))
    }

    /// Copies a hiredis reply tree into `RedisReply`. Types this hiredis may add later become
    /// `.error`, never a crash.
    private static func convert(_ reply: UnsafePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        func bytes() -> [UInt8] {
            guard let str = value.str, value.len > 0 else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: Int(value.len)))
        }
        switch value.type {
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_STRING: return .bulk(bytes())
        case REDIS_REPLY_INTEGER: return .integer(Int(truncatingIfNeeded: value.integer))
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_ARRAY:
            guard let elements = value.element, value.elements > 0 else { return .array([]) }
            return .array((0..<Int(value.elements)).map { index in
                elements[index].map { convert(UnsafePointer($0)) } ?? .null
            })
        default: return .error("unsupported reply type \(value.type)")
        }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafePointer(to: &context.pointee.errstr) { tuple in
            tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: context.pointee.errstr)) {
                String(cString: $0)
            }
        }
    }
}

/// Lays the arguments out in one buffer and calls `body` with hiredis's argc/argv/argvlen.
private func withArgv<R>(_ arguments: [[UInt8]],
                         _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafeMutablePointer<Int>) -> R) -> R {
    var flat: [UInt8] = []
    flat.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
    var offsets: [Int] = []
    var lengths: [Int] = []
    for argument in arguments {
        offsets.append(flat.count)
        lengths.append(argument.count)
        flat.append(contentsOf: argument)
    }
    flat.append(0)  // never empty, so baseAddress is never nil
    return flat.withUnsafeBufferPointer { buffer in
        let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
        var pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeMutableBufferPointer { argvlen in
                body(Int32(arguments.count), argv.baseAddress!, argvlen.baseAddress!)
            }
        }
    }
}

extension timeval {
    init(seconds: Double) {
        let clamped = max(0.001, seconds)
        let whole = clamped.rounded(.down)
        self.init(tv_sec: .init(whole), tv_usec: .init((clamped - whole) * 1_000_000))
    }
}

/// hiredis writes with plain write(2): a server that went away would raise SIGPIPE and kill
/// the process. Ignored once, process-wide (Net does the same for TLS); children started by
/// `ChildProcess` get the default disposition back.
private let sigpipeIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
func ignoreSIGPIPE() { _ = sigpipeIgnored }
