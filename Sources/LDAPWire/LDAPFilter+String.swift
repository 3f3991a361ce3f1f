/// The string form of filters, RFC 4515, both ways.
extension LDAPFilter {
    /// Parses an RFC 4515 filter such as `(&(objectClass=person)(cn=J*))`. Nesting is bounded
    /// by `limits.maxNestingDepth` and items by `limits.maxFilterTerms`.
    public init(parsing string: String, limits: LDAPLimits = .default) throws(LDAPWireError) {
        var parser = FilterStringParser(bytes: Array(string.utf8), limits: limits)
        self = try parser.parseFilter(depth: 1)
        guard parser.at == parser.bytes.count else {
            throw .filterSyntax(reason: "unexpected text after the filter", offset: parser.at)
        }
    }

    /// The RFC 4515 string form; `LDAPFilter(parsing:)` reads it back to an equal filter.
    public var string: String {
        var out: [UInt8] = []
        render(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func render(into out: inout [UInt8]) {
        func text(_ s: String) { out.append(contentsOf: s.utf8) }
        func item(_ attribute: String, _ op: String, _ value: [UInt8]) {
            text("(\(attribute)\(op)")
            LDAPFilter.escape(value, into: &out)
            text(")")
        }
        switch self {
        case .and(let filters):
            text("(&")
            for f in filters { f.render(into: &out) }
            text(")")
        case .or(let filters):
            text("(|")
            for f in filters { f.render(into: &out) }
            text(")")
        case .not(let filter):
            text("(!")
            filter.render(into: &out)
            text(")")
        case .equalityMatch(let ava): item(ava.attribute, "=", ava.value)
        case .greaterOrEqual(let ava): item(ava.attribute, ">=", ava.value)
        case .lessOrEqual(let ava): item(ava.attribute, "<=", ava.value)
        case .approxMatch(let ava): item(ava.attribute, "~=", ava.value)
        case .present(let attribute): text("(\(attribute)=*)")
        case .substrings(let s):
            text("(\(s.type)=")
            if let initial = s.initial { LDAPFilter.escape(initial, into: &out) }
            text("*")
            for any in s.any {
                LDAPFilter.escape(any, into: &out)
                text("*")
            }
            if let final = s.final { LDAPFilter.escape(final, into: &out) }
            text(")")
        case .extensibleMatch(let m):
            text("(\(m.type ?? "")\(m.dnAttributes ? ":dn" : "")\(m.matchingRule.map { ":" + $0 } ?? ""):=")
            LDAPFilter.escape(m.matchValue, into: &out)
            text(")")
        }
    }

    /// RFC 4515 §3: the octets of '*', '(', ')', '\' and NUL "are represented as a backslash
    /// "\" (ASCII 0x5c) followed by the two hexadecimal digits representing the value of the
    /// encoded octet". A value that is not UTF-8 has every non-ASCII octet escaped too, so the
    /// filter string stays UTF-8; control characters are escaped as well ("Other octets that
    /// are part of the <normal> set may be escaped"), to keep logs readable.
    public static func escape(_ value: [UInt8]) -> String {
        var out: [UInt8] = []
        escape(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func escape(_ value: [UInt8], into out: inout [UInt8]) {
        let validUTF8 = String(validating: value, as: UTF8.self) != nil
        for byte in value {
            switch byte {
            case 0x2A, 0x28, 0x29, 0x5C, 0x00..<0x20, 0x7F:
                out.append(contentsOf: hexEscape(byte))
            case 0x80... where !validUTF8:
                out.append(contentsOf: hexEscape(byte))
            default:
                out.append(byte)
            }
        }
    }

    private static func hexEscape(_ byte: UInt8) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return [0x5C, digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }
}

/// A recursive-descent parser over the UTF-8 bytes; depth is checked before every descent.
struct FilterStringParser {
    let bytes: [UInt8]
    let limits: LDAPLimits
    var at = 0
    var terms = 0

    init(bytes: [UInt8], limits: LDAPLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    private func fail(_ reason: String) -> LDAPWireError { .filterSyntax(reason: reason, offset: at) }

    private var next: UInt8? { at < bytes.count ? bytes[at] : nil }

    private mutating func expect(_ byte: UInt8, _ name: String) throws(LDAPWireError) {
        guard next == byte else { throw fail(next == nil ? "expected \(name), found the end" : "expected \(name)") }
        at += 1
    }

    private mutating func countTerm() throws(LDAPWireError) {
        terms += 1
        guard terms <= limits.maxFilterTerms else { throw .tooMany(what: "filter string", limit: limits.maxFilterTerms) }
    }

    // filter = LPAREN filtercomp RPAREN
    mutating func parseFilter(depth: Int) throws(LDAPWireError) -> LDAPFilter {
        guard depth <= limits.maxNestingDepth else { throw .tooDeep(what: "filter string", limit: limits.maxNestingDepth) }
        try expect(0x28, "'('")
        try countTerm()
        let filter: LDAPFilter
        switch next {
        case 0x26: // &
            at += 1
            filter = .and(try parseList(depth: depth))
        case 0x7C: // |
            at += 1
            filter = .or(try parseList(depth: depth))
        case 0x21: // !
            at += 1
            filter = .not(try parseFilter(depth: depth + 1))
        default:
            filter = try parseItem()
        }
        try expect(0x29, "')'")
        return filter
    }

    /// `filterlist = 1*filter`, and RFC 4526's empty `(&)` / `(|)`.
    private mutating func parseList(depth: Int) throws(LDAPWireError) -> [LDAPFilter] {
        var filters: [LDAPFilter] = []
        while next == 0x28 { filters.append(try parseFilter(depth: depth + 1)) }
        return filters
    }

    // item = simple / present / substring / extensible
    private mutating func parseItem() throws(LDAPWireError) -> LDAPFilter {
        let attribute = try parseDescription()
        switch next {
        case 0x3A: // ':'
            return .extensibleMatch(try parseExtensible(type: attribute))
        case 0x7E, 0x3E, 0x3C: // ~ > <
            let op = next!
            at += 1
            try expect(0x3D, "'=' after '\(Character(UnicodeScalar(op)))'")
            guard !attribute.isEmpty else { throw fail("missing attribute description") }
            let ava = AttributeValueAssertion(attribute: attribute, value: try parseValue())
            switch op {
            case 0x7E: return .approxMatch(ava)
            case 0x3E: return .greaterOrEqual(ava)
            default: return .lessOrEqual(ava)
            }
        case 0x3D: // =
            at += 1
            guard !attribute.isEmpty else { throw fail("missing attribute description") }
            return try parseEqualsValue(attribute: attribute)
        default:
            throw fail(attribute.isEmpty ? "expected an attribute description" : "expected '=', '~=', '>=', '<=' or ':'")
        }
    }

    /// attr = attributedescription: a descr or numericoid with `;options`, kept as written.
    private mutating func parseDescription() throws(LDAPWireError) -> String {
        let start = at
        while let b = next, isKeyChar(b) || b == 0x2E || b == 0x3B { at += 1 }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    private func isKeyChar(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2D
    }

    // extensible = ( attr [dnattrs] [matchingrule] COLON EQUALS assertionvalue )
    //            / ( [dnattrs] matchingrule COLON EQUALS assertionvalue )
    private mutating func parseExtensible(type: String) throws(LDAPWireError) -> MatchingRuleAssertion {
        var dn = false
        var rule: String?
        while true {
            try expect(0x3A, "':'")
            if next == 0x3D {
                at += 1
                break
            }
            let tokenStart = at
            while let b = next, isKeyChar(b) || b == 0x2E { at += 1 }
            let token = String(decoding: bytes[tokenStart..<at], as: UTF8.self)
            guard !token.isEmpty else { throw fail("expected 'dn', a matching rule or ':='") }
            if token.lowercased() == "dn" && !dn && rule == nil {
                dn = true
            } else if rule == nil {
                rule = token
            } else {
                throw fail("more than one matching rule")
            }
        }
        guard !type.isEmpty || rule != nil else {
            throw fail("an extensible match needs an attribute or a matching rule")
        }
        return MatchingRuleAssertion(matchingRule: rule, type: type.isEmpty ? nil : type,
                                     matchValue: try parseValue(), dnAttributes: dn)
    }

    /// After `attr=`: a value, `*` (present), or substrings split by unescaped `*`.
    private mutating func parseEqualsValue(attribute: String) throws(LDAPWireError) -> LDAPFilter {
        var parts: [[UInt8]] = [try parseValue(stopAtStar: true)]
        while next == 0x2A {
            at += 1
            parts.append(try parseValue(stopAtStar: true))
        }
        if parts.count == 1 { return .equalityMatch(AttributeValueAssertion(attribute: attribute, value: parts[0])) }
        if parts.count == 2 && parts[0].isEmpty && parts[1].isEmpty { return .present(attribute) }
        // any = ASTERISK *(assertionvalue ASTERISK): an empty part between two stars asserts
        // nothing and has no BER form (the RFC's substrings are non-empty in practice).
        guard parts.dropFirst().dropLast().allSatisfy({ !$0.isEmpty }) else { throw fail("empty substring between '*'s") }
        var filter = SubstringFilter(type: attribute)
        filter.initial = parts.first!.isEmpty ? nil : parts.first!
        filter.final = parts.last!.isEmpty ? nil : parts.last!
        filter.any = Array(parts.dropFirst().dropLast())
        try countTerm()
        return .substrings(filter)
    }

    /// valueencoding = 0*(normal / escaped); escaped = ESC HEX HEX.
    private mutating func parseValue(stopAtStar: Bool = false) throws(LDAPWireError) -> [UInt8] {
        var value: [UInt8] = []
        while let b = next {
            switch b {
            case 0x29: // ')'
                return value
            case 0x2A where stopAtStar:
                return value
            case 0x5C: // '\'
                guard at + 2 < bytes.count, let hi = hexValue(bytes[at + 1]), let lo = hexValue(bytes[at + 2]) else {
                    throw fail("'\\' must be followed by two hex digits")
                }
                value.append(hi << 4 | lo)
                at += 3
            case 0x00, 0x28, 0x2A:
                // UTF1SUBSET excludes NUL, '(', ')', '*' and '\': they must be escaped.
                throw fail("unescaped '\(b == 0 ? "NUL" : String(UnicodeScalar(b)))' in a value")
            default:
                value.append(b)
                at += 1
            }
        }
        return value
    }

    private func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
