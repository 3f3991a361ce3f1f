import Crypto

/// Our private key with its certificate: what we sign with (the certificate goes into
/// KeyInfo so peers can match it) and what peers encrypt to (we decrypt with the key).
public struct XMLPrivateKey: Sendable {
    public let certificate: X509Certificate
    let key: XMLSecKey

    /// From an unencrypted PEM private key (PKCS#8 or traditional) and the certificate of its
    /// public half; refuses a key that is not the certificate's.
    public init(privateKeyPEM: String, certificate: X509Certificate) throws(XMLKeyError) {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        // Crypto reads the PEM without ever prompting for a password, before xmlsec sees it.
        guard certificate.matchesPrivateKey(pem: privateKeyPEM) else { throw .keyDoesNotMatchCertificate }
        let loaded = LibraryErrors.collecting { errors in XMLSecKey.privateKey(pem: privateKeyPEM, errors: errors) }
        guard let loaded else { throw .unreadablePrivateKey }
        self.key = loaded
        self.certificate = certificate
    }

    /// The signature algorithm that suits the key: RSA-SHA256 or ECDSA-SHA256.
    public var defaultSignatureAlgorithm: XMLSignatureAlgorithm {
        if case .ec = certificate.keyType { return .ecdsaSHA256 }
        return .rsaSHA256
    }
}

extension XMLPrivateKey: CustomStringConvertible {
    /// The certificate only; key material never reaches logs.
    public var description: String { "XMLPrivateKey(\(certificate))" }
}

/// A key we cannot use.
public enum XMLKeyError: Error, Equatable, Sendable {
    case keyDoesNotMatchCertificate
    case unreadablePrivateKey
    case unreadableCertificate(String)
    case library(XMLSecError)
}
