/// The strict JSON reader JOSE needs (RFC 8259), without Foundation: a JWS header or a JWK
/// is one object. Stricter than most parsers on purpose: a duplicate member name is an error
/// (RFC 7515 §5.2 allows rejecting it, and two readers can then never disagree about `alg`),
/// as are a byte-order mark, trailing content, invalid UTF-8, lone surrogates and nesting
/// deeper than `maximumDepth`.
enum JOSEJSON {
    indirect enum Value: Sendable, Equatable {
        case object([String: Value])
        case array([Value])
        case string(String)
        /// The number's text as written (JOSE members we read are never numbers).
        case number(String)
        case bool(Bool)
        case null
    }

    static let maximumDepth = 32

    /// Parses `bytes` as one JSON object; `what` names it in the error.
    static func object(_ bytes: [UInt8], what: String) throws(JOSEError) -> [String: Value] {
        guard bytes.count <= JWS.maximumLength else { throw .malformed("\(what) too large") }
        var reader = Reader(bytes: bytes)
        let value: Value
        do {
            value = try reader.document()
        } catch {
            throw .malformed("\(what) is not valid JSON (\(error.reason))")
        }
        guard case .object(let members) = value else { throw .malformed("\(what) is not a JSON object") }
        return members
    }

    /// Printable ASCII without `"` or `\`: safe inside a JSON string literal unescaped.
    static func isPlain(_ string: String) -> Bool {
        !string.isEmpty && string.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    struct SyntaxError: Error {
        let reason: String
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func document() throws(SyntaxError) -> Value {
            let value = try value(depth: 0)
            skipWhitespace()
            guard index == bytes.count else { throw SyntaxError(reason: "content after the value") }
            return value
        }

        private var next: UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipWhitespace() {
            while let byte = next, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        private mutating func expect(_ byte: UInt8) throws(SyntaxError) {
            guard next == byte else { throw SyntaxError(reason: "expected '\(Character(Unicode.Scalar(byte)))'") }
            index += 1
        }

        private mutating func value(depth: Int) throws(SyntaxError) -> Value {
            guard depth < JOSEJSON.maximumDepth else { throw SyntaxError(reason: "nested too deeply") }
            skipWhitespace()
            guard let byte = next else { throw SyntaxError(reason: "unexpected end") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw SyntaxError(reason: "unexpected character")
            }
        }

        private mutating func object(depth: Int) throws(SyntaxError) -> Value {
            try expect(UInt8(ascii: "{"))
            var members: [String: Value] = [:]
            skipWhitespace()
            if next == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                let name = try string()
                guard members[name] == nil else { throw SyntaxError(reason: "duplicate member \"\(name.prefix(40))\"") }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                members[name] = try value(depth: depth + 1)
                skipWhitespace()
                if next == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        private mutating func array(depth: Int) throws(SyntaxError) -> Value {
            try expect(UInt8(ascii: "["))
            var elements: [Value] = []
            skipWhitespace()
            if next == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                if next == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(elements)
            }
        }

        private mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let text = word.withUTF8Buffer { Array($0) }
            guard index + text.count <= bytes.count, Array(bytes[index..<index + text.count]) == text else {
                throw SyntaxError(reason: "bad literal")
            }
            index += text.count
        }

        private mutating func digits() -> Int {
            let start = index
            while let byte = next, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
            return index - start
        }

        private mutating func number() throws(SyntaxError) -> String {
            let start = index
            if next == UInt8(ascii: "-") { index += 1 }
            if next == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                throw SyntaxError(reason: "bad number")
            }
            if next == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw SyntaxError(reason: "bad number") }
            }
            if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
                index += 1
                if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw SyntaxError(reason: "bad number") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw SyntaxError(reason: "bad \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[index..<index + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw SyntaxError(reason: "bad \\u escape")
                }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }

        private mutating func string() throws(SyntaxError) -> String {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                guard let byte = next else { throw SyntaxError(reason: "unterminated string") }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: out, as: UTF8.self) else { throw SyntaxError(reason: "invalid UTF-8") }
                    return text
                case 0..<0x20:
                    throw SyntaxError(reason: "control character in string")
                case UInt8(ascii: "\\"):
                    guard let escape = next else { throw SyntaxError(reason: "unterminated string") }
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard next == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                            else { throw SyntaxError(reason: "lone surrogate") }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw SyntaxError(reason: "lone surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw SyntaxError(reason: "lone surrogate") }
                        out.append(contentsOf: Array(String(Character(unicode)).utf8))
                    default:
                        throw SyntaxError(reason: "bad escape")
                    }
                default:
                    out.append(byte)
                }
            }
        }
    }
}
