/// Why a signature was not made or not accepted. Every failure of verification is one of
/// these; there is no path that returns without a verified element.
public enum XMLSignatureError: Error, Equatable, Sendable {
    /// The signed element has no usable `ID` attribute (missing, empty or not an NCName).
    case missingID
    /// Another element of the document carries the same ID.
    case duplicateID(String)
    /// The element has no ds:Signature child.
    case signatureMissing
    /// The element has more than one ds:Signature child.
    case multipleSignatures
    /// The signature is not shaped as a SAML enveloped signature must be (the detail says
    /// which rule: one Reference, its URI, the transforms, an Object, a comment…).
    case malformedSignature(String)
    /// An algorithm outside the policy (SHA-1 by default).
    case algorithmNotAllowed(String)
    /// No trusted certificate was configured.
    case noTrustedCertificates
    /// The signature does not verify under any trusted certificate (content changed, or made
    /// with another key). The detail is for logs only.
    case invalidSignature(String)
    /// The element to sign already has a signature, or the position is not among its children.
    case cannotSign(String)
    case library(XMLSecError)
}
