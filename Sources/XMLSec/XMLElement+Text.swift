internal import CXMLSec

extension XMLElement {
    /// The element's character data: every text and CDATA child, joined in document order;
    /// comments between them are skipped, not treated as the end of the value.
    ///
    /// `<NameID>admin@x<!---->.evil</NameID>` reads as "admin@x.evil". Reading only the first
    /// text node would give "admin@x" while the signature (exclusive c14n without comments)
    /// covers "admin@x.evil" — the comment-truncation attack on SAML NameIDs. Joining every
    /// text child reads exactly the characters the signature covers.
    ///
    /// Throws when the element has child elements: a simple value such as a NameID with markup
    /// inside is not one we should guess at.
    public func text() throws(XMLContentError) -> String {
        var bytes: [UInt8] = []
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content {
                    var cursor = content
                    while cursor.pointee != 0 {
                        bytes.append(cursor.pointee)
                        cursor += 1
                    }
                }
            case XML_COMMENT_NODE:
                break
            case XML_ELEMENT_NODE:
                throw .childElementInText(parent: localName, child: string(current.pointee.name) ?? "")
            default:
                // Entity references and processing instructions never survive our parser;
                // anything else here is not character data.
                throw .unexpectedNode(parent: localName)
            }
            child = current.pointee.next
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// An element's content is not what the reader asked for.
public enum XMLContentError: Error, Equatable, Sendable {
    case childElementInText(parent: String, child: String)
    case unexpectedNode(parent: String)
}
