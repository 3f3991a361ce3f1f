/// A statement parameter for `PGConnection.query(_:_:)`. Values always travel separately from
/// the SQL text; `nil` (no `PGValue`) is SQL NULL.
///
/// Text-like values are sent in text format with no declared type, so the server infers the
/// type from where `$n` appears (`WHERE id = $1` with a uuid column reads a uuid), exactly as
/// `PGConnection.execute` does. `bytea` and `timestamptz` are sent in binary format with their
/// type declared: bytes are never re-encoded and may contain NUL, and instants never depend on
/// the session's DateStyle or TimeZone.
public enum PGValue: Sendable, Hashable {
    case text(String)
    case int(Int)
    case bool(Bool)
    /// Raw bytes, sent as binary `bytea`.
    case bytea([UInt8])
    /// A UUID in its text form, e.g. `"0b0e5f3c-…"`; the server validates it.
    case uuid(String)
    /// A JSON document as text; the server validates it.
    case jsonb(String)
    /// An instant as microseconds since 1970-01-01 00:00:00 UTC, sent as binary `timestamptz`.
    case timestamptz(microsecondsSince1970: Int64)

    /// An instant from seconds since 1970 (as `Date.timeIntervalSince1970` gives), to the microsecond.
    public static func timestamptz(secondsSince1970 seconds: Double) -> PGValue {
        .timestamptz(microsecondsSince1970: Int64((seconds * 1_000_000).rounded()))
    }
}

extension PGValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// Parameters laid out the way PQprepare/PQexecPrepared take them: one buffer holding every
/// value (text values NUL-terminated), plus per-parameter types, lengths and formats.
struct PGParameters {
    static let byteaOID: UInt32 = 17
    static let timestamptzOID: UInt32 = 1184
    /// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's binary timestamp epoch.
    static let postgresEpochOffset: Int64 = 946_684_800_000_000

    /// Declared types (0: let the server infer). Part of a prepared statement's identity.
    private(set) var types: [UInt32] = []
    private(set) var formats: [Int32] = []
    private(set) var lengths: [Int32] = []
    private var offsets: [Int?] = []
    private var storage: [UInt8] = []

    var count: Int { types.count }

    init(_ values: [PGValue?]) throws(PGError) {
        for value in values {
            switch value {
            case nil:
                offsets.append(nil)
                append(type: 0, format: 0, length: 0)
            case .text(let text), .uuid(let text), .jsonb(let text):
                try appendText(text)
            case .int(let number):
                try appendText(String(number))
            case .bool(let flag):
                try appendText(flag ? "true" : "false")
            case .bytea(let bytes):
                try appendBinary(bytes, type: Self.byteaOID)
            case .timestamptz(let micros):
                let (sinceY2K, overflow) = micros.subtractingReportingOverflow(Self.postgresEpochOffset)
                if overflow { throw PGError(kind: .query, sqlState: "22008", message: "timestamp out of range") }
                let bigEndian = UInt64(bitPattern: sinceY2K).bigEndian
                try appendBinary(withUnsafeBytes(of: bigEndian) { Array($0) }, type: Self.timestamptzOID)
            }
        }
    }

    private mutating func append(type: UInt32, format: Int32, length: Int32) {
        types.append(type)
        formats.append(format)
        lengths.append(length)
    }

    private mutating func appendText(_ text: String) throws(PGError) {
        // libpq reads text parameters up to the first NUL: one inside would cut the value short
        // without a word, so refuse it instead.
        if text.utf8.contains(0) {
            throw PGError(kind: .query, sqlState: "22021", message: "a parameter contains a NUL character")
        }
        offsets.append(storage.count)
        storage.append(contentsOf: text.utf8)
        storage.append(0)
        append(type: 0, format: 0, length: 0)
    }

    private mutating func appendBinary(_ bytes: [UInt8], type: UInt32) throws(PGError) {
        guard bytes.count <= Int(Int32.max) else {
            throw PGError(kind: .query, sqlState: "54000", message: "a parameter is too large")
        }
        offsets.append(storage.count)
        storage.append(contentsOf: bytes)
        append(type: type, format: 1, length: Int32(bytes.count))
    }

    /// Calls `body` with pointers valid for the call: values (nil for NULL), lengths, formats.
    func withPointers<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R) -> R {
        // One spare byte, so the buffer always has an address (an empty bytea needs a non-NULL pointer).
        (storage + [0]).withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let pointers: [UnsafePointer<CChar>?] = offsets.map { offset in offset.map { base + $0 } }
            return pointers.withUnsafeBufferPointer { values in
                lengths.withUnsafeBufferPointer { lengths in
                    formats.withUnsafeBufferPointer { formats in
                        body(values.baseAddress, lengths.baseAddress, formats.baseAddress)
                    }
                }
            }
        }
    }
}
