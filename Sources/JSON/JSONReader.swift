/// The one strict JSON reader (RFC 8259), bounded by `JSONLimits`.
///
/// Stricter than the RFC requires where being loose lets two readers disagree about one
/// document: a duplicate member name, a byte-order mark, a lone `\u` surrogate and invalid
/// UTF-8 are refused rather than "handled" (RFC 8259 leaves each to the implementation). No
/// extensions: no comments, trailing commas, single quotes, `NaN` or `Infinity`.
///
/// It never recurses: open arrays and objects live on explicit stacks bounded by `maxDepth`,
/// so a megabyte of `[` fails with `.tooDeep`, never with a stack overflow.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let limits: JSONLimits
    var index = 0
    /// Reused for strings that have escapes or non-ASCII bytes.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// The document's one value, with nothing but whitespace around it. With `requireObject`,
    /// a document that does not start with `{` is refused at its first byte, unread.
    mutating func document(requireObject: Bool = false) throws(JSONError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else { throw JSONError(.tooLarge, at: limits.maxBytes) }
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { throw JSONError(.byteOrderMark, at: 0) }
        skipWhitespace()
        if requireObject, let first = next, first != UInt8(ascii: "{") { throw JSONError(.notAnObject, at: index) }
        let value = try value()
        skipWhitespace()
        guard index == bytes.count else { throw JSONError(.trailingContent, at: index) }
        return value
    }

    // MARK: - structure

    /// One value, containers included, read with explicit stacks instead of recursion.
    private mutating func value() throws(JSONError) -> JSONValue {
        // One entry per open container: true for an object. Arrays and objects under
        // construction sit on their own stacks, so they are appended to in place.
        var isObject: [Bool] = []
        var arrays: [[JSONValue]] = []
        var objects: [JSONObject] = []
        var names: [String] = []

        readValue: while true {
            skipWhitespace()
            guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
            var value: JSONValue
            switch bytes[index] {
            case UInt8(ascii: "["):
                guard isObject.count < limits.maxDepth else { throw JSONError(.tooDeep, at: index) }
                index += 1
                skipWhitespace()
                if next == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    isObject.append(false)
                    arrays.append([])
                    continue readValue
                }
            case UInt8(ascii: "{"):
                guard isObject.count < limits.maxDepth else { throw JSONError(.tooDeep, at: index) }
                index += 1
                skipWhitespace()
                if next == UInt8(ascii: "}") {
                    index += 1
                    value = .object(JSONObject())
                } else {
                    names.append(try memberName(unlessIn: nil))
                    isObject.append(true)
                    objects.append(JSONObject())
                    continue readValue
                }
            case UInt8(ascii: "\""):
                value = .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try number())
            case let byte:
                throw JSONError(.unexpectedByte(byte), at: index)
            }

            // A value is complete: add it to the innermost open container, closing
            // containers as their brackets arrive, until one needs another entry.
            while let inObject = isObject.last {
                if inObject {
                    objects[objects.count - 1].appendNew(names.removeLast(), value)
                } else {
                    arrays[arrays.count - 1].append(value)
                }
                skipWhitespace()
                guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
                let close = inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                switch bytes[index] {
                case UInt8(ascii: ","):
                    let entries = inObject ? objects[objects.count - 1].count : arrays[arrays.count - 1].count
                    guard entries < limits.maxEntries else { throw JSONError(.tooManyEntries, at: index) }
                    index += 1
                    skipWhitespace()
                    if next == close { throw JSONError(.trailingComma, at: index) }
                    if inObject { names.append(try memberName(unlessIn: objects.last)) }
                    continue readValue
                case close:
                    index += 1
                    isObject.removeLast()
                    value = inObject ? .object(objects.removeLast()) : .array(arrays.removeLast())
                default:
                    throw JSONError(.expectedCommaOrEnd, at: index)
                }
            }
            return value
        }
    }

    /// A member name and its `:`; refused when `object` already has it.
    private mutating func memberName(unlessIn object: JSONObject?) throws(JSONError) -> String {
        guard next == UInt8(ascii: "\"") else { throw JSONError(.expectedMemberName, at: index) }
        let start = index
        let name = try string()
        if let object, object.contains(key: name) { throw JSONError(.duplicateMember(name), at: start) }
        skipWhitespace()
        guard next == UInt8(ascii: ":") else { throw JSONError(.expectedColon, at: index) }
        index += 1
        return name
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw JSONError(.invalidLiteral, at: index) }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for offset in 0..<count where bytes[index + offset] != expected[offset] {
            throw JSONError(.invalidLiteral, at: index)
        }
        index += count
    }

    var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }
}

extension JSONValue {
    /// Reads one JSON document from `bytes` (UTF-8).
    public init(parsing bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONError) {
        self = try JSONReader.read(bytes, limits: limits, requireObject: false)
    }

    /// Reads one JSON document from `text`.
    public init(parsing text: String, limits: JSONLimits = .default) throws(JSONError) {
        self = try JSONReader.read(text.utf8, limits: limits, requireObject: false)
    }
}

extension JSONObject {
    /// Reads a document that must be one JSON object (a JWS header, a JWK, a request body);
    /// one that starts with anything else is `.notAnObject`.
    public init(parsing bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONError) {
        guard case .object(let object) = try JSONReader.read(bytes, limits: limits, requireObject: true) else {
            preconditionFailure("requireObject reads only objects")
        }
        self = object
    }

    /// Reads `text`, which must be one JSON object.
    public init(parsing text: String, limits: JSONLimits = .default) throws(JSONError) {
        try self.init(parsing: text.utf8, limits: limits)
    }
}

extension JSONReader {
    /// Reads `bytes` in place when they are contiguous (arrays, native strings), else a copy.
    static func read(_ bytes: some Collection<UInt8>, limits: JSONLimits, requireObject: Bool) throws(JSONError) -> JSONValue {
        func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONError> {
            var reader = JSONReader(buffer, limits: limits)
            return Result { () throws(JSONError) in try reader.document(requireObject: requireObject) }
        }
        let result = bytes.withContiguousStorageIfAvailable(run) ?? Array(bytes).withUnsafeBufferPointer(run)
        return try result.get()
    }
}
