/// Base64 with the standard alphabet and padding (RFC 4648 §4), as PEM, XML Signature
/// (ds:X509Certificate, SignatureValue) and the SAML bindings use it.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict decoding: length a multiple of 4, padding only at the end, unused bits zero.
    /// With `ignoringWhitespace`, ASCII spaces, tabs, CR and LF are dropped first (PEM bodies
    /// and XML text wrap base64 in lines).
    public static func decode(_ string: String, ignoringWhitespace: Bool = false) -> [UInt8]? {
        var chars = Array(string.utf8)
        if ignoringWhitespace { chars.removeAll { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A } }
        guard chars.count % 4 == 0 else { return nil }
        var padding = 0
        if chars.last == UInt8(ascii: "=") {
            padding = chars[chars.count - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        var i = 0
        while i < chars.count {
            let last = i + 4 == chars.count
            var n: UInt32 = 0
            for j in 0..<4 {
                let c = chars[i + j]
                if last && j >= 4 - padding {
                    n <<= 6
                    continue
                }
                guard let v = value(c) else { return nil }
                n = n << 6 | UInt32(v)
            }
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            if !(last && padding == 2) { out.append(UInt8(truncatingIfNeeded: n >> 8)) }
            if !(last && padding >= 1) { out.append(UInt8(truncatingIfNeeded: n)) }
            // Leftover bits under the padding must be zero, or two strings decode alike.
            if last && padding == 2 && n & 0xFFFF != 0 { return nil }
            if last && padding == 1 && n & 0xFF != 0 { return nil }
            i += 4
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
