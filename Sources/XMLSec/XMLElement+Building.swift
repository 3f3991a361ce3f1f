internal import CXMLSec

extension XMLElement {
    /// Where a child goes among its new parent's children.
    public enum Position {
        case first
        case last
        /// Right after `sibling`, which must be a child of the parent.
        case after(XMLElement)
        /// Right before `sibling`, which must be a child of the parent.
        case before(XMLElement)
    }

    /// A new child element `localName` in namespace `namespaceURI`. An in-scope declaration
    /// of `prefix` for that URI is reused; otherwise the element declares it.
    @discardableResult
    public func appendElement(_ localName: String, namespace namespaceURI: String?, prefix: String? = nil,
                              at position: Position = .last) throws(XMLBuildError) -> XMLElement {
        let child = try document.makeElement(localName, namespaceURI: namespaceURI, prefix: prefix, scope: node)
        try link(child, at: position)
        return XMLElement(document: document, node: child)
    }

    /// Moves `child`, an element of this document, to `position` under this element. The
    /// namespaces it used from its old ancestors are declared on it when needed.
    public func insert(_ child: XMLElement, at position: Position = .last) throws(XMLBuildError) {
        guard child.document === document else { throw .wrongTree("the element belongs to another document; use appendCopy") }
        guard !child.node.contains(node) else { throw .wrongTree("an element cannot go inside itself") }
        xmlUnlinkNode(child.node)
        document.keepDetached(child.node)
        try link(child.node, at: position)
        // Declare what the new place lacks; drop declarations it already makes (the same
        // prefix for the same URI), which exclusive c14n ignores anyway.
        _ = xmlDOMWrapReconcileNamespaces(nil, child.node, 1)  // XML_DOM_RECONNS_REMOVEREDUND (tree.c)
    }

    /// A deep copy of `element` (from any document) as a child of this one. The copy declares
    /// every namespace that was in scope at the original and is not in scope here with the
    /// same URI, so prefixes used in attribute values (`xsi:type="xs:string"`) keep meaning.
    @discardableResult
    public func appendCopy(of element: XMLElement, at position: Position = .last) throws(XMLBuildError) -> XMLElement {
        guard let copy = xmlDocCopyNode(element.node, document.pointer, 1) else { fatalError("xmlDocCopyNode: out of memory") }
        document.keepDetached(copy)
        try link(copy, at: position)
        XMLNamespaces.declareInScope(of: element.node, in: element.document.pointer, on: copy, in: document.pointer)
        return XMLElement(document: document, node: copy)
    }

    /// Takes this element (and everything under it) out of the tree. Handles to it stay valid.
    public func remove() throws(XMLBuildError) {
        guard node != xmlDocGetRootElement(document.pointer) else { throw .wrongTree("the root element cannot be removed") }
        xmlUnlinkNode(node)
        document.keepDetached(node)
    }

    /// Sets (or replaces) the attribute `localName` without a namespace.
    public func setAttribute(_ localName: String, value: String) throws(XMLBuildError) {
        try XMLNames.checkLocalName(localName)
        guard localName != "xmlns" else { throw .invalidName("xmlns is a namespace declaration, not an attribute") }
        try XMLNames.checkCharacters(value)
        withXMLString(localName) { name in withXMLString(value) { _ = xmlSetNsProp(node, nil, name, $0) } }
    }

    /// Sets (or replaces) the attribute `localName` in namespace `namespaceURI`, written with
    /// `prefix` (declared here unless already in scope for that URI).
    public func setAttribute(_ localName: String, namespace namespaceURI: String, prefix: String, value: String) throws(XMLBuildError) {
        try XMLNames.checkLocalName(localName)
        try XMLNames.checkPrefix(prefix)
        try XMLNames.checkCharacters(value)
        let namespace = try declaredNamespace(prefix: prefix, uri: namespaceURI)
        withXMLString(localName) { name in withXMLString(value) { _ = xmlSetNsProp(node, namespace, name, $0) } }
    }

    /// Removes the attribute `localName` in `namespaceURI` (nil: no namespace), if present.
    public func removeAttribute(_ localName: String, namespace namespaceURI: String? = nil) {
        if let attribute = attributeNode(localName, namespace: namespaceURI) { xmlRemoveProp(attribute) }
    }

    /// Declares `prefix` (nil: the default namespace) for `uri` on this element.
    public func declareNamespace(prefix: String?, uri: String) throws(XMLBuildError) {
        if let prefix { try XMLNames.checkPrefix(prefix) }
        _ = try declaredNamespace(prefix: prefix, uri: uri, onThisElement: true)
    }

    /// Appends character data (escaped when serialised).
    public func appendText(_ text: String) throws(XMLBuildError) {
        try XMLNames.checkCharacters(text)
        guard let textNode = withXMLString(text, { xmlNewDocText(document.pointer, $0) }) else {
            fatalError("xmlNewDocText: out of memory")
        }
        // xmlAddChild may merge the node into a neighbouring text node and free it; we keep
        // no handle to text nodes, so that is fine.
        xmlAddChild(node, textNode)
    }

    /// Replaces the element's character data (text, CDATA and comments) with `text`. Child
    /// elements are kept.
    public func setText(_ text: String) throws(XMLBuildError) {
        try XMLNames.checkCharacters(text)
        var child = node.pointee.children
        while let current = child {
            child = current.pointee.next
            let type = current.pointee.type
            if type == XML_TEXT_NODE || type == XML_CDATA_SECTION_NODE || type == XML_COMMENT_NODE {
                xmlUnlinkNode(current)
                xmlFreeNode(current)
            }
        }
        try appendText(text)
    }

    // MARK: - helpers

    func link(_ child: NodePointer, at position: Position) throws(XMLBuildError) {
        switch position {
        case .last:
            xmlAddChild(node, child)
        case .first:
            if let first = node.pointee.children { xmlAddPrevSibling(first, child) } else { xmlAddChild(node, child) }
        case .after(let sibling):
            guard sibling.document === document, sibling.node.pointee.parent == node else {
                throw .wrongTree("the sibling is not a child of this element")
            }
            xmlAddNextSibling(sibling.node, child)
        case .before(let sibling):
            guard sibling.document === document, sibling.node.pointee.parent == node else {
                throw .wrongTree("the sibling is not a child of this element")
            }
            xmlAddPrevSibling(sibling.node, child)
        }
    }

    private func declaredNamespace(prefix: String?, uri: String, onThisElement: Bool = false) throws(XMLBuildError) -> xmlNsPtr {
        guard !uri.isEmpty || prefix == nil else { throw .invalidNamespace("a prefix cannot be bound to no namespace") }
        if let existing = withOptionalXMLString(prefix, { xmlSearchNs(document.pointer, node, $0) }),
           string(existing.pointee.href) == uri,
           !onThisElement || XMLNamespaces.declares(node, existing) {
            return existing
        }
        guard let declared = withXMLString(uri, { href in withOptionalXMLString(prefix) { xmlNewNs(node, href, $0) } }) else {
            throw .invalidNamespace("prefix \(prefix ?? "(default)") is already declared here for another URI")
        }
        return declared
    }
}
