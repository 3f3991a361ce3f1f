/// The one JSON writer: UTF-8 bytes, deterministic for a given value and options.
///
/// Numbers: integers and big integers as their decimal text; a `Double` as the shortest text
/// that reads back as the same `Double`, always with a `.` or an exponent (`1.0`, `1e+20`) so
/// it reads back as a double; a non-finite `Double`, which JSON cannot hold, as `null`.
public struct JSONWriter: Sendable {
    public let options: JSONWriteOptions

    public init(options: JSONWriteOptions = []) {
        self.options = options
    }

    /// Appends `value`'s text to `out`.
    public func write(_ value: JSONValue, to out: inout [UInt8]) {
        write(value, depth: 0, to: &out)
    }

    private func write(_ value: JSONValue, depth: Int, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): Self.appendNumber(n, to: &out)
        case .string(let s): JSONEscaper.appendQuoted(s, html: options.contains(.escapeHTML), to: &out)
        case .array(let items):
            guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, to: &out)
                write(item, depth: depth + 1, to: &out)
            }
            newline(depth, to: &out)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            let members = options.contains(.insertionOrder) ? Array(object) : object.sortedByKey
            for (position, member) in members.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1, to: &out)
                JSONEscaper.appendQuoted(member.key, html: options.contains(.escapeHTML), to: &out)
                out.append(UInt8(ascii: ":"))
                if options.contains(.pretty) { out.append(UInt8(ascii: " ")) }
                write(member.value, depth: depth + 1, to: &out)
            }
            newline(depth, to: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// In pretty output, a line break and the indentation of `depth`.
    private func newline(_ depth: Int, to out: inout [UInt8]) {
        guard options.contains(.pretty) else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    static func appendNumber(_ number: JSONNumber, to out: inout [UInt8]) {
        switch number {
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: (d.isFinite ? d.description : "null").utf8)
        case .bigInteger(let text): out.append(contentsOf: text.utf8)
        }
    }

    /// `string` as a JSON string literal, quotes included (for text assembled by hand, such
    /// as a log line).
    public static func quoted(_ string: String, options: JSONWriteOptions = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf8.count + 2)
        JSONEscaper.appendQuoted(string, html: options.contains(.escapeHTML), to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSONValue {
    /// Compact text, members sorted by name.
    public var serialized: String { serialized([]) }

    /// Compact UTF-8 bytes, members sorted by name (an HTTP body, a JWT payload).
    public var bytes: [UInt8] { bytes([]) }

    public func serialized(_ options: JSONWriteOptions) -> String {
        String(decoding: bytes(options), as: UTF8.self)
    }

    public func bytes(_ options: JSONWriteOptions) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter(options: options).write(self, to: &out)
        return out
    }
}
