internal import CXMLSec

extension XMLDocument {
    /// The document as UTF-8, with an XML declaration and no reformatting (no indentation is
    /// added or removed, so signatures over it still verify after parsing it back).
    public func serialized() -> [UInt8] {
        XMLSerializer.save(declaration: true) { xmlSaveDoc($0, pointer) }
    }
}

extension XMLElement {
    /// The element alone as UTF-8, without an XML declaration: a standalone fragment that
    /// declares every namespace in scope here (also those only used inside attribute values),
    /// so it parses on its own and means what it meant in place.
    public func serialized() -> [UInt8] {
        guard let scratch = xmlNewDoc("1.0") else { fatalError("xmlNewDoc: out of memory") }
        defer { xmlFreeDoc(scratch) }
        guard let copy = xmlDocCopyNode(node, scratch, 1) else { fatalError("xmlDocCopyNode: out of memory") }
        xmlDocSetRootElement(scratch, copy)
        XMLNamespaces.declareInScope(of: node, in: document.pointer, on: copy, in: scratch)
        return XMLSerializer.save(declaration: false) { xmlSaveTree($0, copy) }
    }
}

enum XMLSerializer {
    static func save(declaration: Bool, _ write: (xmlSaveCtxtPtr) -> Int) -> [UInt8] {
        guard let buffer = xmlBufferCreate() else { fatalError("xmlBufferCreate: out of memory") }
        defer { xmlBufferFree(buffer) }
        var options = Int32(XML_SAVE_AS_XML.rawValue)
        if !declaration { options |= Int32(XML_SAVE_NO_DECL.rawValue) }
        guard let context = xmlSaveToBuffer(buffer, "UTF-8", options) else { fatalError("xmlSaveToBuffer failed") }
        _ = write(context)
        _ = xmlSaveClose(context)
        guard let content = xmlBufferContent(buffer) else { return [] }
        return Array(UnsafeBufferPointer(start: content, count: Int(xmlBufferLength(buffer))))
    }
}
