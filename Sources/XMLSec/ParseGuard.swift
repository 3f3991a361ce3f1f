internal import CXMLSec

/// SAX hooks that stop libxml2 the moment a document does something we refuse, before the
/// tree builder acts on it: a DOCTYPE (so no DTD or entity declaration is ever parsed), a
/// processing instruction, or nesting past the depth limit. The parser context's `_private`
/// points at the guard for the duration of one parse.
final class ParseGuard {
    let maxDepth: Int
    private(set) var refusal: XMLParseError?

    init(maxDepth: Int) { self.maxDepth = maxDepth }

    /// Installs the hooks on `context`, whose SAX handler is its own copy.
    func install(on context: xmlParserCtxtPtr) {
        context.pointee._private = Unmanaged.passUnretained(self).toOpaque()
        guard let sax = context.pointee.sax else { fatalError("parser context without a SAX handler") }
        sax.pointee.internalSubset = refuseDoctype
        sax.pointee.externalSubset = refuseDoctype
        sax.pointee.processingInstruction = refuseProcessingInstruction
        sax.pointee.startElementNs = startElementWithinDepth
    }

    func refuse(_ reason: XMLParseError, _ context: xmlParserCtxtPtr) {
        if refusal == nil { refusal = reason }
        xmlStopParser(context)
    }

    static func of(_ context: UnsafeMutableRawPointer?) -> (ParseGuard, xmlParserCtxtPtr)? {
        guard let context else { return nil }
        let parser = context.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let slot = parser.pointee._private else { return nil }
        return (Unmanaged<ParseGuard>.fromOpaque(slot).takeUnretainedValue(), parser)
    }
}

private let refuseDoctype: internalSubsetSAXFunc = { context, _, _, _ in
    guard let (guardian, parser) = ParseGuard.of(context) else { return }
    guardian.refuse(.doctypeNotAllowed, parser)
}

private let refuseProcessingInstruction: processingInstructionSAXFunc = { context, _, _ in
    guard let (guardian, parser) = ParseGuard.of(context) else { return }
    guardian.refuse(.processingInstructionNotAllowed, parser)
}

private let startElementWithinDepth: startElementNsSAX2Func = {
    context, localName, prefix, uri, namespaceCount, namespaces, attributeCount, defaulted, attributes in
    guard let (guardian, parser) = ParseGuard.of(context) else { return }
    // nodeNr counts the elements open above this one.
    if Int(parser.pointee.nodeNr) + 1 > guardian.maxDepth {
        guardian.refuse(.tooDeep(limit: guardian.maxDepth), parser)
        return
    }
    xmlSAX2StartElementNs(context, localName, prefix, uri, namespaceCount, namespaces, attributeCount, defaulted, attributes)
}
