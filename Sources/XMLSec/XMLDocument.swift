internal import CXMLSec

/// A parsed or built XML document. It owns every node in it: an `XMLElement` holds its
/// document, so a node can never outlive the tree it belongs to, and nodes taken out of the
/// tree (`remove()`) stay allocated until the document goes. Not thread-safe: use one document
/// from one thread at a time (libxml2 trees have no locks).
public final class XMLDocument {
    let pointer: DocPointer
    /// Nodes that may be outside the tree (removed ones, replaced roots): freed in `deinit`,
    /// since libxml2 frees only what hangs under the document.
    private var detached: Set<NodePointer> = []

    init(taking pointer: DocPointer) {
        self.pointer = pointer
    }

    /// A new document whose root element is `localName` in `namespaceURI` (declared with
    /// `prefix`, or as the default namespace when `prefix` is nil).
    public convenience init(rootLocalName localName: String, namespaceURI: String?, prefix: String? = nil) throws(XMLBuildError) {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        guard let document = xmlNewDoc("1.0") else { fatalError("xmlNewDoc: out of memory") }
        self.init(taking: document)
        let root = try makeElement(localName, namespaceURI: namespaceURI, prefix: prefix, scope: nil)
        xmlDocSetRootElement(pointer, root)
    }

    deinit {
        // Collect first, free second: freeing one detached subtree frees the detached nodes
        // inside it, whose fields must not be read afterwards. A set, so a node removed twice
        // is freed once.
        let roots = detached.filter { $0.pointee.parent == nil }
        for node in roots { xmlFreeNode(node) }
        xmlFreeDoc(pointer)
    }

    /// The root element (every parsed or built document has one).
    public var root: XMLElement {
        guard let node = xmlDocGetRootElement(pointer) else { fatalError("XMLDocument without a root element") }
        return XMLElement(document: self, node: node)
    }

    /// Keeps `node` (now outside the tree) alive until the document goes.
    func keepDetached(_ node: NodePointer) {
        detached.insert(node)
    }

    /// A new element, not yet in the tree (the caller links it), whose namespace is taken from
    /// `scope`'s in-scope declarations when one matches, else declared on the element itself.
    func makeElement(_ localName: String, namespaceURI: String?, prefix: String?, scope: NodePointer?) throws(XMLBuildError) -> NodePointer {
        try XMLNames.checkLocalName(localName)
        if let prefix { try XMLNames.checkPrefix(prefix) }
        guard let node = withXMLString(localName, { xmlNewDocNode(pointer, nil, $0, nil) }) else {
            fatalError("xmlNewDocNode: out of memory")
        }
        keepDetached(node)
        if let namespaceURI {
            guard !namespaceURI.isEmpty else { throw .invalidNamespace("an empty namespace URI; pass nil for none") }
            let inScope = scope.flatMap { scope in withOptionalXMLString(prefix) { xmlSearchNs(pointer, scope, $0) } }
            if let inScope, string(inScope.pointee.href) == namespaceURI {
                xmlSetNs(node, inScope)
            } else {
                guard let declared = withXMLString(namespaceURI, { href in
                    withOptionalXMLString(prefix) { xmlNewNs(node, href, $0) }
                }) else { throw .invalidNamespace("cannot declare prefix \(prefix ?? "(default)")") }
                xmlSetNs(node, declared)
            }
        } else if let scope, let defaultNamespace = xmlSearchNs(pointer, scope, nil),
                  let href = string(defaultNamespace.pointee.href), !href.isEmpty {
            // No namespace under an in-scope default one: undeclare it (xmlns=""), or the
            // element would read back as being in the default namespace.
            _ = xmlNewNs(node, "", nil)
        }
        return node
    }
}

/// Building refused: a name or character XML cannot carry, or a misuse of the tree.
public enum XMLBuildError: Error, Equatable, Sendable {
    case invalidName(String)
    case invalidNamespace(String)
    /// Text or an attribute value with a character XML 1.0 cannot represent (e.g. U+0000–U+0008).
    case invalidCharacter(String)
    /// An element of another document, or an element placed inside itself.
    case wrongTree(String)
    case library(XMLSecError)
}
