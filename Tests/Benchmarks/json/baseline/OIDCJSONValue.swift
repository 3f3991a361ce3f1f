// The benchmark's baseline (not built by SwiftPM): OIDC's JSONValue and Store's JSONText.quoted
// as they were before the rooms moved onto the JSON room, kept so that
// Tests/Benchmarks/json-rate.sh can still compare the two and check that the escaping is the same.
import Foundation

/// Store's `JSONText.quoted` before the migration.
public func oldQuoted(_ string: String) -> String {
    var out = "\""
    for scalar in string.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}


/// A JSON value for what the OIDC endpoints write (tokens, discovery, userinfo) and read
/// (our own JWT payloads). Objects serialize with sorted keys, so output is deterministic.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    public var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    public var bytes: [UInt8] { Array(serialized.utf8) }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)) : "null"
        case .string(let s): Self.appendQuoted(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                Self.appendQuoted(key, to: &out)
                out += ":"
                members[key]!.write(into: &out)
            }
            out += "}"
        }
    }

    /// `JSONText.quoted`, without its scalar-by-scalar copy for the common case: a string of
    /// printable ASCII other than `"` and `\` (tokens, URLs, ids) needs no escape, so it is
    /// appended whole. Anything else takes `JSONText.quoted`, so the output is the same.
    static func appendQuoted(_ string: String, to out: inout String) {
        let plain = string.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        guard plain else {
            out += oldQuoted(string)
            return
        }
        out += "\""
        out += string
        out += "\""
    }

    /// Parses a JSON document; nil when it is not valid JSON.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        guard bytes.count <= 1 << 20,
              let any = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return nil }
        return JSONValue(any: any)
    }

    public static func parse(_ text: String) -> JSONValue? { parse(Array(text.utf8)) }

    init?(any: Any) {
        switch any {
        case is NSNull: self = .null
        case let n as NSNumber:
            let type = String(cString: n.objCType)
            if type == "c" {
                self = .bool(n.boolValue)
            } else if type == "d" || type == "f" {
                self = .double(n.doubleValue)
            } else {
                self = .int(n.int64Value)
            }
        case let s as String: self = .string(s)
        case let a as [Any]:
            var items: [JSONValue] = []
            for element in a {
                guard let v = JSONValue(any: element) else { return nil }
                items.append(v)
            }
            self = .array(items)
        case let o as [String: Any]:
            var members: [String: JSONValue] = [:]
            for (k, element) in o {
                guard let v = JSONValue(any: element) else { return nil }
                members[k] = v
            }
            self = .object(members)
        default: return nil
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.isFinite && d == d.rounded() && abs(d) < 9e15: return Int64(d)
        default: return nil
        }
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}
