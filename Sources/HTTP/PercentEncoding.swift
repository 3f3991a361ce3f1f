/// Percent-encoding (RFC 3986 §2.1): the one encoder and decoder every room uses.
public enum PercentEncoding {
    /// Encodes every byte but RFC 3986's unreserved characters (ALPHA DIGIT - . _ ~) and the
    /// ASCII characters in `keeping` (e.g. "/" to keep a local path readable in a query value):
    /// safe for a query value, a form value or a URL's user-info.
    public static func encode(_ text: String, keeping: String = "") -> String {
        let kept = Array(keeping.utf8)
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                if byte < 0x80, kept.contains(byte) {
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    out.unicodeScalars.append("%")
                    out.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                    out.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
                }
            }
        }
        return out
    }

    /// `name=value&…` with both sides encoded (a query string or an
    /// application/x-www-form-urlencoded body).
    public static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// `%XX` for one byte.
    public static func escape(_ byte: UInt8) -> String {
        var out = "%"
        out.unicodeScalars.append(hexDigits[Int(byte >> 4)])
        out.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
        return out
    }

    /// Decodes `%XX` escapes (and `+` as a space when `plusAsSpace`, as forms and query
    /// strings use it). Nil when an escape is malformed or the result is not valid UTF-8.
    public static func decode<S: StringProtocol>(_ text: S, plusAsSpace: Bool) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "%")) || (plusAsSpace && bytes.contains(UInt8(ascii: "+"))) else {
            return String(text)
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) else { return nil }
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(byte == UInt8(ascii: "+") && plusAsSpace ? UInt8(ascii: " ") : byte)
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static let hexDigits: [Unicode.Scalar] = Array("0123456789ABCDEF".unicodeScalars)

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
