internal import CXMLSec

/// One signature transform of xmlsec run over bytes (binary mode), outside any XML.
enum DetachedSignature {
    /// Signing (`signature` nil): the signature bytes. Verifying: `[]` when `signature` checks
    /// out, nil otherwise.
    static func run(key: XMLSecKey, algorithm: XMLSignatureAlgorithm, data: [UInt8], signature: [UInt8]?) -> [UInt8]? {
        guard let context = xmlSecTransformCtxCreate() else { return nil }
        defer { xmlSecTransformCtxDestroy(context) }
        guard let transform = xmlSecTransformCtxCreateAndAppend(context, algorithm.transform) else { return nil }
        transform.pointee.operation = signature == nil ? xmlSecTransformOperationSign : xmlSecTransformOperationVerify
        // The transform must accept the key (an EC key for an RSA algorithm is refused here).
        var requirement = xmlSecKeyReq()
        guard xmlSecKeyReqInitialize(&requirement) == 0 else { return nil }
        defer { xmlSecKeyReqFinalize(&requirement) }
        guard xmlSecTransformSetKeyReq(transform, &requirement) == 0,
              xmlSecKeyMatch(key.pointer, nil, &requirement) == 1,
              xmlSecTransformSetKey(transform, key.pointer) == 0
        else { return nil }
        let executed = data.withUnsafeBufferPointer { buffer in
            // xmlsec wants a non-NULL pointer even for empty input.
            buffer.baseAddress.map { xmlSecTransformCtxBinaryExecute(context, $0, UInt32(buffer.count)) } ?? -1
        }
        guard executed == 0 else { return nil }
        guard let signature else {
            guard let result = context.pointee.result, let bytes = xmlSecBufferGetData(result) else { return nil }
            return Array(UnsafeBufferPointer(start: bytes, count: Int(xmlSecBufferGetSize(result))))
        }
        let verified = signature.withUnsafeBufferPointer { buffer in
            xmlSecTransformVerify(transform, buffer.baseAddress, UInt32(buffer.count), context)
        }
        return verified == 0 && transform.pointee.status == xmlSecTransformStatusOk ? [] : nil
    }
}
