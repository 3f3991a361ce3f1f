/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP). Authenticator apps use
/// SHA-1, 6 digits and 30-second steps; the other algorithms are here for the RFC's vectors.
public struct TOTP: Sendable, Hashable {
    public enum Algorithm: String, Sendable, Hashable {
        case sha1 = "SHA1", sha256 = "SHA256", sha512 = "SHA512"
    }

    public let secret: [UInt8]
    public let digits: Int
    public let period: Int64
    public let algorithm: Algorithm

    /// Secrets of 20 random bytes (160 bits, RFC 4226 §4's recommendation).
    public static let secretByteCount = 20

    public init(secret: [UInt8], digits: Int = 6, period: Int64 = 30, algorithm: Algorithm = .sha1) {
        precondition((6...8).contains(digits) && period > 0, "TOTP needs 6 to 8 digits and a positive period")
        self.secret = secret
        self.digits = digits
        self.period = period
        self.algorithm = algorithm
    }

    /// A fresh random secret.
    public static func generate() -> TOTP { TOTP(secret: SecureRandom.bytes(secretByteCount)) }

    /// The time step of the Unix time `seconds` (floor, also before 1970).
    public func step(at seconds: Int64) -> Int64 {
        let q = seconds / period
        return seconds % period < 0 ? q - 1 : q
    }

    /// The code of one step, zero-padded to `digits`.
    public func code(step: Int64) -> String {
        var counter = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { counter[7 - i] = UInt8(truncatingIfNeeded: UInt64(bitPattern: step) >> (8 * UInt64(i))) }
        let mac: [UInt8]
        switch algorithm {
        case .sha1: mac = HMAC.sha1(key: secret, message: counter)
        case .sha256: mac = HMAC.sha256(key: secret, message: counter)
        case .sha512: mac = HMAC.sha512(key: secret, message: counter)
        }
        // Dynamic truncation (RFC 4226 §5.3).
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let text = String(binary % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }

    public func code(at seconds: Int64) -> String { code(step: step(at: seconds)) }

    /// The step `code` belongs to within ±`window` steps of `seconds` (the current step first),
    /// or nil. Compares in constant time per candidate. Callers refuse a step at or below the
    /// last one accepted, so each code works once.
    public func matchingStep(_ code: String, at seconds: Int64, window: Int64 = 1) -> Int64? {
        let given = Array(code.utf8)
        guard given.count == digits, given.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let current = step(at: seconds)
        var found: Int64?
        let w = max(window, 0)
        var deltas: [Int64] = [0]
        if w > 0 { for d in Int64(1)...w { deltas += [-d, d] } }
        for delta in deltas {
            let candidate = current + delta
            if constantTimeEquals(Array(self.code(step: candidate).utf8), given), found == nil { found = candidate }
        }
        return found
    }

    /// `otpauth://totp/<issuer>:<account>?secret=…&issuer=…` (the Key Uri Format apps scan).
    public func provisioningURI(issuer: String, account: String) -> String {
        func escape(_ s: String) -> String {
            var out = ""
            for b in s.utf8 {
                switch b {
                case 0x30...0x39, 0x41...0x5a, 0x61...0x7a, 0x2d, 0x2e, 0x5f, 0x7e, 0x40: out.unicodeScalars.append(Unicode.Scalar(b))
                default: out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 15, radix: 16, uppercase: true)
                }
            }
            return out
        }
        return "otpauth://totp/" + escape(issuer) + ":" + escape(account) + "?secret=" + Base32.encode(secret)
            + "&issuer=" + escape(issuer) + "&algorithm=" + algorithm.rawValue + "&digits=\(digits)&period=\(period)"
    }
}

/// RFC 4648 base32 without padding (what authenticator apps read), and back.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Case-insensitive; spaces and `=` padding are ignored; nil on any other character.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 where c != 0x20 && c != 0x3d {
            let upper = (c >= 0x61 && c <= 0x7a) ? c - 32 : c
            guard let value = alphabet.firstIndex(of: upper) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits - 8)))
                bits -= 8
            }
        }
        return out
    }
}
