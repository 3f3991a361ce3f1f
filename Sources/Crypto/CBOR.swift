/// A strict reader of the CBOR (RFC 8949) that WebAuthn uses: definite lengths only, integers,
/// byte and text strings, arrays, maps, booleans and null; no tags, no floats. Bounded in depth
/// and size, so a hostile attestation object cannot exhaust anything.
public indirect enum CBOR: Sendable, Hashable {
    case int(Int64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    case map([CBOR: CBOR])
    case bool(Bool)
    case null

    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { "CBOR: \(message)" }
    }

    static let maxDepth = 16
    static let maxItems = 1024

    /// Decodes one item at the start of `bytes`; returns it and how many bytes it took.
    public static func decodePrefix(_ bytes: [UInt8]) throws(Malformed) -> (CBOR, Int) {
        var reader = Reader(bytes: bytes)
        let value = try reader.item(depth: 0)
        return (value, reader.offset)
    }

    /// Decodes exactly one item (trailing bytes are an error).
    public static func decode(_ bytes: [UInt8]) throws(Malformed) -> CBOR {
        let (value, used) = try decodePrefix(bytes)
        guard used == bytes.count else { throw Malformed(message: "trailing bytes") }
        return value
    }

    public subscript(key: Int64) -> CBOR? {
        if case .map(let members) = self { return members[.int(key)] }
        return nil
    }

    public subscript(key: String) -> CBOR? {
        if case .map(let members) = self { return members[.text(key)] }
        return nil
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func take(_ count: Int) throws(Malformed) -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - offset else { throw Malformed(message: "truncated") }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }

        mutating func argument(_ info: UInt8) throws(Malformed) -> UInt64 {
            switch info {
            case 0..<24: return UInt64(info)
            case 24, 25, 26, 27:
                var value: UInt64 = 0
                for byte in try take(1 << Int(info - 24)) { value = value << 8 | UInt64(byte) }
                return value
            default: throw Malformed(message: "indefinite or reserved length")
            }
        }

        mutating func item(depth: Int) throws(Malformed) -> CBOR {
            guard depth <= CBOR.maxDepth else { throw Malformed(message: "nested too deeply") }
            let head = try take(1).first ?? 0
            let major = head >> 5, info = head & 0x1f
            switch major {
            case 0:
                let value = try argument(info)
                guard value <= UInt64(Int64.max) else { throw Malformed(message: "integer too large") }
                return .int(Int64(value))
            case 1:
                let value = try argument(info)
                guard value <= UInt64(Int64.max) else { throw Malformed(message: "integer too large") }
                return .int(-1 - Int64(value))
            case 2, 3:
                let length = try argument(info)
                guard length <= UInt64(bytes.count) else { throw Malformed(message: "truncated") }
                let content = Array(try take(Int(length)))
                if major == 2 { return .bytes(content) }
                guard let text = String(validating: content, as: UTF8.self) else { throw Malformed(message: "invalid UTF-8") }
                return .text(text)
            case 4:
                let count = try argument(info)
                guard count <= UInt64(CBOR.maxItems) else { throw Malformed(message: "array too long") }
                var items: [CBOR] = []
                for _ in 0..<Int(count) { items.append(try item(depth: depth + 1)) }
                return .array(items)
            case 5:
                let count = try argument(info)
                guard count <= UInt64(CBOR.maxItems) else { throw Malformed(message: "map too long") }
                var members: [CBOR: CBOR] = [:]
                for _ in 0..<Int(count) {
                    let key = try item(depth: depth + 1)
                    guard members[key] == nil else { throw Malformed(message: "duplicate map key") }
                    members[key] = try item(depth: depth + 1)
                }
                return .map(members)
            case 7:
                switch info {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                default: throw Malformed(message: "unsupported simple value or float")
                }
            default:
                throw Malformed(message: "tags are not supported")
            }
        }
    }
}
