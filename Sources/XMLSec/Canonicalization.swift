internal import CXMLSec

extension XMLElement {
    /// Exclusive XML Canonicalization 1.0 (http://www.w3.org/2001/10/xml-exc-c14n#) of this
    /// element and its subtree, as XML Signature computes it for a same-document reference.
    ///
    /// - `withComments`: keep comments (the `#WithComments` variant).
    /// - `inclusiveNamespacePrefixes`: the InclusiveNamespaces PrefixList, whose prefixes are
    ///   treated as in inclusive c14n; "#default" names the default namespace.
    public func exclusiveCanonicalForm(withComments: Bool = false,
                                       inclusiveNamespacePrefixes: [String] = []) throws(XMLSecError) -> [UInt8] {
        try XMLSecLibrary.ready()
        return try LibraryErrors.collecting { errors throws(XMLSecError) -> [UInt8] in
            guard let output = xmlAllocOutputBuffer(nil) else { fatalError("xmlAllocOutputBuffer: out of memory") }
            defer { _ = xmlOutputBufferClose(output) }
            var prefixes: [UnsafeMutablePointer<xmlChar>?] = inclusiveNamespacePrefixes.map { xmlStrdup($0) }
            prefixes.append(nil)
            defer { for prefix in prefixes { libxmlFree(prefix) } }
            let apex = UnsafeMutableRawPointer(node)
            let status = prefixes.withUnsafeMutableBufferPointer { list in
                xmlC14NExecute(document.pointer, subtreeVisibility, apex, Int32(XML_C14N_EXCLUSIVE_1_0.rawValue),
                               inclusiveNamespacePrefixes.isEmpty ? nil : list.baseAddress, withComments ? 1 : 0, output)
            }
            guard status >= 0, let content = xmlOutputBufferGetContent(output) else {
                throw .library("exclusive c14n failed: \(errors.summary)")
            }
            return Array(UnsafeBufferPointer(start: content, count: Int(xmlOutputBufferGetSize(output))))
        }
    }
}

/// The node set of a same-document reference to one element: the element, its descendants,
/// and their attribute and namespace nodes. libxml2 hands attributes and namespace nodes over
/// with their element as `parent`.
private let subtreeVisibility: xmlC14NIsVisibleCallback = { apex, node, parent in
    guard let apex, let node else { return 0 }
    let root = apex.assumingMemoryBound(to: xmlNode.self)
    let type = node.pointee.type
    let subject = (type == XML_NAMESPACE_DECL || type == XML_ATTRIBUTE_NODE) ? parent : node
    guard let subject else { return 0 }
    return root.contains(subject) ? 1 : 0
}
