internal import CXMLSec
import Crypto

/// Owns one xmlSecKey, loaded once. Each operation works on its own duplicate (the signature
/// and encryption contexts destroy the key they are given), so a loaded key is never changed
/// and may be shared between threads.
final class XMLSecKey: @unchecked Sendable {
    let pointer: xmlSecKeyPtr

    private init(_ pointer: xmlSecKeyPtr) { self.pointer = pointer }
    deinit { xmlSecKeyDestroy(pointer) }

    /// A copy for one context, which takes ownership of it.
    func duplicate() -> xmlSecKeyPtr? { xmlSecKeyDuplicate(pointer) }

    /// The public key of a certificate we trust (from its DER, never from a message).
    static func publicKey(of certificate: X509Certificate, errors: LibraryErrors) -> XMLSecKey? {
        let der = certificate.der
        let key = der.withUnsafeBufferPointer { buffer in
            xmlSecOpenSSLAppKeyLoadMemory(buffer.baseAddress, UInt32(buffer.count), xmlSecKeyDataFormatCertDer, nil, nil, nil)
        }
        return key.map(XMLSecKey.init)
    }

    /// A private key from unencrypted PEM (PKCS#8 or traditional). An empty password is
    /// passed so an encrypted key fails instead of OpenSSL prompting on a terminal.
    static func privateKey(pem: String, errors: LibraryErrors) -> XMLSecKey? {
        let bytes = Array(pem.utf8)
        let key = bytes.withUnsafeBufferPointer { buffer in
            xmlSecOpenSSLAppKeyLoadMemory(buffer.baseAddress, UInt32(buffer.count), xmlSecKeyDataFormatPem, "", nil, nil)
        }
        guard let key else { return nil }
        guard xmlSecKeyGetType(key) & UInt32(xmlSecKeyDataTypePrivate) != 0 else {
            xmlSecKeyDestroy(key)
            return nil
        }
        return XMLSecKey(key)
    }

    /// A symmetric AES key (16 or 32 bytes) for one encryption or decryption.
    static func aesKey(_ bytes: [UInt8]) -> XMLSecKey? {
        let key = bytes.withUnsafeBufferPointer { buffer in
            xmlSecKeyReadMemory(xmlSecOpenSSLKeyDataAesGetKlass(), buffer.baseAddress, UInt32(buffer.count))
        }
        return key.map(XMLSecKey.init)
    }
}
