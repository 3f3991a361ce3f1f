/// Reads the BER subset LDAP uses (RFC 4511 §5.1) from a byte array, one element at a time.
///
/// A reader covers a window of the bytes; reading a constructed element returns a child
/// reader over its content, one level deeper, and `finish` checks nothing is left over. No
/// recursion happens here, and nothing is allocated for a length until the length has been
/// checked against the bytes that are really there.
public struct BERReader: Sendable {
    private let bytes: [UInt8]
    public private(set) var position: Int
    public let end: Int
    /// Nesting level of the element this reader is inside (0 for the outermost reader).
    public let depth: Int
    public let limits: LDAPLimits

    public init(_ bytes: [UInt8], limits: LDAPLimits = .default) {
        self.init(bytes: bytes, position: 0, end: bytes.count, depth: 0, limits: limits)
    }

    private init(bytes: [UInt8], position: Int, end: Int, depth: Int, limits: LDAPLimits) {
        self.bytes = bytes
        self.position = position
        self.end = end
        self.depth = depth
        self.limits = limits
    }

    public var isAtEnd: Bool { position >= end }
    public var remaining: Int { end - position }

    /// The tag of the next element, or nil at the end of this reader.
    public func peekTag(_ what: String) throws(LDAPWireError) -> BERTag? {
        guard position < end else { return nil }
        guard let tag = BERTag(byte: bytes[position]) else { throw .highTagNumber(what: what) }
        return tag
    }

    /// The next element's tag and content range; advances past the whole element.
    public mutating func readElement(_ what: String) throws(LDAPWireError) -> (tag: BERTag, content: Range<Int>) {
        let header = try BERReader.header(bytes, at: position, end: end, what: what, limits: limits)
        guard header.length <= end - header.contentStart else {
            throw .truncated(what: what, needed: header.length, available: end - header.contentStart)
        }
        position = header.contentStart + header.length
        return (header.tag, header.contentStart..<position)
    }

    /// Tag and length of the element at `start`, without checking its content is all there
    /// (framing wants the length before the body arrives).
    static func header(_ bytes: [UInt8], at start: Int, end: Int, what: String,
                       limits: LDAPLimits) throws(LDAPWireError) -> (tag: BERTag, contentStart: Int, length: Int) {
        var at = start
        guard at < end else { throw .truncated(what: what, needed: 2, available: 0) }
        guard let tag = BERTag(byte: bytes[at]) else { throw .highTagNumber(what: what) }
        at += 1
        guard at < end else { throw .truncated(what: what, needed: 1, available: 0) }
        let first = bytes[at]
        at += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            // RFC 4511 §5.1: "Only the definite form of length encoding is used."
            if first == 0x80 { throw .indefiniteLength(what: what) }
            let octets = Int(first & 0x7F)
            // Four octets already say 4 GiB; more is never a real LDAP PDU.
            guard octets <= 4 else { throw .lengthTooLong(what: what, octets: octets) }
            guard end - at >= octets else { throw .truncated(what: what, needed: octets, available: end - at) }
            // Non-minimal long forms (0x84 00 00 00 05) are valid BER and some directories
            // always send them, so they are read, not refused.
            for _ in 0..<octets {
                length = length << 8 | Int(bytes[at])
                at += 1
            }
        }
        guard length <= limits.maxMessageSize else {
            throw .tooLarge(what: what, length: length, limit: limits.maxMessageSize)
        }
        return (tag, at, length)
    }

    /// Reads an element that must carry `tag` and returns its content.
    public mutating func readPrimitive(_ tag: BERTag, _ what: String) throws(LDAPWireError) -> ArraySlice<UInt8> {
        let saved = position
        let element = try readElement(what)
        guard element.tag == tag else {
            position = saved
            throw .unexpectedTag(what: what, expected: tag.description, found: element.tag)
        }
        return bytes[element.content]
    }

    /// Reads a constructed element with `tag` and returns a reader over its content.
    public mutating func readConstructed(_ tag: BERTag, _ what: String) throws(LDAPWireError) -> BERReader {
        guard depth + 1 <= limits.maxNestingDepth else { throw .tooDeep(what: what, limit: limits.maxNestingDepth) }
        let content = try readPrimitive(tag, what).indices
        return BERReader(bytes: bytes, position: content.lowerBound, end: content.upperBound,
                         depth: depth + 1, limits: limits)
    }

    /// Throws if bytes are left: trailing garbage inside a SEQUENCE is an encoding error.
    public func finish(_ what: String) throws(LDAPWireError) {
        guard position >= end else { throw .trailingBytes(what: what, count: end - position) }
    }

    // MARK: - universal types

    public mutating func readInteger(_ what: String, tag: BERTag = .integer) throws(LDAPWireError) -> Int64 {
        let content = try readPrimitive(tag, what)
        guard !content.isEmpty else { throw .invalidLength(what: what, length: 0) }
        // X.690 §8.3.2 wants the minimal form; redundant leading octets are still read
        // (some clients write fixed-width message IDs), but never more than 64 bits' worth.
        guard content.count <= 8 else { throw .integerTooLong(what: what, octets: content.count) }
        var value = Int64(Int8(bitPattern: content.first!))
        for byte in content.dropFirst() { value = value << 8 | Int64(byte) }
        return value
    }

    /// An INTEGER that must lie in `range` (message IDs, size and time limits: 0...maxInt).
    public mutating func readInteger(_ what: String, in range: ClosedRange<Int64>,
                                     tag: BERTag = .integer) throws(LDAPWireError) -> Int64 {
        let value = try readInteger(what, tag: tag)
        guard range.contains(value) else {
            throw .outOfRange(what: what, value: value, range: "\(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    public mutating func readEnumerated(_ what: String, tag: BERTag = .enumerated) throws(LDAPWireError) -> Int64 {
        try readInteger(what, tag: tag)
    }

    public mutating func readBoolean(_ what: String, tag: BERTag = .boolean) throws(LDAPWireError) -> Bool {
        let content = try readPrimitive(tag, what)
        guard content.count == 1 else { throw .invalidLength(what: what, length: content.count) }
        // X.690 §8.2.2: any non-zero octet is TRUE in BER (only DER insists on 0xFF).
        return content.first! != 0
    }

    public mutating func readNull(_ what: String, tag: BERTag = .null) throws(LDAPWireError) {
        let content = try readPrimitive(tag, what)
        guard content.isEmpty else { throw .invalidLength(what: what, length: content.count) }
    }

    /// RFC 4511 §5.1: "OCTET STRING values are encoded in the primitive form only", so a
    /// constructed OCTET STRING does not match `tag` and is refused.
    public mutating func readOctetString(_ what: String, tag: BERTag = .octetString) throws(LDAPWireError) -> [UInt8] {
        Array(try readPrimitive(tag, what))
    }

    /// An LDAPString: RFC 4511 §4.1.2, "encoded following the UTF-8 [RFC3629] algorithm".
    public mutating func readString(_ what: String, tag: BERTag = .octetString) throws(LDAPWireError) -> String {
        let content = try readPrimitive(tag, what)
        guard let string = String(validating: content, as: UTF8.self) else { throw .invalidUTF8(what: what) }
        return string
    }
}
