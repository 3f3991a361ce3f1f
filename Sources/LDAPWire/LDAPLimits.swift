/// Every bound the LDAP codec enforces, in one place. The decoders check each one before
/// they allocate, so a peer can make us hold at most `maxMessageSize` bytes per PDU.
public struct LDAPLimits: Sendable, Equatable {
    /// Largest PDU (the whole LDAPMessage, tag and length included) in bytes. A length header
    /// announcing more is refused before the body arrives.
    public var maxMessageSize: Int
    /// How deep constructed BER elements may nest in one PDU, the LDAPMessage itself counted
    /// as 1; in a filter string, how deep `(&…)`, `(|…)` and `(!…)` may nest. A filter in a
    /// SearchRequest starts at BER depth 3, so the BER default leaves room for filters about
    /// 28 levels deep, which no real client comes near.
    public var maxNestingDepth: Int
    /// Operations one connection may have in flight. The codec only carries the number; the
    /// connection handler enforces it (answering `busy` or closing).
    public var maxOutstandingOperations: Int
    /// Most attributes in one entry, AddRequest or attribute selection, and most changes in
    /// one ModifyRequest.
    public var maxAttributes: Int
    /// Most values of one attribute.
    public var maxValuesPerAttribute: Int
    /// Most filter items (every `and`, `or`, `not`, comparison and substring part counts) in
    /// one filter.
    public var maxFilterTerms: Int
    /// Most controls on one message.
    public var maxControls: Int

    public init(maxMessageSize: Int = 1024 * 1024, maxNestingDepth: Int = 32,
                maxOutstandingOperations: Int = 32, maxAttributes: Int = 1024,
                maxValuesPerAttribute: Int = 65_536, maxFilterTerms: Int = 4096,
                maxControls: Int = 32) {
        self.maxMessageSize = maxMessageSize
        self.maxNestingDepth = maxNestingDepth
        self.maxOutstandingOperations = maxOutstandingOperations
        self.maxAttributes = maxAttributes
        self.maxValuesPerAttribute = maxValuesPerAttribute
        self.maxFilterTerms = maxFilterTerms
        self.maxControls = maxControls
    }

    public static let `default` = LDAPLimits()
}
