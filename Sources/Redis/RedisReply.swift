/// One reply, copied out of hiredis's reply object (so it outlives it).
public indirect enum RedisReply: Sendable, Equatable, CustomStringConvertible {
    case status(String)
    /// An error reply (`-ERR …`, `-WRONGTYPE …`): the server is fine, the command was not.
    case error(String)
    case integer(Int)
    /// A bulk string: any bytes, NUL included.
    case bulk([UInt8])
    /// A nil bulk string or nil array (`GET` of a missing key).
    case null
    case array([RedisReply])

    /// Values are shown by size only: cached data may be secret.
    public var description: String {
        switch self {
        case .status(let text): "status(\(text))"
        case .error(let text): "error(\(text))"
        case .integer(let value): "integer(\(value))"
        case .bulk(let bytes): "bulk(\(bytes.count) bytes)"
        case .null: "null"
        case .array(let elements): "array(\(elements.count) elements)"
        }
    }
}

/// Why a Redis call did not produce a value.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Redis cannot be used right now: connect refused or timed out, I/O error, command timeout,
    /// AUTH or SELECT refused, every connection busy, or the circuit breaker is open after an
    /// earlier failure. Thrown quickly; callers fall back to PostgreSQL.
    case unavailable(String)
    /// The server answered with an error reply (e.g. WRONGTYPE); the connection is fine.
    case server(String)
    /// The server answered with a reply this command never produces.
    case unexpectedReply(String)

    public var message: String {
        switch self {
        case .unavailable(let text), .server(let text), .unexpectedReply(let text): text
        }
    }

    public var description: String {
        switch self {
        case .unavailable(let text): "Redis unavailable: \(text)"
        case .server(let text): "Redis error reply: \(text)"
        case .unexpectedReply(let text): "unexpected Redis reply: \(text)"
        }
    }
}
