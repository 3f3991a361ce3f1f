/// Why a document was refused, and where: `offset` is the byte (from 0) at which the reader
/// stopped, e.g. the first byte of a duplicate member name or of a bad escape.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The document is larger than `JSONLimits.maxBytes`.
        case tooLarge
        /// More than `JSONLimits.maxDepth` arrays and objects are open at once.
        case tooDeep
        /// An array or object has more than `JSONLimits.maxEntries` entries.
        case tooManyEntries
        /// A string is longer than `JSONLimits.maxStringBytes` once unescaped.
        case stringTooLong
        /// The document ends inside a value (or is empty).
        case unexpectedEnd
        /// A byte that cannot start or continue anything here (comments, `NaN`, `'`, ...).
        case unexpectedByte(UInt8)
        /// The document starts with a UTF-8 byte-order mark, which RFC 8259 forbids sending.
        case byteOrderMark
        /// `tru`, `nul`, `falsy`, ...
        case invalidLiteral
        /// A malformed number: a leading zero, `1.`, `-`, `1e`, `-Infinity`, ...
        case invalidNumber
        /// A number too large for a `Double` (`1e400`).
        case numberOutOfRange
        /// A `\` escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// A `\uXXXX` surrogate without its other half.
        case loneSurrogate
        /// Bytes in a string that are not UTF-8 (overlong forms and encoded surrogates included).
        case invalidUTF8
        /// A raw byte below 0x20 inside a string (it must be escaped).
        case controlCharacterInString
        /// An object names the same member twice (compared as Swift strings: canonically
        /// equivalent names are one name).
        case duplicateMember(String)
        /// A `,` directly before `]` or `}`.
        case trailingComma
        /// Something other than a string where a member name must be.
        case expectedMemberName
        /// Something other than `:` after a member name.
        case expectedColon
        /// Something other than `,` or the closing bracket after an entry.
        case expectedCommaOrEnd
        /// Bytes after the document's one value (other than whitespace).
        case trailingContent
        /// `JSONObject(parsing:)` read a value that is not an object.
        case notAnObject
    }

    public let reason: Reason
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason.text)" }
}

extension JSONError.Reason {
    /// A short English phrase, safe to show a client (member names are cut to 64 characters).
    public var text: String {
        switch self {
        case .tooLarge: return "document too large"
        case .tooDeep: return "nested too deeply"
        case .tooManyEntries: return "too many entries in an array or object"
        case .stringTooLong: return "string too long"
        case .unexpectedEnd: return "unexpected end"
        case .unexpectedByte(let byte): return "unexpected \(Self.show(byte))"
        case .byteOrderMark: return "byte-order mark"
        case .invalidLiteral: return "invalid literal (expected true, false or null)"
        case .invalidNumber: return "invalid number"
        case .numberOutOfRange: return "number out of range"
        case .invalidEscape: return "invalid escape"
        case .loneSurrogate: return "lone surrogate in \\u escape"
        case .invalidUTF8: return "invalid UTF-8"
        case .controlCharacterInString: return "control character in string"
        case .duplicateMember(let name): return "duplicate member \(JSONWriter.quoted(String(name.prefix(64))))"
        case .trailingComma: return "trailing comma"
        case .expectedMemberName: return "expected a member name"
        case .expectedColon: return "expected ':'"
        case .expectedCommaOrEnd: return "expected ',' or a closing bracket"
        case .trailingContent: return "content after the value"
        case .notAnObject: return "not a JSON object"
        }
    }

    private static func show(_ byte: UInt8) -> String {
        if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" : "") + hex
    }
}
