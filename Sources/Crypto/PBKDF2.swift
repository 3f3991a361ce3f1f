import COpenSSL

/// PBKDF2 (RFC 8018) with HMAC-SHA256, through OpenSSL's PKCS5_PBKDF2_HMAC.
public enum PBKDF2 {
    /// `iterations` must be at least 1 and `length` in 1...1024; callers that read iteration
    /// counts from stored data bound them first (`PasswordHasher` does).
    public static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8] {
        precondition(iterations >= 1 && iterations <= Int(Int32.max), "PBKDF2 iteration count out of range")
        precondition(length >= 1 && length <= 1024, "PBKDF2 output length out of range")
        precondition(password.count <= Int(Int32.max) && salt.count <= Int(Int32.max))
        var out = [UInt8](repeating: 0, count: length)
        // A non-NULL pointer even for an empty password or salt.
        let pwd = password.isEmpty ? [UInt8(0)] : password
        let saltBytes = salt.isEmpty ? [UInt8(0)] : salt
        let rc = pwd.withUnsafeBytes { p in
            saltBytes.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    PKCS5_PBKDF2_HMAC(p.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(password.count),
                                      s.baseAddress, Int32(salt.count), Int32(iterations), EVP_sha256(),
                                      Int32(length), o.baseAddress)
                }
            }
        }
        guard rc == 1 else { fatalError("PKCS5_PBKDF2_HMAC failed") }
        return out
    }
}
