/// The BER form of LDAPFilter (RFC 4511 §4.5.1, Filter ::= CHOICE { and [0] ... }).
extension LDAPFilter {
    /// Decodes one filter that fills `bytes` exactly.
    public init(decoding bytes: [UInt8], limits: LDAPLimits = .default) throws(LDAPWireError) {
        var r = BERReader(bytes, limits: limits)
        var terms = 0
        self = try LDAPFilter.decode(&r, terms: &terms)
        try r.finish("filter")
    }

    public var berEncoded: [UInt8] {
        var w = BERWriter()
        encode(into: &w)
        return w.bytes
    }

    static let andTag = BERTag.context(0, constructed: true)
    static let orTag = BERTag.context(1, constructed: true)
    static let notTag = BERTag.context(2, constructed: true)
    static let equalityTag = BERTag.context(3, constructed: true)
    static let substringsTag = BERTag.context(4, constructed: true)
    static let greaterOrEqualTag = BERTag.context(5, constructed: true)
    static let lessOrEqualTag = BERTag.context(6, constructed: true)
    static let presentTag = BERTag.context(7)
    static let approxTag = BERTag.context(8, constructed: true)
    static let extensibleTag = BERTag.context(9, constructed: true)
    static let initialTag = BERTag.context(0)
    static let anyTag = BERTag.context(1)
    static let finalTag = BERTag.context(2)

    func encode(into w: inout BERWriter) {
        switch self {
        case .and(let filters):
            w.writeConstructed(LDAPFilter.andTag) { w in for f in filters { f.encode(into: &w) } }
        case .or(let filters):
            w.writeConstructed(LDAPFilter.orTag) { w in for f in filters { f.encode(into: &w) } }
        case .not(let filter):
            w.writeConstructed(LDAPFilter.notTag) { w in filter.encode(into: &w) }
        case .equalityMatch(let ava):
            w.writeConstructed(LDAPFilter.equalityTag) { w in ava.encodeFields(into: &w) }
        case .greaterOrEqual(let ava):
            w.writeConstructed(LDAPFilter.greaterOrEqualTag) { w in ava.encodeFields(into: &w) }
        case .lessOrEqual(let ava):
            w.writeConstructed(LDAPFilter.lessOrEqualTag) { w in ava.encodeFields(into: &w) }
        case .approxMatch(let ava):
            w.writeConstructed(LDAPFilter.approxTag) { w in ava.encodeFields(into: &w) }
        case .present(let attribute):
            w.writeString(attribute, tag: LDAPFilter.presentTag)
        case .substrings(let s):
            w.writeConstructed(LDAPFilter.substringsTag) { w in
                w.writeString(s.type)
                w.writeConstructed(.sequence) { w in
                    if let initial = s.initial { w.writeOctetString(initial, tag: LDAPFilter.initialTag) }
                    for any in s.any { w.writeOctetString(any, tag: LDAPFilter.anyTag) }
                    if let final = s.final { w.writeOctetString(final, tag: LDAPFilter.finalTag) }
                }
            }
        case .extensibleMatch(let m):
            w.writeConstructed(LDAPFilter.extensibleTag) { w in
                if let rule = m.matchingRule { w.writeString(rule, tag: .context(1)) }
                if let type = m.type { w.writeString(type, tag: .context(2)) }
                w.writeOctetString(m.matchValue, tag: .context(3))
                if m.dnAttributes { w.writeBoolean(true, tag: .context(4)) }
            }
        }
    }

    /// Recursion is bounded: every level goes through `readConstructed`, which refuses
    /// nesting past `maxNestingDepth`, and `terms` counts items against `maxFilterTerms`.
    static func decode(_ r: inout BERReader, terms: inout Int) throws(LDAPWireError) -> LDAPFilter {
        terms += 1
        guard terms <= r.limits.maxFilterTerms else { throw .tooMany(what: "filter", limit: r.limits.maxFilterTerms) }
        guard let tag = try r.peekTag("filter") else { throw .truncated(what: "filter", needed: 2, available: 0) }
        switch tag {
        case andTag, orTag:
            var set = try r.readConstructed(tag, tag == andTag ? "filter and" : "filter or")
            var filters: [LDAPFilter] = []
            while !set.isAtEnd { filters.append(try decode(&set, terms: &terms)) }
            return tag == andTag ? .and(filters) : .or(filters)
        case notTag:
            var inner = try r.readConstructed(notTag, "filter not")
            let filter = try decode(&inner, terms: &terms)
            try inner.finish("filter not")
            return .not(filter)
        case equalityTag, greaterOrEqualTag, lessOrEqualTag, approxTag:
            var seq = try r.readConstructed(tag, "filter comparison")
            let ava = try AttributeValueAssertion.decodeFields(&seq, "filter comparison")
            switch tag {
            case equalityTag: return .equalityMatch(ava)
            case greaterOrEqualTag: return .greaterOrEqual(ava)
            case lessOrEqualTag: return .lessOrEqual(ava)
            default: return .approxMatch(ava)
            }
        case presentTag:
            return .present(try r.readString("filter present", tag: presentTag))
        case substringsTag:
            return .substrings(try decodeSubstrings(&r, terms: &terms))
        case extensibleTag:
            return .extensibleMatch(try decodeExtensible(&r))
        default:
            throw .unexpectedTag(what: "filter", expected: "a Filter choice [0]...[9]", found: tag)
        }
    }

    private static func decodeSubstrings(_ r: inout BERReader, terms: inout Int) throws(LDAPWireError) -> SubstringFilter {
        var seq = try r.readConstructed(substringsTag, "filter substrings")
        var filter = SubstringFilter(type: try seq.readString("filter substrings.type"))
        var parts = try seq.readConstructed(.sequence, "filter substrings.substrings")
        try seq.finish("filter substrings")
        guard !parts.isAtEnd else {
            throw .invalidValue(what: "filter substrings", reason: "SIZE (1..MAX) needs at least one substring")
        }
        var first = true
        while let tag = try parts.peekTag("filter substring") {
            terms += 1
            guard terms <= r.limits.maxFilterTerms else { throw .tooMany(what: "filter", limit: r.limits.maxFilterTerms) }
            let value = try parts.readOctetString("filter substring", tag: tag)
            // "initial [0] AssertionValue,  -- can occur at most once" (and first);
            // "final [2] AssertionValue  -- can occur at most once" (and last).
            if tag == initialTag && first {
                filter.initial = value
            } else if tag == finalTag && parts.isAtEnd {
                filter.final = value
            } else if tag == anyTag {
                filter.any.append(value)
            } else {
                throw .unexpectedTag(what: "filter substring", expected: "initial [0] first, any [1], final [2] last",
                                     found: tag)
            }
            first = false
        }
        return filter
    }

    private static func decodeExtensible(_ r: inout BERReader) throws(LDAPWireError) -> MatchingRuleAssertion {
        var seq = try r.readConstructed(extensibleTag, "filter extensibleMatch")
        var rule: String?
        var type: String?
        if try seq.peekTag("filter extensibleMatch") == BERTag.context(1) {
            rule = try seq.readString("filter extensibleMatch.matchingRule", tag: .context(1))
        }
        if try seq.peekTag("filter extensibleMatch") == BERTag.context(2) {
            type = try seq.readString("filter extensibleMatch.type", tag: .context(2))
        }
        let value = try seq.readOctetString("filter extensibleMatch.matchValue", tag: .context(3))
        var dnAttributes = false
        if !seq.isAtEnd { dnAttributes = try seq.readBoolean("filter extensibleMatch.dnAttributes", tag: .context(4)) }
        try seq.finish("filter extensibleMatch")
        // §4.5.1.7.7: "If the matchingRule field is absent, the type field MUST be present".
        guard rule != nil || type != nil else {
            throw .invalidValue(what: "filter extensibleMatch", reason: "neither matchingRule nor type is present")
        }
        return MatchingRuleAssertion(matchingRule: rule, type: type, matchValue: value, dnAttributes: dnAttributes)
    }
}
