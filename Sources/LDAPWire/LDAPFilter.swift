/// A search filter, RFC 4511 §4.5.1.7. Decoders never build one deeper than
/// `LDAPLimits.maxNestingDepth`, so walking a decoded filter recursively is safe.
public indirect enum LDAPFilter: Hashable, Sendable {
    /// RFC 4526 allows the empty `and` (absolute true) and `or` (absolute false).
    case and([LDAPFilter])
    case or([LDAPFilter])
    case not(LDAPFilter)
    case equalityMatch(AttributeValueAssertion)
    case substrings(SubstringFilter)
    case greaterOrEqual(AttributeValueAssertion)
    case lessOrEqual(AttributeValueAssertion)
    case present(String)
    case approxMatch(AttributeValueAssertion)
    case extensibleMatch(MatchingRuleAssertion)

    /// `(attribute=value)` with a UTF-8 value.
    public static func equal(_ attribute: String, _ value: String) -> LDAPFilter {
        .equalityMatch(AttributeValueAssertion(attribute: attribute, string: value))
    }
}

/// SubstringFilter, RFC 4511 §4.5.1.7.2: `initial*any*…*final`.
public struct SubstringFilter: Hashable, Sendable {
    public var type: String
    public var initial: [UInt8]?
    public var any: [[UInt8]]
    public var final: [UInt8]?

    public init(type: String, initial: [UInt8]? = nil, any: [[UInt8]] = [], final: [UInt8]? = nil) {
        self.type = type
        self.initial = initial
        self.any = any
        self.final = final
    }
}

/// MatchingRuleAssertion, RFC 4511 §4.5.1.7.7 (the extensibleMatch filter).
public struct MatchingRuleAssertion: Hashable, Sendable {
    public var matchingRule: String?
    public var type: String?
    public var matchValue: [UInt8]
    public var dnAttributes: Bool

    public init(matchingRule: String? = nil, type: String? = nil, matchValue: [UInt8], dnAttributes: Bool = false) {
        self.matchingRule = matchingRule
        self.type = type
        self.matchValue = matchValue
        self.dnAttributes = dnAttributes
    }
}
