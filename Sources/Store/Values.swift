import JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A user's id: the lower-case text form of a UUID (`0b0e5f3c-…`), assigned by the store.
public struct UserID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: UserID, b: UserID) -> Bool { a.rawValue < b.rawValue }
}

/// A group's id: the lower-case text form of a UUID, assigned by the store.
public struct GroupID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: GroupID, b: GroupID) -> Bool { a.rawValue < b.rawValue }
}

/// An instant, to the microsecond (PostgreSQL's `timestamptz` resolution).
public struct Timestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var microsecondsSince1970: Int64

    public init(microsecondsSince1970: Int64) { self.microsecondsSince1970 = microsecondsSince1970 }

    public init(secondsSince1970 seconds: Int64) { microsecondsSince1970 = seconds * 1_000_000 }

    /// The wall clock now, truncated to the microsecond.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSince1970: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(microsecondsSince1970: microsecondsSince1970 + seconds * 1_000_000)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microsecondsSince1970 < b.microsecondsSince1970 }
    public var description: String { "@\(microsecondsSince1970)µs" }
}

/// A JSON document kept as text. The store validates it (PostgreSQL's `jsonb` does) and may
/// hand back an equivalent but differently spelled text (key order, spacing), so compare
/// documents by meaning (`value`), not by `text`.
public struct JSONText: Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public init(_ text: String) { self.text = text }
    /// `value` written by the one JSON writer (compact, members sorted by name).
    public init(_ value: JSONValue) { self.init(value.serialized) }
    public static let emptyObject = JSONText("{}")
    public var description: String { text }

    /// The document read back; nil when the text is not valid JSON.
    public var value: JSONValue? { try? JSONValue(parsing: text) }

    /// The document as an object; empty when it is not one (attribute reads that default to
    /// no attributes).
    public var object: JSONObject { (try? JSONObject(parsing: text)) ?? [:] }

    /// `strings` as a JSON array of strings.
    public static func array(of strings: [String]) -> JSONText {
        JSONText(JSONValue.strings(strings).serialized)
    }

    /// `string` as a JSON string literal, quotes included (the JSON writer's escaping: safe in
    /// a log line too). Prefer building a `JSONValue`.
    public static func quoted(_ string: String) -> String {
        JSONWriter.quoted(string)
    }
}

/// What a store operation can fail with.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique field already holds this value (e.g. `conflict(field: "username")`).
    case conflict(field: String)
    /// The record the operation names does not exist (e.g. `notFound("user")`).
    case notFound(String)
    /// The values were refused (malformed JSON or IP address, a group cycle, …).
    case invalid(String)
    /// The backend failed (connection lost, pool exhausted, unexpected SQL error).
    case unavailable(String)

    public var description: String {
        switch self {
        case .conflict(let field): "\(field) is already taken"
        case .notFound(let what): "\(what) not found"
        case .invalid(let why): "invalid: \(why)"
        case .unavailable(let why): "store unavailable: \(why)"
        }
    }
}
