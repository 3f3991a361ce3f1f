/// Writes the BER subset LDAP uses: definite, minimal lengths; minimal INTEGERs; TRUE as
/// 0xFF (RFC 4511 §5.1: "If the value of a BOOLEAN type is true, the encoding of the value
/// octets is set to hex "FF"").
public struct BERWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Writes `tag`, then whatever `body` writes, with the length filled in afterwards.
    public mutating func writeConstructed(_ tag: BERTag, _ body: (inout BERWriter) -> Void) {
        bytes.append(tag.byte)
        let lengthAt = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - lengthAt - 1
        let encoded = BERWriter.length(length)
        bytes.replaceSubrange(lengthAt..<lengthAt + 1, with: encoded)
    }

    public mutating func writePrimitive(_ tag: BERTag, _ content: some Collection<UInt8>) {
        bytes.append(tag.byte)
        bytes.append(contentsOf: BERWriter.length(content.count))
        bytes.append(contentsOf: content)
    }

    public mutating func writeInteger(_ value: Int64, tag: BERTag = .integer) {
        writePrimitive(tag, BERWriter.integerContent(value))
    }

    public mutating func writeEnumerated(_ value: Int64, tag: BERTag = .enumerated) {
        writeInteger(value, tag: tag)
    }

    public mutating func writeBoolean(_ value: Bool, tag: BERTag = .boolean) {
        writePrimitive(tag, [value ? 0xFF : 0x00])
    }

    public mutating func writeNull(tag: BERTag = .null) {
        writePrimitive(tag, [])
    }

    public mutating func writeOctetString(_ value: some Collection<UInt8>, tag: BERTag = .octetString) {
        writePrimitive(tag, value)
    }

    public mutating func writeString(_ value: String, tag: BERTag = .octetString) {
        writePrimitive(tag, Array(value.utf8))
    }

    /// The definite length octets: the short form below 128, else the fewest long-form octets.
    static func length(_ length: Int) -> [UInt8] {
        if length < 0x80 { return [UInt8(length)] }
        var octets: [UInt8] = []
        var rest = length
        while rest > 0 {
            octets.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(octets.count)] + octets
    }

    /// Two's complement, big-endian, without redundant leading octets (X.690 §8.3.2).
    static func integerContent(_ value: Int64) -> [UInt8] {
        var octets: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
        while octets.count > 1,
              (octets[0] == 0x00 && octets[1] & 0x80 == 0) || (octets[0] == 0xFF && octets[1] & 0x80 != 0) {
            octets.removeFirst()
        }
        return octets
    }
}
