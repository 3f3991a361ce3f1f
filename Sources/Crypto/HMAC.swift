import COpenSSL

/// One-shot HMAC (RFC 2104) through OpenSSL's `HMAC()`.
public enum HMAC {
    /// For TOTP (RFC 6238) only: authenticator apps use HMAC-SHA-1.
    public static func sha1(key: [UInt8], message: [UInt8]) -> [UInt8] { mac(key, message, EVP_sha1()) }
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] { mac(key, message, EVP_sha256()) }
    public static func sha512(key: [UInt8], message: [UInt8]) -> [UInt8] { mac(key, message, EVP_sha512()) }

    private static func mac(_ key: [UInt8], _ message: [UInt8], _ md: OpaquePointer?) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        // HMAC() dislikes a NULL key pointer even with length 0; give it a real address.
        let keyBytes = key.isEmpty ? [UInt8(0)] : key
        let result = keyBytes.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                out.withUnsafeMutableBufferPointer { o in
                    COpenSSL.HMAC(md, k.baseAddress, Int32(key.count),
                                  m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count,
                                  o.baseAddress, &len)
                }
            }
        }
        guard result != nil else { fatalError("HMAC failed") }
        return Array(out.prefix(Int(len)))
    }
}

/// Compares two byte strings in time independent of where they differ. Different lengths
/// are unequal (lengths are not secret here: MACs and tokens have fixed sizes).
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return a.withUnsafeBytes { x in
        b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 }
    }
}
