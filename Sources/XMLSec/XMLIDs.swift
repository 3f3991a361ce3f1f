internal import CXMLSec

/// ID attributes, registered by us and only for the elements we sign or verify. Without a DTD
/// libxml2 knows no ID attributes (other than xml:id), so a same-document reference "#x" can
/// only resolve to an element we registered here.
enum XMLIDs {
    /// The longest ID we accept; SAML IDs are 20–50 characters.
    static let maxLength = 256

    /// Registers `element`'s `attributeName` attribute (no namespace) as its ID and returns the
    /// value. Refuses a value that is not an NCName (XML Schema's xs:ID, which SAML uses), and a
    /// value that any other element of the document also carries as `ID`, `Id`, `AssertionID`
    /// or `xml:id`, or that is already registered for another attribute.
    static func register(_ element: XMLElement, attributeName: String) throws(XMLSignatureError) -> String {
        guard let attribute = element.attributeNode(attributeName, namespace: nil),
              let value = element.attribute(attributeName, namespace: nil),
              !value.isEmpty, value.utf8.count <= maxLength,
              withXMLString(value, { xmlValidateNCName($0, 0) }) == 0
        else { throw .missingID }
        let document = element.document
        try checkUnique(value, except: element, attributeName: attributeName)
        let registered = withXMLString(value) { xmlGetID(document.pointer, $0) }
        if let registered {
            guard registered == attribute else { throw .duplicateID(value) }
            return value
        }
        guard withXMLString(value, { xmlAddID(nil, document.pointer, $0, attribute) }) != nil else {
            throw .duplicateID(value)
        }
        return value
    }

    /// Attribute names that act as IDs somewhere in SAML 1.x/2.0, XML Signature and
    /// XML Encryption, plus xml:id.
    private static let idNames = ["ID", "Id", "AssertionID", "ResponseID", "RequestID"]
    private static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"

    private static func checkUnique(_ value: String, except element: XMLElement, attributeName: String) throws(XMLSignatureError) {
        let document = element.document
        let names = idNames.contains(attributeName) ? idNames : idNames + [attributeName]
        var clash = false
        let documentNode = UnsafeMutableRawPointer(document.pointer).assumingMemoryBound(to: xmlNode.self)
        documentNode.walk { node, _ in
            guard !clash, node.isElement else { return }
            let candidate = XMLElement(document: document, node: node)
            for name in names {
                if candidate.attribute(name) == value && !(node == element.node && name == attributeName) { clash = true }
            }
            if candidate.attribute("id", namespace: xmlNamespace) == value { clash = true }
        }
        if clash { throw .duplicateID(value) }
    }
}
