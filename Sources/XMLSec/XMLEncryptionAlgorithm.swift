internal import CXMLSec

/// Block encryption of the element (XML Encryption 1.1 §5.2). GCM authenticates the
/// ciphertext; CBC does not (and is what many peers still send), so a decryptor can be told
/// to accept GCM only.
public enum XMLContentEncryption: String, Sendable, CaseIterable {
    case aes256GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    case aes128GCM = "http://www.w3.org/2009/xmlenc11#aes128-gcm"
    case aes128CBC = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
    case aes256CBC = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"

    public var uri: String { rawValue }

    var keyLength: Int {
        switch self {
        case .aes256GCM, .aes256CBC: 32
        case .aes128GCM, .aes128CBC: 16
        }
    }

    var transform: xmlSecTransformId? {
        switch self {
        case .aes256GCM: xmlSecOpenSSLTransformAes256GcmGetKlass()
        case .aes128GCM: xmlSecOpenSSLTransformAes128GcmGetKlass()
        case .aes128CBC: xmlSecOpenSSLTransformAes128CbcGetKlass()
        case .aes256CBC: xmlSecOpenSSLTransformAes256CbcGetKlass()
        }
    }
}

/// Key transport of the content key to the recipient (XML Encryption §5.4). Only RSA-OAEP:
/// RSA PKCS#1 v1.5 (rsa-1_5) is open to Bleichenbacher-style oracles and is refused.
public enum XMLKeyTransport: String, Sendable, CaseIterable {
    /// RSA-OAEP with MGF1-SHA1; its DigestMethod is SHA-1, what most SAML peers expect.
    /// xmlsec 1.2.37 accepts no other digest here (OAEP with SHA-256 needs xmlenc11#rsa-oaep
    /// from xmlsec 1.3), so this is the only choice for now.
    case rsaOAEPMGF1P = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"

    public var uri: String { rawValue }

    static let sha1DigestURI = "http://www.w3.org/2000/09/xmldsig#sha1"

    var transform: xmlSecTransformId? { xmlSecOpenSSLTransformRsaOaepGetKlass() }
}

/// Why an element was not encrypted or an EncryptedData not decrypted.
public enum XMLEncryptionError: Error, Equatable, Sendable {
    /// The recipient certificate's key cannot receive RSA-OAEP key transport (not RSA).
    case unsupportedRecipient(String)
    /// The EncryptedData or EncryptedKey is not shaped as we accept it (the detail says how).
    case malformed(String)
    /// An algorithm outside what this decryptor accepts.
    case algorithmNotAllowed(String)
    /// No xenc:EncryptedKey in KeyInfo or beside the EncryptedData.
    case noEncryptedKey
    /// Unwrapping the key, decrypting, or parsing the plaintext failed. One case for all three
    /// on purpose: a peer that could tell them apart would have a padding oracle (CBC). The
    /// detail is for logs only.
    case decryptionFailed(String)
    case encryptionFailed(String)
    case library(XMLSecError)
}
