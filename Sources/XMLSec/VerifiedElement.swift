import Crypto

/// An element whose enveloped signature verified under a trusted certificate. Only
/// `XMLSignatureVerifier` makes one; SAML code takes this type, not a bare `XMLElement`, where
/// it reads what a peer asserted.
public struct VerifiedElement {
    /// The signed element itself (the same node that was passed in).
    public let element: XMLElement
    /// The trusted certificate whose key verified it.
    public let certificate: X509Certificate
    public let signatureAlgorithm: XMLSignatureAlgorithm
    public let digestAlgorithm: XMLDigestAlgorithm

    init(element: XMLElement, certificate: X509Certificate, signatureAlgorithm: XMLSignatureAlgorithm,
         digestAlgorithm: XMLDigestAlgorithm) {
        self.element = element
        self.certificate = certificate
        self.signatureAlgorithm = signatureAlgorithm
        self.digestAlgorithm = digestAlgorithm
    }
}
