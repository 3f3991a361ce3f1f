import Crypto

/// Decrypts an `xenc:EncryptedData` (Type=Element) sent to us, with our private key only.
///
/// The content key must come from an `xenc:EncryptedKey` (RSA-OAEP) that our key unwraps,
/// found in the EncryptedData's ds:KeyInfo or beside it (SAML's EncryptedAssertion may carry it
/// as a sibling). Nothing else in KeyInfo is read: no KeyName, KeyValue or RetrievalMethod, no
/// key manager. The plaintext is parsed as a standalone document by the hardened parser.
public struct XMLDecryptor: Sendable {
    public let key: XMLPrivateKey
    public let allowedContentEncryption: Set<XMLContentEncryption>

    /// At most this many EncryptedKey candidates are tried (one per recipient of the message).
    static let maxEncryptedKeys = 4

    public init(key: XMLPrivateKey, allowedContentEncryption: Set<XMLContentEncryption> = Set(XMLContentEncryption.allCases)) {
        self.key = key
        self.allowedContentEncryption = allowedContentEncryption
    }

    /// The decrypted element as the root of a new document. Throws `.decryptionFailed` for a
    /// wrong key, altered ciphertext and unparseable plaintext alike.
    public func decrypt(_ encryptedData: XMLElement, limits: XMLParseLimits = .default) throws(XMLEncryptionError) -> XMLDocument {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        let content = try Self.readEncryptedData(encryptedData, allowed: allowedContentEncryption)
        let candidates = try Self.encryptedKeys(for: encryptedData)

        let plaintext = try LibraryErrors.collecting { errors throws(XMLEncryptionError) -> [UInt8] in
            var contentKey: [UInt8]?
            for candidate in candidates {
                try Self.checkEncryptedKey(candidate)
                if let unwrapped = EncContext.decrypt(candidate.node, key: key.key, algorithm: XMLKeyTransport.rsaOAEPMGF1P.transform),
                   unwrapped.count == content.keyLength {
                    contentKey = unwrapped
                    break
                }
            }
            guard var unwrapped = contentKey else { throw .decryptionFailed("no EncryptedKey unwraps with our key: \(errors.summary)") }
            defer { for index in unwrapped.indices { unwrapped[index] = 0 } }
            guard let aesKey = XMLSecKey.aesKey(unwrapped),
                  let plaintext = EncContext.decrypt(encryptedData.node, key: aesKey, algorithm: content.transform)
            else { throw .decryptionFailed("content: \(errors.summary)") }
            return plaintext
        }
        do {
            return try XMLDocument.parse(plaintext, limits: limits)
        } catch {
            throw .decryptionFailed("plaintext: \(error)")
        }
    }

    /// EncryptedData: Type Element (or absent), an allowed EncryptionMethod, CipherValue only.
    private static func readEncryptedData(_ element: XMLElement, allowed: Set<XMLContentEncryption>) throws(XMLEncryptionError) -> XMLContentEncryption {
        guard element.isNamed("EncryptedData", namespace: XMLNamespace.xmlenc) else { throw .malformed("not an xenc:EncryptedData") }
        if let type = element.attribute("Type"), type != EncryptedTemplate.elementType {
            throw .malformed("Type \(type); only whole elements are decrypted")
        }
        guard let method = element.firstChildElement(named: "EncryptionMethod", namespace: XMLNamespace.xmlenc),
              let uri = method.attribute("Algorithm")
        else { throw .malformed("EncryptedData without EncryptionMethod") }
        guard let algorithm = XMLContentEncryption(rawValue: uri), allowed.contains(algorithm) else {
            throw .algorithmNotAllowed(uri)
        }
        try requireCipherValue(in: element)
        return algorithm
    }

    /// EncryptedKey: RSA-OAEP (MGF1, SHA-1 digest as xmlsec 1.2.37 requires) and a CipherValue.
    private static func checkEncryptedKey(_ element: XMLElement) throws(XMLEncryptionError) {
        guard let method = element.firstChildElement(named: "EncryptionMethod", namespace: XMLNamespace.xmlenc),
              let uri = method.attribute("Algorithm")
        else { throw .malformed("EncryptedKey without EncryptionMethod") }
        // RSA PKCS#1 v1.5 (xmlenc#rsa-1_5) gives attackers a padding oracle: never accepted.
        guard uri == XMLKeyTransport.rsaOAEPMGF1P.uri else { throw .algorithmNotAllowed(uri) }
        try requireCipherValue(in: element)
    }

    /// A CipherReference would make xmlsec fetch the ciphertext from a URI: refused.
    private static func requireCipherValue(in element: XMLElement) throws(XMLEncryptionError) {
        guard let cipherData = element.firstChildElement(named: "CipherData", namespace: XMLNamespace.xmlenc),
              cipherData.childElements.count == 1,
              cipherData.childElements[0].isNamed("CipherValue", namespace: XMLNamespace.xmlenc)
        else { throw .malformed("\(element.localName) must carry one CipherValue (no CipherReference)") }
    }

    /// The EncryptedKey elements in the EncryptedData's KeyInfo, else those beside it.
    private static func encryptedKeys(for encryptedData: XMLElement) throws(XMLEncryptionError) -> [XMLElement] {
        var keys: [XMLElement] = []
        if let keyInfo = encryptedData.firstChildElement(named: "KeyInfo", namespace: XMLNamespace.dsig) {
            keys = keyInfo.childElements(named: "EncryptedKey", namespace: XMLNamespace.xmlenc)
        }
        if keys.isEmpty, let parent = encryptedData.parent {
            keys = parent.childElements(named: "EncryptedKey", namespace: XMLNamespace.xmlenc)
        }
        guard !keys.isEmpty else { throw .noEncryptedKey }
        guard keys.count <= maxEncryptedKeys else { throw .malformed("more than \(maxEncryptedKeys) EncryptedKey elements") }
        return keys
    }
}
