internal import CXMLSec

/// An encryption context with the key set by us (there is no keys manager, so KeyInfo in a
/// message never supplies a key) and a single enabled algorithm.
enum EncContext {
    static func make(key: XMLSecKey, algorithm: xmlSecTransformId?, mode: xmlEncCtxMode) -> xmlSecEncCtxPtr? {
        guard let algorithm, let context = xmlSecEncCtxCreate(nil) else { return nil }
        guard let encKey = key.duplicate() else {
            xmlSecEncCtxDestroy(context)
            return nil
        }
        // The context owns (and destroys) the key.
        context.pointee.encKey = encKey
        context.pointee.mode = mode
        context.pointee.keyInfoReadCtx.maxRetrievalMethodLevel = 0
        context.pointee.keyInfoReadCtx.maxEncryptedKeyLevel = 0
        context.pointee.transformCtx.enabledUris = 0
        guard xmlSecPtrListAdd(&context.pointee.transformCtx.enabledTransforms, UnsafeMutableRawPointer(mutating: algorithm)) == 0 else {
            xmlSecEncCtxDestroy(context)
            return nil
        }
        return context
    }

    /// Encrypts `plaintext` into the CipherValue of `node` (an EncryptedData or EncryptedKey
    /// whose KeyInfo is added only afterwards, so xmlsec writes nothing into it).
    static func encrypt(_ plaintext: [UInt8], key: XMLSecKey, algorithm: xmlSecTransformId?, into node: NodePointer) -> Bool {
        guard let context = make(key: key, algorithm: algorithm, mode: mode(of: node)) else { return false }
        defer { xmlSecEncCtxDestroy(context) }
        let status = plaintext.withUnsafeBufferPointer { buffer in
            xmlSecEncCtxBinaryEncrypt(context, node, buffer.baseAddress, UInt32(buffer.count))
        }
        return status == 0 && context.pointee.result != nil
    }

    /// The decrypted bytes of `node` (EncryptedData or EncryptedKey), or nil.
    static func decrypt(_ node: NodePointer, key: XMLSecKey, algorithm: xmlSecTransformId?) -> [UInt8]? {
        guard let context = make(key: key, algorithm: algorithm, mode: mode(of: node)) else { return nil }
        defer { xmlSecEncCtxDestroy(context) }
        guard let result = xmlSecEncCtxDecryptToBuffer(context, node) else { return nil }
        guard let data = xmlSecBufferGetData(result) else { return [] }
        let bytes = Array(UnsafeBufferPointer(start: data, count: Int(xmlSecBufferGetSize(result))))
        // Zero the library's copy (a content key, or the plaintext) before it is freed.
        xmlSecBufferEmpty(result)
        return bytes
    }

    /// xmlsec reads EncryptedKey only when told to; EncryptedData is its default.
    private static func mode(of node: NodePointer) -> xmlEncCtxMode {
        string(node.pointee.name) == "EncryptedKey" ? xmlEncCtxModeEncryptedKey : xmlEncCtxModeEncryptedData
    }
}
