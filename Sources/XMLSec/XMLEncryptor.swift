import Crypto

/// Encrypts an element for one recipient (XML Encryption, Type=Element): a fresh AES content
/// key encrypts the element, and RSA-OAEP carries that key to the recipient's certificate.
/// Wrapping the result (EncryptedAssertion around EncryptedData) is the caller's job.
public struct XMLEncryptor: Sendable {
    public let recipient: X509Certificate
    public let contentEncryption: XMLContentEncryption
    public let keyTransport: XMLKeyTransport
    let recipientKey: XMLSecKey

    public init(recipient: X509Certificate, contentEncryption: XMLContentEncryption = .aes256GCM,
                keyTransport: XMLKeyTransport = .rsaOAEPMGF1P) throws(XMLEncryptionError) {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        guard case .rsa = recipient.keyType else {
            throw .unsupportedRecipient("RSA-OAEP key transport needs an RSA certificate, not \(recipient.keyType)")
        }
        let key = LibraryErrors.collecting { errors in (XMLSecKey.publicKey(of: recipient, errors: errors), errors.summary) }
        guard let loaded = key.0 else { throw .unsupportedRecipient(key.1) }
        self.recipient = recipient
        self.contentEncryption = contentEncryption
        self.keyTransport = keyTransport
        self.recipientKey = loaded
    }

    /// An `xenc:EncryptedData` holding `element`, made in `document` (by default the
    /// element's own) but not placed anywhere; `element` itself is left as it is.
    ///
    /// The plaintext is the element serialised standalone, with every namespace in scope at
    /// it declared on it, so the recipient can parse the decrypted element on its own (a
    /// known interoperability bug is an assertion whose prefix was declared only on the
    /// enclosing Response). Its signature still verifies after decryption: exclusive c14n
    /// ignores the extra declarations.
    public func encrypt(_ element: XMLElement, into document: XMLDocument? = nil) throws(XMLEncryptionError) -> XMLElement {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        let target = document ?? element.document
        let plaintext = element.serialized()
        var contentKey = SecureRandom.bytes(contentEncryption.keyLength)
        defer { for index in contentKey.indices { contentKey[index] = 0 } }
        guard let aesKey = XMLSecKey.aesKey(contentKey) else { throw .encryptionFailed("cannot load the content key") }

        return try LibraryErrors.collecting { errors throws(XMLEncryptionError) -> XMLElement in
            do {
                let encryptedKey = try EncryptedTemplate.encryptedKey(in: target, transport: keyTransport)
                guard EncContext.encrypt(contentKey, key: recipientKey, algorithm: keyTransport.transform, into: encryptedKey.node) else {
                    throw XMLEncryptionError.encryptionFailed("key transport: \(errors.summary)")
                }
                try EncryptedTemplate.addRecipientCertificate(recipient, to: encryptedKey)

                let encryptedData = try EncryptedTemplate.encryptedData(in: target, content: contentEncryption)
                guard EncContext.encrypt(plaintext, key: aesKey, algorithm: contentEncryption.transform, into: encryptedData.node) else {
                    throw XMLEncryptionError.encryptionFailed("content: \(errors.summary)")
                }
                // KeyInfo goes in only now, between EncryptionMethod and CipherData, so xmlsec
                // never tried to write key information of its own into it.
                try EncryptedTemplate.addKeyInfo(holding: encryptedKey, to: encryptedData)
                return encryptedData
            } catch let error as XMLEncryptionError {
                throw error
            } catch {
                throw .encryptionFailed("\(error)")
            }
        }
    }
}
