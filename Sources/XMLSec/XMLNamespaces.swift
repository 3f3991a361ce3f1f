internal import CXMLSec

/// Namespace URIs this room reads and writes, and the namespace bookkeeping of copies.
public enum XMLNamespace {
    /// XML Signature (xmldsig-core).
    public static let dsig = "http://www.w3.org/2000/09/xmldsig#"
    /// XML Encryption (xmlenc-core).
    public static let xmlenc = "http://www.w3.org/2001/04/xmlenc#"
    /// Exclusive XML Canonicalization 1.0 (for InclusiveNamespaces).
    public static let excC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
}

enum XMLNamespaces {
    /// True when `node` itself declares `namespace`.
    static func declares(_ node: NodePointer, _ namespace: xmlNsPtr) -> Bool {
        var declaration = node.pointee.nsDef
        while let current = declaration {
            if current == namespace { return true }
            declaration = current.pointee.next
        }
        return false
    }

    /// Declares on `copy` each namespace in scope at `original` that is not in scope at `copy`
    /// with the same URI, so the copy means what the original meant wherever it now stands.
    static func declareInScope(of original: NodePointer, in originalDocument: DocPointer, on copy: NodePointer, in copyDocument: DocPointer) {
        guard let list = xmlGetNsList(originalDocument, original) else { return }
        defer { libxmlFree(list) }
        var index = 0
        while let namespace = list[index] {
            index += 1
            let href = namespace.pointee.href
            let found = xmlSearchNs(copyDocument, copy, namespace.pointee.prefix)
            if let found, xmlStrEqual(found.pointee.href, href) == 1 { continue }
            _ = xmlNewNs(copy, href, namespace.pointee.prefix)
        }
    }
}
