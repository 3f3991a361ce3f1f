internal import CXMLSec

/// A signature context that can do nothing but what a SAML signature needs: the key is set by
/// us (there is no keys manager, so ds:KeyInfo is never read: no KeyValue, X509Data or
/// RetrievalMethod from the message can supply a key), references may only point into the
/// same document, and only the listed transforms and algorithms are enabled.
enum DSigContext {
    static func make(key: XMLSecKey, signatureAlgorithm: XMLSignatureAlgorithm,
                     digestAlgorithm: XMLDigestAlgorithm) -> xmlSecDSigCtxPtr? {
        guard let context = xmlSecDSigCtxCreate(nil) else { return nil }
        guard let signKey = key.duplicate() else {
            xmlSecDSigCtxDestroy(context)
            return nil
        }
        // The context owns (and destroys) the key it is given.
        context.pointee.signKey = signKey
        context.pointee.flags = UInt32(XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS)
        context.pointee.enabledReferenceUris = xmlSecTransformUriType(xmlSecTransformUriTypeSameDocument)
        // Belt and braces should KeyInfo ever be read: no retrieval, no encrypted keys, and no
        // key data but a name that no keys manager could resolve.
        context.pointee.keyInfoReadCtx.maxRetrievalMethodLevel = 0
        context.pointee.keyInfoReadCtx.maxEncryptedKeyLevel = 0
        var ok = xmlSecPtrListAdd(&context.pointee.keyInfoReadCtx.enabledKeyData,
                                  UnsafeMutableRawPointer(mutating: xmlSecKeyDataNameGetKlass())) == 0
        let exclusive = xmlSecTransformExclC14NGetKlass()
        let references: [xmlSecTransformId?] = [xmlSecTransformEnvelopedGetKlass(), exclusive, digestAlgorithm.transform]
        for transform in references { ok = ok && transform != nil && xmlSecDSigCtxEnableReferenceTransform(context, transform) == 0 }
        let signedInfo: [xmlSecTransformId?] = [exclusive, xmlSecTransformExclC14NWithCommentsGetKlass(), signatureAlgorithm.transform]
        for transform in signedInfo { ok = ok && transform != nil && xmlSecDSigCtxEnableSignatureTransform(context, transform) == 0 }
        guard ok else {
            xmlSecDSigCtxDestroy(context)
            return nil
        }
        return context
    }
}
