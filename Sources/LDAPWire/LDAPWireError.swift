/// Why bytes or a string could not be read as LDAP. Every decoder and parser in this room
/// throws only this, never traps; `description` says what was wrong, for logs.
///
/// RFC 4511 §4.1.1: when the encoding structures or lengths of data fields are found to be
/// incorrect, the server SHOULD send a Notice of Disconnection with protocolError and MUST
/// terminate the session (`LDAPMessage.noticeOfDisconnection`).
public enum LDAPWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An element's tag, length or content runs past the bytes there are.
    case truncated(what: String, needed: Int, available: Int)
    /// Length octet 0x80: the indefinite form, which LDAP does not use.
    case indefiniteLength(what: String)
    /// A long-form length with more than four length octets (0xFF included).
    case lengthTooLong(what: String, octets: Int)
    /// A length beyond `LDAPLimits.maxMessageSize`.
    case tooLarge(what: String, length: Int, limit: Int)
    /// Tag number 31 and up (the multi-byte tag form), which no LDAP type uses.
    case highTagNumber(what: String)
    /// A different element than the grammar allows here.
    case unexpectedTag(what: String, expected: String, found: BERTag)
    /// A primitive whose content length is wrong for its type (a BOOLEAN of 2 octets, a
    /// NULL with content, an INTEGER of none).
    case invalidLength(what: String, length: Int)
    /// An INTEGER or ENUMERATED with more content octets than 64 bits hold.
    case integerTooLong(what: String, octets: Int)
    /// A number outside the range its field allows.
    case outOfRange(what: String, value: Int64, range: String)
    /// Bytes left inside a constructed element (or after the PDU) once its grammar is read.
    case trailingBytes(what: String, count: Int)
    /// Nesting deeper than `LDAPLimits.maxNestingDepth`.
    case tooDeep(what: String, limit: Int)
    /// More items than a count limit allows.
    case tooMany(what: String, limit: Int)
    /// An LDAPString that is not UTF-8 (RFC 4511 §4.1.2).
    case invalidUTF8(what: String)
    /// A well-formed element whose value the grammar forbids.
    case invalidValue(what: String, reason: String)
    /// An RFC 4515 filter string that does not parse; `offset` counts UTF-8 bytes.
    case filterSyntax(reason: String, offset: Int)
    /// An RFC 4514 DN string that does not parse; `offset` counts UTF-8 bytes.
    case dnSyntax(reason: String, offset: Int)

    public var description: String {
        switch self {
        case .truncated(let what, let needed, let available):
            return "\(what): truncated, needs \(needed) bytes but \(available) remain"
        case .indefiniteLength(let what):
            return "\(what): indefinite length (0x80) is not allowed in LDAP"
        case .lengthTooLong(let what, let octets):
            return "\(what): length has \(octets) length octets, at most 4 are allowed"
        case .tooLarge(let what, let length, let limit):
            return "\(what): length \(length) exceeds the limit of \(limit) bytes"
        case .highTagNumber(let what):
            return "\(what): multi-byte tag numbers are not used by LDAP"
        case .unexpectedTag(let what, let expected, let found):
            return "\(what): expected \(expected), found \(found)"
        case .invalidLength(let what, let length):
            return "\(what): content length \(length) is invalid for this type"
        case .integerTooLong(let what, let octets):
            return "\(what): integer of \(octets) octets does not fit in 64 bits"
        case .outOfRange(let what, let value, let range):
            return "\(what): value \(value) is outside \(range)"
        case .trailingBytes(let what, let count):
            return "\(what): \(count) unexpected bytes after the last field"
        case .tooDeep(let what, let limit):
            return "\(what): nested deeper than \(limit) levels"
        case .tooMany(let what, let limit):
            return "\(what): more than \(limit) items"
        case .invalidUTF8(let what):
            return "\(what): not valid UTF-8"
        case .invalidValue(let what, let reason):
            return "\(what): \(reason)"
        case .filterSyntax(let reason, let offset):
            return "filter string, at byte \(offset): \(reason)"
        case .dnSyntax(let reason, let offset):
            return "DN string, at byte \(offset): \(reason)"
        }
    }
}
