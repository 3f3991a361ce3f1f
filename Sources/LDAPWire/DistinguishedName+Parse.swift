/// Reading the RFC 4514 string form. Beyond the strict grammar this accepts, as RFC 4514 §3
/// lets it ("Implementations MAY recognize other DN string representations"), spaces around
/// `=`, `,` and `+`, which older clients and people typing bind DNs write; unescaped
/// trailing spaces are dropped, escaped ones (`\ `) kept.
extension DistinguishedName {
    public init(parsing string: String) throws(LDAPWireError) {
        var parser = DNStringParser(bytes: Array(string.utf8))
        self = try parser.parse()
    }
}

struct DNStringParser {
    let bytes: [UInt8]
    var at = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var next: UInt8? { at < bytes.count ? bytes[at] : nil }
    private func fail(_ reason: String) -> LDAPWireError { .dnSyntax(reason: reason, offset: at) }

    private mutating func skipSpaces() {
        while next == 0x20 { at += 1 }
    }

    // distinguishedName = [ relativeDistinguishedName *( COMMA relativeDistinguishedName ) ]
    mutating func parse() throws(LDAPWireError) -> DistinguishedName {
        skipSpaces()
        var rdns: [RelativeDistinguishedName] = []
        guard next != nil else { return .root }
        while true {
            rdns.append(try parseRDN())
            skipSpaces()
            guard let b = next else { break }
            guard b == 0x2C else {
                throw fail(b == 0x3B ? "';' as an RDN separator is obsolete (RFC 4514 uses ',')" : "expected ',' between RDNs")
            }
            at += 1
            skipSpaces()
        }
        return DistinguishedName(rdns: rdns)
    }

    // relativeDistinguishedName = attributeTypeAndValue *( PLUS attributeTypeAndValue )
    private mutating func parseRDN() throws(LDAPWireError) -> RelativeDistinguishedName {
        var attributes = [try parseAttribute()]
        skipSpaces()
        while next == 0x2B {
            at += 1
            skipSpaces()
            attributes.append(try parseAttribute())
            skipSpaces()
        }
        return RelativeDistinguishedName(attributes)
    }

    // attributeTypeAndValue = attributeType EQUALS attributeValue
    private mutating func parseAttribute() throws(LDAPWireError) -> AttributeTypeAndValue {
        let type = try parseType()
        skipSpaces()
        guard next == 0x3D else { throw fail("expected '=' after the attribute type") }
        at += 1
        skipSpaces()
        if next == 0x23 {
            return AttributeTypeAndValue(type: type, value: .ber(try parseHexString()))
        }
        return AttributeTypeAndValue(type: type, value: .string(try parseStringValue()))
    }

    // attributeType = descr / numericoid
    // descr = ALPHA *( ALPHA / DIGIT / HYPHEN ); numericoid = number 1*( DOT number )
    private mutating func parseType() throws(LDAPWireError) -> String {
        let start = at
        guard let first = next else { throw fail("expected an attribute type, found the end") }
        if isDigit(first) {
            var components = 0
            while true {
                let numberStart = at
                while let b = next, isDigit(b) { at += 1 }
                guard at > numberStart else { throw fail("empty component in a numeric OID") }
                // number = DIGIT / ( LDIGIT 1*DIGIT ): no leading zeros.
                guard bytes[numberStart] != 0x30 || at - numberStart == 1 else { throw fail("leading zero in a numeric OID") }
                components += 1
                guard next == 0x2E else { break }
                at += 1
            }
            guard components >= 2 else { throw fail("a numeric OID needs at least two components") }
        } else if isAlpha(first) {
            while let b = next, isAlpha(b) || isDigit(b) || b == 0x2D { at += 1 }
        } else {
            throw fail("expected an attribute type")
        }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    // hexstring = SHARP 1*hexpair
    private mutating func parseHexString() throws(LDAPWireError) -> [UInt8] {
        at += 1
        var value: [UInt8] = []
        while let b = next, b != 0x2C, b != 0x2B, b != 0x20 {
            guard at + 1 < bytes.count, let hi = hexValue(b), let lo = hexValue(bytes[at + 1]) else {
                throw fail("a '#' value must be pairs of hex digits")
            }
            value.append(hi << 4 | lo)
            at += 2
        }
        guard !value.isEmpty else { throw fail("a '#' value needs at least one hex pair") }
        return value
    }

    // string = [ ( leadchar / pair ) [ *( stringchar / pair ) ( trailchar / pair ) ] ]
    // pair = ESC ( ESC / special / hexpair ); special = escaped / SPACE / SHARP / EQUALS
    private mutating func parseStringValue() throws(LDAPWireError) -> String {
        var value: [UInt8] = []
        var keep = 0 // bytes of `value` up to the last one that is not an unescaped space
        scan: while let b = next {
            switch b {
            case 0x2C, 0x2B:
                break scan
            case 0x5C:
                guard at + 1 < bytes.count else { throw fail("'\\' at the end") }
                let c = bytes[at + 1]
                if [0x5C, 0x22, 0x2B, 0x2C, 0x3B, 0x3C, 0x3E, 0x20, 0x23, 0x3D].contains(c) {
                    value.append(c)
                    at += 2
                } else if at + 2 < bytes.count, let hi = hexValue(c), let lo = hexValue(bytes[at + 2]) {
                    value.append(hi << 4 | lo)
                    at += 3
                } else {
                    throw fail("'\\' must be followed by a special character or two hex digits")
                }
                keep = value.count
            case 0x00, 0x22, 0x3B, 0x3C, 0x3E:
                // SUTF1 excludes NUL, '"', ';', '<' and '>': they must be escaped.
                throw fail("unescaped '\(b == 0 ? "NUL" : String(UnicodeScalar(b)))' in a value")
            case 0x20:
                value.append(b)
                at += 1
            default:
                value.append(b)
                at += 1
                keep = value.count
            }
        }
        value.removeLast(value.count - keep)
        // Escaped octets must still spell UTF-8: a string value is a UTF-8 string (RFC 4514 §2.4).
        guard let string = String(validating: value, as: UTF8.self) else { throw fail("value is not valid UTF-8") }
        return string
    }

    private func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    private func isAlpha(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    private func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
