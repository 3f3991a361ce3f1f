import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's CSPRNG.
public enum SecureRandom {
    /// `n` random bytes. A failing CSPRNG is not recoverable: the process stops rather than
    /// hand out predictable secrets.
    public static func bytes(_ n: Int) -> [UInt8] {
        precondition(n >= 0, "negative byte count")
        guard n > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: n)
        let rc = out.withUnsafeMutableBytes { buf in
            RAND_bytes(buf.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(n))
        }
        guard rc == 1 else { fatalError("RAND_bytes failed; refusing to continue without a CSPRNG") }
        return out
    }

    /// A random token: `byteCount` random bytes as base64url without padding.
    public static func token(byteCount: Int = 32) -> String {
        Base64URL.encode(bytes(byteCount))
    }
}
