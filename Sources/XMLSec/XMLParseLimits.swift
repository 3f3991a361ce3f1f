/// Bounds on a document we parse. SAML messages are a few kilobytes and a dozen elements
/// deep; the defaults leave ample room and stop memory and stack abuse early.
public struct XMLParseLimits: Sendable, Equatable {
    /// Largest input accepted, in bytes (checked before parsing).
    public var maxBytes: Int
    /// Deepest element nesting accepted (the root is depth 1); checked while parsing.
    public var maxDepth: Int

    /// libxml2's own nesting ceiling without XML_PARSE_HUGE; a larger limit is capped to it.
    public static let libxml2MaxDepth = 256

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64) {
        self.maxBytes = max(0, min(maxBytes, Int(Int32.max)))
        self.maxDepth = max(1, min(maxDepth, Self.libxml2MaxDepth))
    }

    public static let `default` = XMLParseLimits()
}

/// Why a document was refused.
public enum XMLParseError: Error, Equatable, Sendable {
    case empty
    case tooLarge(limit: Int)
    case tooDeep(limit: Int)
    /// A document type declaration anywhere: no DTD is ever read, so no entity is ever
    /// declared (internal entities, external entities/XXE, "billion laughs") and no attribute
    /// is typed as an ID behind our back.
    case doctypeNotAllowed
    /// A processing instruction (the XML declaration is not one).
    case processingInstructionNotAllowed
    /// An entity reference left in the tree (cannot happen without a DTD; refused anyway).
    case entityReferenceNotAllowed
    /// Not well-formed XML, with libxml2's messages.
    case notWellFormed(String)
    /// Well-formed but not namespace-well-formed (an undeclared prefix, for one).
    case namespaceError(String)
    case library(XMLSecError)
}
