import COpenSSL

/// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64(PBKDF2-HMAC-SHA256)>` password hashes,
/// as authentik (and any Django site) stores them. Verify only: we never write this format.
struct DjangoPBKDF2 {
    static let prefix = "pbkdf2_sha256$"
    static let maxIterations = 10_000_000

    let iterations: Int
    let salt: [UInt8]
    /// The stored hash exactly as written (standard base64 with padding).
    let hash: [UInt8]

    /// nil when malformed or when the iteration count is outside 1...10,000,000.
    init?(parsing encoded: String) {
        guard encoded.hasPrefix(Self.prefix), encoded.utf8.count <= 512 else { return nil }
        let fields = encoded.utf8.split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
        guard fields.count == 4 else { return nil }
        let digits = fields[1]
        // Decimal, no sign, no leading zero; 8 digits cover the limit without overflow.
        guard !digits.isEmpty, digits.count <= 8, digits.first != UInt8(ascii: "0"),
              digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let iterations = Int(String(decoding: digits, as: UTF8.self)),
              (1...Self.maxIterations).contains(iterations)
        else { return nil }
        let salt = Array(fields[2]), hash = Array(fields[3])
        guard !salt.isEmpty, !hash.isEmpty, hash.count % 4 == 0, hash.count <= 172,
              hash.allSatisfy({ c in
                  (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c)
                      || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                      || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=")
              })
        else { return nil }
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// Django's check: base64 of PBKDF2-HMAC-SHA256(password, salt, iterations, 32 bytes),
    /// compared with the stored text in constant time.
    func matches(_ password: [UInt8]) -> Bool {
        let derived = PBKDF2.sha256(password: password, salt: salt, iterations: iterations, length: 32)
        return constantTimeEquals(Self.base64(derived), hash)
    }

    /// Standard base64 with padding (EVP_EncodeBlock).
    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (bytes.count + 2) / 3 * 4 + 1)
        let n = bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in EVP_EncodeBlock(o.baseAddress, b.baseAddress, Int32(b.count)) }
        }
        return Array(out.prefix(Int(n)))
    }
}
