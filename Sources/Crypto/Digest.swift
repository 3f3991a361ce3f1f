import COpenSSL

/// One-shot message digests (EVP).
public enum Digest {
    public static func sha256(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha256()) }
    public static func sha384(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha384()) }
    public static func sha512(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha512()) }

    public static func sha256(_ string: String) -> [UInt8] { sha256(Array(string.utf8)) }
    public static func sha384(_ string: String) -> [UInt8] { sha384(Array(string.utf8)) }
    public static func sha512(_ string: String) -> [UInt8] { sha512(Array(string.utf8)) }

    private static func digest(_ data: [UInt8], _ md: OpaquePointer?) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var len: UInt32 = 0
        let rc = data.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &len, md, nil)
            }
        }
        guard rc == 1 else { fatalError("EVP_Digest failed") }
        return Array(out.prefix(Int(len)))
    }
}
