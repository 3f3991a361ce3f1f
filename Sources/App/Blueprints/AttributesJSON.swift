import Blueprints
import Store

/// Blueprint attribute values (`FieldValue`) as the JSON the `attributes` jsonb columns hold,
/// and back. Only what attributes can be: objects, arrays, strings, numbers, booleans. A
/// document with a `null` (which no blueprint can write) does not decode; the caller then
/// treats the stored value as different from any blueprint value, so it gets rewritten.
enum AttributesJSON {
    /// `value` as JSON text; nil for a value JSON cannot hold (a non-finite number).
    static func encode(_ value: FieldValue) -> String? {
        switch value {
        case .string(let s): return JSONText.quoted(s)
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : nil
        case .bool(let b): return b ? "true" : "false"
        case .list(let items):
            var parts: [String] = []
            for item in items {
                guard let part = encode(item) else { return nil }
                parts.append(part)
            }
            return "[" + parts.joined(separator: ",") + "]"
        case .map(let map):
            var parts: [String] = []
            for key in map.keys.sorted() {
                guard let part = encode(map[key]!) else { return nil }
                parts.append(JSONText.quoted(key) + ":" + part)
            }
            return "{" + parts.joined(separator: ",") + "}"
        case .secret(let secret):
            // `!Env` in an attribute is ordinary data (Docs/blueprints.md), stored in clear.
            return JSONText.quoted(secret.reveal())
        }
    }

    /// Parses JSON text (as PostgreSQL prints jsonb) into a `FieldValue`; nil when malformed.
    static func decode(_ text: String) -> FieldValue? {
        var parser = Parser(Array(text.utf8))
        guard let value = parser.value() else { return nil }
        parser.skipSpace()
        return parser.index == parser.bytes.count ? value : nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else { return false }
            index += w.count
            return true
        }

        mutating func value() -> FieldValue? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var map: [String: FieldValue] = [:]
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .map(map) }
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                    index += 1
                    guard let item = value() else { return nil }
                    map[key] = item
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .map(map) }
                    return nil
                }
            case UInt8(ascii: "["):
                index += 1
                var items: [FieldValue] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .list(items) }
                while true {
                    guard let item = value() else { return nil }
                    items.append(item)
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .list(items) }
                    return nil
                }
            case UInt8(ascii: "\""):
                return string().map(FieldValue.string)
            case UInt8(ascii: "t"):
                return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"):
                return literal("false") ? .bool(false) : nil
            default:
                let start = index
                while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                if let i = Int(text) { return .int(i) }
                if let d = Double(text), !text.isEmpty { return .double(d) }
                return nil
            }
        }

        mutating func string() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            var out: [UInt8] = []
            var scalars = String.UnicodeScalarView()
            func flush() {
                if !out.isEmpty { scalars.append(contentsOf: String(decoding: out, as: UTF8.self).unicodeScalars); out = [] }
            }
            var pendingHigh: UInt32?
            while index < bytes.count {
                let c = bytes[index]
                index += 1
                if c == UInt8(ascii: "\"") {
                    flush()
                    return pendingHigh == nil ? String(scalars) : nil
                }
                guard c == UInt8(ascii: "\\") else {
                    guard pendingHigh == nil else { return nil }
                    out.append(c)
                    continue
                }
                guard index < bytes.count else { return nil }
                let e = bytes[index]
                index += 1
                if e != UInt8(ascii: "u"), pendingHigh != nil { return nil }
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else { return nil }
                    index += 4
                    flush()
                    if let high = pendingHigh {
                        guard (0xDC00...0xDFFF).contains(code),
                              let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)) else { return nil }
                        scalars.append(scalar)
                        pendingHigh = nil
                    } else if (0xD800...0xDBFF).contains(code) {
                        pendingHigh = code
                    } else {
                        guard let scalar = Unicode.Scalar(code) else { return nil }
                        scalars.append(scalar)
                    }
                default:
                    return nil
                }
            }
            return nil
        }
    }
}
