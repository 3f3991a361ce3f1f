import Crypto

/// The XML of EncryptedData and EncryptedKey (xmlenc-core §3), built with the DOM API so the
/// prefixes are the usual xenc: and ds:.
enum EncryptedTemplate {
    static let elementType = "http://www.w3.org/2001/04/xmlenc#Element"

    static func encryptedData(in document: XMLDocument, content: XMLContentEncryption) throws -> XMLElement {
        let encryptedData = try detachedElement("EncryptedData", in: document)
        try encryptedData.setAttribute("Type", value: elementType)
        let method = try encryptedData.appendElement("EncryptionMethod", namespace: XMLNamespace.xmlenc, prefix: "xenc")
        try method.setAttribute("Algorithm", value: content.uri)
        try addEmptyCipherValue(to: encryptedData)
        return encryptedData
    }

    static func encryptedKey(in document: XMLDocument, transport: XMLKeyTransport) throws -> XMLElement {
        let encryptedKey = try detachedElement("EncryptedKey", in: document)
        let method = try encryptedKey.appendElement("EncryptionMethod", namespace: XMLNamespace.xmlenc, prefix: "xenc")
        try method.setAttribute("Algorithm", value: transport.uri)
        let digest = try method.appendElement("DigestMethod", namespace: XMLNamespace.dsig, prefix: "ds")
        try digest.setAttribute("Algorithm", value: XMLKeyTransport.sha1DigestURI)
        try addEmptyCipherValue(to: encryptedKey)
        return encryptedKey
    }

    /// `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>` of the recipient, so a peer with
    /// several keys knows which one to use.
    static func addRecipientCertificate(_ certificate: X509Certificate, to encryptedKey: XMLElement) throws {
        let cipherData = encryptedKey.childElements[1]
        let keyInfo = try encryptedKey.appendElement("KeyInfo", namespace: XMLNamespace.dsig, prefix: "ds", at: .before(cipherData))
        let data = try keyInfo.appendElement("X509Data", namespace: XMLNamespace.dsig, prefix: "ds")
        try data.appendElement("X509Certificate", namespace: XMLNamespace.dsig, prefix: "ds").appendText(certificate.base64DER)
    }

    static func addKeyInfo(holding encryptedKey: XMLElement, to encryptedData: XMLElement) throws {
        let cipherData = encryptedData.childElements[1]
        let keyInfo = try encryptedData.appendElement("KeyInfo", namespace: XMLNamespace.dsig, prefix: "ds", at: .before(cipherData))
        try keyInfo.insert(encryptedKey)
    }

    private static func detachedElement(_ localName: String, in document: XMLDocument) throws -> XMLElement {
        let node = try document.makeElement(localName, namespaceURI: XMLNamespace.xmlenc, prefix: "xenc", scope: nil)
        return XMLElement(document: document, node: node)
    }

    private static func addEmptyCipherValue(to element: XMLElement) throws {
        let cipherData = try element.appendElement("CipherData", namespace: XMLNamespace.xmlenc, prefix: "xenc")
        try cipherData.appendElement("CipherValue", namespace: XMLNamespace.xmlenc, prefix: "xenc")
    }
}
