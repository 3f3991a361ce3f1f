internal import CGatehouseShims

/// HKDF (RFC 5869) through OpenSSL: derives keys from input keying material.
public enum HKDF {
    /// Largest output HKDF-SHA256 can give (255 blocks of 32 bytes).
    public static let sha256MaxLength = 255 * 32

    /// HKDF-SHA256 extract-then-expand. An empty `salt` is the RFC's "not provided" (zeros).
    /// `ikm` must not be empty and `length` must be in 1...8160; anything else is a programming
    /// error and stops the process.
    public static func sha256(ikm: [UInt8], salt: [UInt8] = [], info: [UInt8], length: Int) -> [UInt8] {
        precondition(!ikm.isEmpty, "HKDF needs input keying material")
        precondition(length > 0 && length <= sha256MaxLength, "HKDF-SHA256 output length out of range")
        precondition(info.count <= 1024, "HKDF info too long")
        var out = [UInt8](repeating: 0, count: length)
        let rc = ikm.withUnsafeBufferPointer { k in
            salt.withUnsafeBufferPointer { s in
                info.withUnsafeBufferPointer { i in
                    out.withUnsafeMutableBufferPointer { o in
                        gh_hkdf_sha256(k.baseAddress, k.count, s.baseAddress, s.count,
                                       i.baseAddress, i.count, o.baseAddress, o.count)
                    }
                }
            }
        }
        guard rc == 1 else { fatalError("HKDF-SHA256 failed") }
        return out
    }
}
