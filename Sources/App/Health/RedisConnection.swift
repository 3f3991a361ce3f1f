#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CRedis

/// A minimal blocking hiredis connection: connect with a timeout, AUTH and SELECT from the URL,
/// and commands sent as argument vectors (`redisCommand` is variadic and cannot be called from Swift).
final class RedisConnection {
    enum Reply: Equatable {
        case status(String)
        case error(String)
        case string(String)
        case integer(Int)
        case array(Int)
        case null
    }

    private var context: UnsafeMutablePointer<redisContext>?

    init(url: RedisURL, timeout: Double) throws(ValueProblem) {
        let seconds = max(0.001, timeout)
        let interval = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), interval) else {
            throw ValueProblem("cannot allocate a Redis context")
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            throw ValueProblem("cannot connect to \(url.host):\(url.port): \(message)")
        }
        _ = redisSetTimeout(context, interval)
        self.context = context
        if let password = url.password {
            var arguments = ["AUTH"]
            if let username = url.username { arguments.append(username) }
            arguments.append(password)
            if case .error(let message) = try command(arguments) {
                throw ValueProblem("AUTH refused: \(message)")
            }
        }
        if url.database != 0, case .error(let message) = try command(["SELECT", String(url.database)]) {
            throw ValueProblem("SELECT \(url.database) refused: \(message)")
        }
    }

    deinit { close() }

    func close() {
        if let context { redisFree(context) }
        context = nil
    }

    func command(_ arguments: [String]) throws(ValueProblem) -> Reply {
        guard let context else { throw ValueProblem("connection is closed") }
        let copies = arguments.map { Array($0.utf8) }
        var lengths = copies.map(\.count)
        let raw: UnsafeMutableRawPointer? = withPointers(copies) { pointers in
            var pointers = pointers
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeMutableBufferPointer { argvlen in
                    redisCommandArgv(context, Int32(copies.count), argv.baseAddress, argvlen.baseAddress)
                }
            }
        }
        guard let raw else {
            let message = context.pointee.err != 0 ? Self.errorString(context) : "no reply"
            close()
            throw ValueProblem(message)
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        let text = reply.pointee.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(reply.pointee.len)), as: UTF8.self) } ?? ""
        switch reply.pointee.type {
        case REDIS_REPLY_STATUS: return .status(text)
        case REDIS_REPLY_ERROR: return .error(text)
        case REDIS_REPLY_STRING: return .string(text)
        case REDIS_REPLY_INTEGER: return .integer(Int(reply.pointee.integer))
        case REDIS_REPLY_ARRAY: return .array(Int(reply.pointee.elements))
        default: return .null
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

private func withPointers<R>(_ buffers: [[UInt8]], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = buffers.map { bytes -> UnsafeMutablePointer<CChar> in
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, bytes.count))
        bytes.withUnsafeBufferPointer { source in
            source.withMemoryRebound(to: CChar.self) { pointer.initialize(from: $0.baseAddress!, count: bytes.count) }
        }
        return pointer
    }
    defer { copies.forEach { $0.deallocate() } }
    return body(copies.map { UnsafePointer($0) })
}
