internal import CXMLSec
import Crypto

/// Makes enveloped signatures the way SAML wants them: exclusive c14n, SHA-256 (or SHA-512)
/// digest, one Reference to the element's ID, and KeyInfo carrying our certificate so peers
/// can match it against our metadata.
public struct XMLSigner: Sendable {
    public let key: XMLPrivateKey
    public let signatureAlgorithm: XMLSignatureAlgorithm
    public let digestAlgorithm: XMLDigestAlgorithm
    /// The exclusive c14n InclusiveNamespaces PrefixList, usually empty.
    public let inclusiveNamespacePrefixes: [String]

    /// `signatureAlgorithm` defaults to RSA-SHA256 for an RSA key and ECDSA-SHA256 for an EC
    /// key. SHA-1 is never used for signing.
    public init(key: XMLPrivateKey, signatureAlgorithm: XMLSignatureAlgorithm? = nil,
                digestAlgorithm: XMLDigestAlgorithm = .sha256, inclusiveNamespacePrefixes: [String] = []) throws(XMLSignatureError) {
        let algorithm = signatureAlgorithm ?? key.defaultSignatureAlgorithm
        guard algorithm != .rsaSHA1, digestAlgorithm != .sha1 else { throw .algorithmNotAllowed("SHA-1 is never used for signing") }
        let isEC: Bool
        if case .ec = key.certificate.keyType { isEC = true } else { isEC = false }
        guard algorithm.isRSA != isEC else { throw .algorithmNotAllowed("\(algorithm.uri) with this key") }
        self.init(unchecked: key, signatureAlgorithm: algorithm, digestAlgorithm: digestAlgorithm,
                  inclusiveNamespacePrefixes: inclusiveNamespacePrefixes)
    }

    /// Any algorithm, SHA-1 included: only for tests that need a SHA-1 signature to refuse.
    init(unchecked key: XMLPrivateKey, signatureAlgorithm: XMLSignatureAlgorithm, digestAlgorithm: XMLDigestAlgorithm,
         inclusiveNamespacePrefixes: [String] = []) {
        self.key = key
        self.signatureAlgorithm = signatureAlgorithm
        self.digestAlgorithm = digestAlgorithm
        self.inclusiveNamespacePrefixes = inclusiveNamespacePrefixes
    }

    /// Signs `element` (which must have a non-empty `idAttribute`, "ID" in SAML) with an
    /// enveloped ds:Signature inserted at `position` among its children. SAML core §5.4.1 puts
    /// it right after saml:Issuer: pass `.after(issuer)`. The new signature is verified with
    /// our own certificate before returning; on any failure the element is left as it was.
    @discardableResult
    public func sign(_ element: XMLElement, at position: XMLElement.Position = .first,
                     idAttribute: String = "ID") throws(XMLSignatureError) -> XMLElement {
        do { try XMLSecLibrary.ready() } catch { throw .library(error) }
        guard element.childElements(named: "Signature", namespace: XMLNamespace.dsig).isEmpty else {
            throw .cannotSign("the element already has a signature")
        }
        switch position {
        case .after(let sibling), .before(let sibling):
            guard sibling.parent == element else { throw .cannotSign("the position is not among the element's children") }
        case .first, .last:
            break
        }
        let id = try XMLIDs.register(element, attributeName: idAttribute)
        let signature = try LibraryErrors.collecting { errors throws(XMLSignatureError) -> XMLElement in
            let signature = try insertTemplate(into: element, referencing: id, at: position, errors: errors)
            guard let context = DSigContext.make(key: key.key, signatureAlgorithm: signatureAlgorithm,
                                                 digestAlgorithm: digestAlgorithm) else {
                try? signature.remove()
                throw .library(.library("cannot make a signature context: \(errors.summary)"))
            }
            defer { xmlSecDSigCtxDestroy(context) }
            guard xmlSecDSigCtxSign(context, signature.node) == 0, context.pointee.status == xmlSecDSigStatusSucceeded else {
                try? signature.remove()
                throw .library(.library("signing failed: \(errors.summary)"))
            }
            return signature
        }
        do {
            try appendKeyInfo(to: signature)
            let sha1 = signatureAlgorithm == .rsaSHA1 || digestAlgorithm == .sha1
            let verifier = try XMLSignatureVerifier(trustedCertificates: [key.certificate], policy: sha1 ? .legacySHA1 : .default)
            _ = try verifier.verify(signedElement: element, idAttribute: idAttribute)
        } catch {
            try? signature.remove()
            throw .library(.library("the new signature does not verify with our certificate: \(error)"))
        }
        return signature
    }

    /// The ds:Signature template: algorithms, the Reference and its transforms; xmlsec fills in
    /// DigestValue and SignatureValue.
    private func insertTemplate(into element: XMLElement, referencing id: String, at position: XMLElement.Position,
                                errors: LibraryErrors) throws(XMLSignatureError) -> XMLElement {
        let document = element.document
        guard let node = xmlSecTmplSignatureCreateNsPref(document.pointer, xmlSecTransformExclC14NGetKlass(),
                                                          signatureAlgorithm.transform, nil, "ds")
        else { throw .library(.library("cannot make the signature template: \(errors.summary)")) }
        document.keepDetached(node)
        let signature = XMLElement(document: document, node: node)
        do { try element.link(node, at: position) } catch { throw .cannotSign("\(error)") }
        let reference = withXMLString("#" + id) { uri in
            xmlSecTmplSignatureAddReference(node, digestAlgorithm.transform, nil, uri, nil)
        }
        let enveloped = reference.flatMap { xmlSecTmplReferenceAddTransform($0, xmlSecTransformEnvelopedGetKlass()) }
        let exclusive = reference.flatMap { xmlSecTmplReferenceAddTransform($0, xmlSecTransformExclC14NGetKlass()) }
        var ok = enveloped != nil && exclusive != nil
        if ok, let exclusive, !inclusiveNamespacePrefixes.isEmpty {
            ok = withXMLString(inclusiveNamespacePrefixes.joined(separator: " ")) {
                xmlSecTmplTransformAddC14NInclNamespaces(exclusive, $0)
            } == 0
        }
        guard ok else {
            try? signature.remove()
            throw .library(.library("cannot fill the signature template: \(errors.summary)"))
        }
        return signature
    }

    /// `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>base64 DER</…></…></…>`, outside
    /// SignedInfo (so not signed) and only informative for peers: nobody should take a key
    /// from it, and we never do.
    private func appendKeyInfo(to signature: XMLElement) throws(XMLBuildError) {
        let keyInfo = try signature.appendElement("KeyInfo", namespace: XMLNamespace.dsig, prefix: "ds")
        let data = try keyInfo.appendElement("X509Data", namespace: XMLNamespace.dsig, prefix: "ds")
        let certificate = try data.appendElement("X509Certificate", namespace: XMLNamespace.dsig, prefix: "ds")
        try certificate.appendText(key.certificate.base64DER)
    }
}
