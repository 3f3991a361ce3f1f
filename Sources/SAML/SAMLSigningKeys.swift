import Crypto
import XMLSec

/// The server's own SAML signing keys: the key pairs of the JWT key ring (RSA-2048 and P-256,
/// made at first start, rotated with `gatehouse keys rotate`) with a self-signed certificate
/// stored beside each. App implements it over PostgreSQL; tests over memory.
public protocol SAMLSigningKeys: Sendable {
    /// The key that signs now with `algorithm` (the RSA key for RSA-SHA256/512, the P-256 key
    /// for ECDSA-SHA256), with its certificate.
    func currentKey(for algorithm: XMLSignatureAlgorithm) throws -> XMLPrivateKey
    /// The certificates metadata publishes for that key type: the current one first, then those
    /// of rotated keys during their overlap, so SPs that pinned the old one keep working until
    /// they reload the metadata.
    func publishedCertificates(for algorithm: XMLSignatureAlgorithm) throws -> [X509Certificate]
}

/// A `saml-provider`'s `signature_algorithm`: what it signs with and which digest.
struct SAMLSignatureChoice: Sendable, Equatable {
    let signature: XMLSignatureAlgorithm
    let digest: XMLDigestAlgorithm

    /// `rsa-sha256`, `rsa-sha512` or `ecdsa-sha256`; nil for anything else.
    init?(name: String) {
        switch name {
        case "rsa-sha256": (signature, digest) = (.rsaSHA256, .sha256)
        case "rsa-sha512": (signature, digest) = (.rsaSHA512, .sha512)
        case "ecdsa-sha256": (signature, digest) = (.ecdsaSHA256, .sha256)
        default: return nil
        }
    }

    static let names = ["rsa-sha256", "rsa-sha512", "ecdsa-sha256"]
}
