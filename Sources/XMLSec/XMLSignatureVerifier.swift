internal import CXMLSec
import Crypto

/// Verifies enveloped signatures against configured certificates only. Load it once per peer
/// (the certificates are parsed once); it is immutable and may be shared between threads,
/// while each document is used by one thread at a time.
public struct XMLSignatureVerifier: Sendable {
    public let trustedCertificates: [X509Certificate]
    public let policy: XMLSignaturePolicy
    let keys: [(certificate: X509Certificate, key: XMLSecKey)]

    /// Several certificates cover a key rollover: a signature verifies if one of them verifies it.
    public init(trustedCertificates: [X509Certificate], policy: XMLSignaturePolicy = .default) throws(XMLKeyError) {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        var keys: [(certificate: X509Certificate, key: XMLSecKey)] = []
        for certificate in trustedCertificates {
            let key = LibraryErrors.collecting { errors in (XMLSecKey.publicKey(of: certificate, errors: errors), errors.summary) }
            guard let loaded = key.0 else { throw .unreadableCertificate(key.1) }
            keys.append((certificate, loaded))
        }
        self.trustedCertificates = trustedCertificates
        self.policy = policy
        self.keys = keys
    }

    /// Verifies the signature that is a direct child of `element` and covers exactly
    /// `element` (its `idAttribute`, "ID" in SAML 2.0), and returns that same element as
    /// verified. Fails closed: every error, refusal or inconclusive result throws.
    ///
    /// The SAML code should read assertions only through the returned `VerifiedElement`: what
    /// the signature covers is that element minus its ds:Signature child, nothing around it.
    public func verify(signedElement element: XMLElement, idAttribute: String = "ID") throws(XMLSignatureError) -> VerifiedElement {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        guard !keys.isEmpty else { throw .noTrustedCertificates }
        let id = try XMLIDs.register(element, attributeName: idAttribute)
        let signatures = element.childElements(named: "Signature", namespace: XMLNamespace.dsig)
        guard let signature = signatures.first else { throw .signatureMissing }
        guard signatures.count == 1 else { throw .multipleSignatures }
        let shape = try SignatureShape.read(signature, referencing: id, policy: policy)

        var failures: [String] = []
        for (certificate, key) in keys {
            let outcome = LibraryErrors.collecting { errors in
                (Self.verifies(signature, id: id, shape: shape, key: key), errors.summary)
            }
            if outcome.0 {
                return VerifiedElement(element: element, certificate: certificate,
                                       signatureAlgorithm: shape.signatureAlgorithm, digestAlgorithm: shape.digestAlgorithm)
            }
            failures.append("\(certificate.subjectCommonName ?? "certificate"): \(outcome.1)")
        }
        throw .invalidSignature(failures.joined(separator: " | "))
    }

    /// One attempt with one key. True only when xmlsec returned success, its status is
    /// Succeeded, and what it processed is what we checked: our key, our algorithms, one
    /// reference to `#id` that succeeded.
    private static func verifies(_ signature: XMLElement, id: String, shape: SignatureShape, key: XMLSecKey) -> Bool {
        guard let context = DSigContext.make(key: key, signatureAlgorithm: shape.signatureAlgorithm,
                                             digestAlgorithm: shape.digestAlgorithm) else { return false }
        defer { xmlSecDSigCtxDestroy(context) }
        let ourKey = context.pointee.signKey
        guard xmlSecDSigCtxVerify(context, signature.node) == 0,
              context.pointee.status == xmlSecDSigStatusSucceeded,
              context.pointee.signKey == ourKey,
              context.pointee.signMethod?.pointee.id == shape.signatureAlgorithm.transform
        else { return false }
        guard xmlSecPtrListGetSize(&context.pointee.signedInfoReferences) == 1,
              let first = xmlSecPtrListGetItem(&context.pointee.signedInfoReferences, 0)
        else { return false }
        let reference = first.assumingMemoryBound(to: xmlSecDSigReferenceCtx.self)
        return reference.pointee.status == xmlSecDSigStatusSucceeded
            && string(reference.pointee.uri) == "#" + id
            && reference.pointee.digestMethod?.pointee.id == shape.digestAlgorithm.transform
    }
}
