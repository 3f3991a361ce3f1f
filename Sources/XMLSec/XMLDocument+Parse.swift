internal import CXMLSec

extension XMLDocument {
    /// Parses `bytes` as a standalone UTF-8 XML document, refusing everything an identity
    /// provider has no use for and attackers do:
    ///
    /// - any DOCTYPE: refused before parsing when the bytes contain `<!DOCTYPE`, by a SAX hook
    ///   the moment libxml2 meets one, and by a check of the tree's internal and external
    ///   subsets afterwards. No DTD means no entity declarations (internal, external/XXE,
    ///   billion laughs) and no DTD-declared ID attributes;
    /// - entity substitution (XML_PARSE_NOENT is not set), network access (XML_PARSE_NONET;
    ///   the process-wide entity loader refuses everything too), XInclude (not set),
    ///   XML_PARSE_HUGE (not set: libxml2 keeps its internal size limits);
    /// - processing instructions (the XML declaration is not one);
    /// - more than `limits.maxBytes` bytes, or elements nested deeper than `limits.maxDepth`;
    /// - any declared encoding other than UTF-8 (the declaration is ignored and the bytes must
    ///   be UTF-8), and anything not namespace-well-formed.
    public static func parse(_ bytes: [UInt8], limits: XMLParseLimits = .default) throws(XMLParseError) -> XMLDocument {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= limits.maxBytes else { throw .tooLarge(limit: limits.maxBytes) }
        if DoctypeScan.contains(bytes) { throw .doctypeNotAllowed }
        return try parseWithoutScan(bytes, limits: limits)
    }

    /// `parse` after the byte scan; the SAX hooks and tree checks alone (tests call it to show
    /// they hold by themselves).
    static func parseWithoutScan(_ bytes: [UInt8], limits: XMLParseLimits) throws(XMLParseError) -> XMLDocument {
        try LibraryErrors.collecting { errors throws(XMLParseError) -> XMLDocument in
            guard let context = xmlNewParserCtxt() else { fatalError("xmlNewParserCtxt: out of memory") }
            defer { xmlFreeParserCtxt(context) }
            let guardian = ParseGuard(maxDepth: limits.maxDepth)
            guardian.install(on: context)
            let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                | XML_PARSE_IGNORE_ENC.rawValue)
            let parsed = withExtendedLifetime(guardian) {
                bytes.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        xmlCtxtReadMemory(context, $0.baseAddress, Int32($0.count), nil, "UTF-8", options)
                    }
                }
            }
            guard let parsed else {
                if let refusal = guardian.refusal { throw refusal }
                throw .notWellFormed(errors.summary)
            }
            // From here the document is ours to free, whatever we decide.
            let document = XMLDocument(taking: parsed)
            if let refusal = guardian.refusal { throw refusal }
            guard context.pointee.wellFormed != 0 else { throw .notWellFormed(errors.summary) }
            guard context.pointee.nsWellFormed != 0 else { throw .namespaceError(errors.summary) }
            try document.checkParsedTree(limits: limits)
            return document
        }
    }

    /// The after-the-fact checks, in case a hook was bypassed: no DTD, no processing
    /// instruction or entity reference anywhere, depth within limits, and a root element.
    private func checkParsedTree(limits: XMLParseLimits) throws(XMLParseError) {
        guard pointer.pointee.intSubset == nil, pointer.pointee.extSubset == nil else { throw .doctypeNotAllowed }
        guard xmlDocGetRootElement(pointer) != nil else { throw .notWellFormed("no root element") }
        var refusal: XMLParseError?
        let documentNode = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: xmlNode.self)
        documentNode.walk { node, depth in
            guard refusal == nil else { return }
            switch node.pointee.type {
            case XML_DTD_NODE, XML_DOCUMENT_TYPE_NODE, XML_ENTITY_DECL, XML_ELEMENT_DECL, XML_ATTRIBUTE_DECL:
                refusal = .doctypeNotAllowed
            case XML_PI_NODE:
                refusal = .processingInstructionNotAllowed
            case XML_ENTITY_REF_NODE, XML_ENTITY_NODE:
                refusal = .entityReferenceNotAllowed
            case XML_XINCLUDE_START, XML_XINCLUDE_END:
                refusal = .notWellFormed("XInclude node")
            case XML_ELEMENT_NODE where depth > limits.maxDepth:
                refusal = .tooDeep(limit: limits.maxDepth)
            default:
                break
            }
        }
        if let refusal { throw refusal }
    }
}

/// The byte-level DOCTYPE check made before libxml2 sees the input.
enum DoctypeScan {
    private static let token = Array("<!DOCTYPE".utf8)

    static func contains(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= token.count else { return false }
        let first = token[0]
        var index = 0
        let last = bytes.count - token.count
        while index <= last {
            if bytes[index] == first && bytes[index + 1] == token[1] {
                var matched = true
                for offset in 2..<token.count where bytes[index + offset] != token[offset] {
                    matched = false
                    break
                }
                if matched { return true }
            }
            index += 1
        }
        return false
    }
}
