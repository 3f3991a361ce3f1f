internal import CXMLSec

/// An element of an `XMLDocument`: a handle that keeps its document alive. Two handles are
/// equal when they name the same node of the same document.
public struct XMLElement: Equatable {
    public let document: XMLDocument
    let node: NodePointer

    init(document: XMLDocument, node: NodePointer) {
        self.document = document
        self.node = node
    }

    public static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.document === rhs.document && lhs.node == rhs.node
    }

    public var localName: String { string(node.pointee.name) ?? "" }
    /// The namespace name (URI), nil for an element in no namespace.
    public var namespaceURI: String? { node.namespaceHref }
    public var prefix: String? { node.pointee.ns.flatMap { string($0.pointee.prefix) } }

    /// True when this is `localName` in namespace `namespaceURI` (nil: no namespace).
    public func isNamed(_ localName: String, namespace namespaceURI: String?) -> Bool {
        self.localName == localName && self.namespaceURI == namespaceURI
    }

    /// The parent element; nil for the root and for an element taken out of the tree.
    public var parent: XMLElement? {
        guard let parent = node.pointee.parent, parent.isElement else { return nil }
        return XMLElement(document: document, node: parent)
    }

    /// The child elements in document order (text, comments and the like are skipped).
    public var childElements: [XMLElement] {
        node.elementChildren.map { XMLElement(document: document, node: $0) }
    }

    /// The child elements named `localName` in namespace `namespaceURI` (nil: no namespace).
    /// Matching is by namespace URI, never by prefix.
    public func childElements(named localName: String, namespace namespaceURI: String?) -> [XMLElement] {
        childElements.filter { $0.isNamed(localName, namespace: namespaceURI) }
    }

    /// The first child element named so, or nil.
    public func firstChildElement(named localName: String, namespace namespaceURI: String?) -> XMLElement? {
        childElements.first { $0.isNamed(localName, namespace: namespaceURI) }
    }

    /// The value of attribute `localName` in namespace `namespaceURI`. With nil (the default)
    /// only an attribute without a namespace matches: `ID` never finds `foo:ID`.
    public func attribute(_ localName: String, namespace namespaceURI: String? = nil) -> String? {
        guard let attribute = attributeNode(localName, namespace: namespaceURI) else { return nil }
        return takeString(xmlNodeListGetString(document.pointer, attribute.pointee.children, 1))
    }

    /// Every attribute of the element (namespace declarations are not attributes).
    public var attributes: [XMLAttribute] {
        var result: [XMLAttribute] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            result.append(XMLAttribute(
                localName: string(current.pointee.name) ?? "",
                namespaceURI: current.pointee.ns.flatMap { string($0.pointee.href) },
                prefix: current.pointee.ns.flatMap { string($0.pointee.prefix) },
                value: takeString(xmlNodeListGetString(document.pointer, current.pointee.children, 1)) ?? ""))
            attribute = current.pointee.next
        }
        return result
    }

    /// The namespace URI `prefix` is bound to here (nil prefix: the default namespace), for
    /// reading QName values such as `xsi:type="xs:string"`.
    public func namespaceURI(forPrefix prefix: String?) -> String? {
        guard let namespace = withOptionalXMLString(prefix, { xmlSearchNs(document.pointer, node, $0) }) else { return nil }
        let href = string(namespace.pointee.href)
        return href?.isEmpty == true ? nil : href
    }

    func attributeNode(_ localName: String, namespace namespaceURI: String?) -> UnsafeMutablePointer<xmlAttr>? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if string(current.pointee.name) == localName,
               current.pointee.ns.flatMap({ string($0.pointee.href) }) == namespaceURI {
                return current
            }
            attribute = current.pointee.next
        }
        return nil
    }
}

public struct XMLAttribute: Equatable, Sendable {
    public let localName: String
    public let namespaceURI: String?
    public let prefix: String?
    public let value: String
}
