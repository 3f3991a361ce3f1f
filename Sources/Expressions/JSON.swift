/// JSON text to and from values, for contexts built from stored attributes (jsonb text) and for claims.
extension ExprValue {
    /// Deepest nesting a JSON text may have; deeper input is rejected, never a stack overflow.
    public static let maxJSONDepth = 128

    /// Parses JSON. Integers that fit become `.int`, other numbers `.double`. Errors are kind `.parse`
    /// with the line and column in `jsonText`.
    public init(jsonText: String) throws(ExpressionError) {
        var reader = JSONReader(Array(jsonText.utf8))
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        if reader.index < reader.bytes.count { throw reader.error("unexpected text after the JSON value") }
        self = value
    }

    /// Compact JSON with keys sorted, so equal values always serialize the same way.
    /// Non-finite doubles (which JSON cannot hold) become null.
    public func jsonText() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? d.description : "null"
        case .string(let s): ExprValue.quote(s, into: &out)
        case .list(let l):
            out += "["
            for (i, item) in l.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .map(let m):
            out += "{"
            for (i, key) in m.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                ExprValue.quote(key, into: &out)
                out += ":"
                m[key, default: .null].write(to: &out)
            }
            out += "}"
        }
    }

    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20 || scalar == "\u{2028}" || scalar == "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

private struct JSONReader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String) -> ExpressionError {
        var line = 1
        var column = 1
        for byte in bytes[0..<min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return ExpressionError(.parse, "invalid JSON: \(message)", line: line, column: column)
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
    }

    mutating func literal(_ word: String, _ value: ExprValue) throws(ExpressionError) -> ExprValue {
        let w = Array(word.utf8)
        guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else { throw error("unexpected character") }
        index += w.count
        return value
    }

    mutating func value(depth: Int) throws(ExpressionError) -> ExprValue {
        guard depth < ExprValue.maxJSONDepth else { throw error("nested deeper than \(ExprValue.maxJSONDepth) levels") }
        guard let b = peek else { throw error("unexpected end of text") }
        switch b {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            index += 1
            var items: [ExprValue] = []
            skipSpace()
            if peek == UInt8(ascii: "]") { index += 1; return .list(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                if peek == UInt8(ascii: "]") { index += 1; return .list(items) }
                guard peek == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
                index += 1
            }
        case UInt8(ascii: "{"):
            index += 1
            var result: [String: ExprValue] = [:]
            skipSpace()
            if peek == UInt8(ascii: "}") { index += 1; return .map(result) }
            while true {
                skipSpace()
                guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                skipSpace()
                guard peek == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipSpace()
                result[key] = try value(depth: depth + 1)
                skipSpace()
                if peek == UInt8(ascii: "}") { index += 1; return .map(result) }
                guard peek == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
                index += 1
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            throw error("unexpected character")
        }
    }

    mutating func number() throws(ExpressionError) -> ExprValue {
        let start = index
        func digits(_ r: inout JSONReader) -> Int {
            let s = r.index
            while let b = r.peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { r.index += 1 }
            return r.index - s
        }
        if peek == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        let intDigits = digits(&self)
        guard intDigits > 0, !(intDigits > 1 && bytes[intStart] == UInt8(ascii: "0")) else { throw error("bad number") }
        var isInteger = true
        if peek == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            guard digits(&self) > 0 else { throw error("bad number") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("bad number") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw error("number out of range") }
        return .double(d)
    }

    mutating func hex4() throws(ExpressionError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("bad \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error("bad \\u escape")
            }
            value = value * 16 + UInt32(digit)
            index += 1
        }
        return value
    }

    mutating func string() throws(ExpressionError) -> String {
        index += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw error("unterminated string") }
            index += 1
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { index -= 1; throw error("control character in string") }
            if b != UInt8(ascii: "\\") { out.append(b); continue }
            guard let e = peek else { throw error("unterminated string") }
            index += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if code >= 0xD800 && code < 0xDC00 {
                    guard peek == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("lone surrogate in \\u escape")
                    }
                    index += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw error("bad surrogate pair") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("lone surrogate in \\u escape") }
                out += Array(String(scalar).utf8)
            default:
                throw error("unknown escape")
            }
        }
        // Invalid UTF-8 cannot arrive through a Swift String, so decoding is lossless here.
        return String(decoding: out, as: UTF8.self)
    }
}
