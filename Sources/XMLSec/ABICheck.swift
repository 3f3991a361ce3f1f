internal import CXMLSec

/// Checks at run time that the structs Swift sees (compiled with the defines in
/// Sources/CXMLSec/shim.h) have the layout libxmlsec1 was built with. SwiftPM drops
/// pkg-config's -D flags, and a missing one (XMLSEC_NO_SIZE_T above all, which makes every
/// xmlSecSize 4 bytes instead of 8) compiles silently and shifts fields, so a signature
/// context could be read at the wrong offsets.
enum ABICheck {
    /// A description of the first difference, or nil when everything matches.
    static func firstMismatch() -> String? {
        // Every class records the size of its own struct as the library sees it.
        if let transform = xmlSecTransformEnvelopedGetKlass() {
            if Int(transform.pointee.klassSize) != MemoryLayout<xmlSecTransformKlass>.size {
                return "xmlSecTransformKlass is \(transform.pointee.klassSize) bytes in the library, "
                    + "\(MemoryLayout<xmlSecTransformKlass>.size) here"
            }
            // The enveloped transform keeps no state beyond the base struct.
            if Int(transform.pointee.objSize) != MemoryLayout<xmlSecTransform>.size {
                return "xmlSecTransform is \(transform.pointee.objSize) bytes in the library, "
                    + "\(MemoryLayout<xmlSecTransform>.size) here"
            }
        } else {
            return "no enveloped-signature transform"
        }
        if let keyData = xmlSecOpenSSLKeyDataRsaGetKlass(),
           Int(keyData.pointee.klassSize) != MemoryLayout<xmlSecKeyDataKlass>.size {
            return "xmlSecKeyDataKlass is \(keyData.pointee.klassSize) bytes in the library, "
                + "\(MemoryLayout<xmlSecKeyDataKlass>.size) here"
        }
        // The library fills a signature context at its own offsets; read them back at ours.
        // manifestReferences comes after two key-info contexts and five lists, so any size
        // difference before it shows up here.
        guard let dsig = xmlSecDSigCtxCreate(nil) else { return "xmlSecDSigCtxCreate failed" }
        defer { xmlSecDSigCtxDestroy(dsig) }
        let context = dsig.pointee
        if context.enabledReferenceUris != xmlSecTransformUriTypeAny { return "xmlSecDSigCtx.enabledReferenceUris" }
        if context.keyInfoReadCtx.mode != xmlSecKeyInfoModeRead { return "xmlSecDSigCtx.keyInfoReadCtx.mode" }
        if context.keyInfoWriteCtx.mode != xmlSecKeyInfoModeWrite { return "xmlSecDSigCtx.keyInfoWriteCtx.mode" }
        if context.keyInfoWriteCtx.keyReq.keyType != xmlSecKeyDataTypePublic {
            return "xmlSecDSigCtx.keyInfoWriteCtx.keyReq"
        }
        if context.keyInfoWriteCtx.maxRetrievalMethodLevel != 1 || context.keyInfoWriteCtx.maxEncryptedKeyLevel != 1
            || context.keyInfoWriteCtx.certsVerificationDepth != 9 {
            return "xmlSecKeyInfoCtx limits"
        }
        if context.keyInfoWriteCtx.enabledKeyData.id != xmlSecKeyDataIdListGetKlass() {
            return "xmlSecKeyInfoCtx.enabledKeyData"
        }
        if context.transformCtx.enabledTransforms.id != xmlSecTransformIdListGetKlass() {
            return "xmlSecTransformCtx.enabledTransforms"
        }
        if context.signedInfoReferences.id != xmlSecDSigReferenceCtxListGetKlass()
            || context.manifestReferences.id != xmlSecDSigReferenceCtxListGetKlass() {
            return "xmlSecDSigCtx reference lists"
        }
        guard let enc = xmlSecEncCtxCreate(nil) else { return "xmlSecEncCtxCreate failed" }
        defer { xmlSecEncCtxDestroy(enc) }
        if enc.pointee.keyInfoWriteCtx.mode != xmlSecKeyInfoModeWrite
            || enc.pointee.keyInfoWriteCtx.keyReq.keyType != xmlSecKeyDataTypePublic
            || enc.pointee.transformCtx.enabledTransforms.id != xmlSecTransformIdListGetKlass() {
            return "xmlSecEncCtx layout"
        }
        return nil
    }
}
