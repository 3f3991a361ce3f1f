/// String literals for the writer. Escaped: `"`, `\`, control characters (as `\n`, `\r`,
/// `\t` or `\u00XX`), DEL and U+2028/U+2029 (so the text is also a valid JavaScript literal
/// and one line of a log); with `html`, also `<`, `>`, `&` and `'`. Everything else, non-ASCII
/// included, is copied as UTF-8.
enum JSONEscaper {
    static func appendQuoted(_ string: String, html: Bool, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { append($0, html: html, to: &out) }
        if done == nil {
            var copy = string
            copy.withUTF8 { append($0, html: html, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Copies `text` to `out`, escaping as it goes. Runs without a byte worth a second look
    /// are found eight bytes at a time and copied whole.
    private static func append(_ text: UnsafeBufferPointer<UInt8>, html: Bool, to out: inout [UInt8]) {
        var runStart = 0
        var at = 0
        while true {
            at = firstCandidate(in: text, from: at, html: html)
            guard at < text.count else { break }
            let byte = text[at]
            var length = 1
            let escape: StaticString
            switch byte {
            case UInt8(ascii: "\""): escape = "\\\""
            case UInt8(ascii: "\\"): escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0xE2:
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9; other E2 sequences stay.
                guard at + 2 < text.count, text[at + 1] == 0x80, text[at + 2] == 0xA8 || text[at + 2] == 0xA9 else {
                    at += 1
                    continue
                }
                escape = text[at + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                length = 3
            default:
                // The remaining candidates: control characters, DEL, and the HTML characters
                // (only candidates when `html` is set).
                escape = ""
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<at]))
            if escape.utf8CodeUnitCount > 0 {
                out.append(contentsOf: UnsafeBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount))
            } else {
                appendUnicodeEscape(byte, to: &out)
            }
            at += length
            runStart = at
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<text.count]))
    }

    /// `\u00XX` in lower-case hex.
    private static func appendUnicodeEscape(_ byte: UInt8, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        let digits = UnsafeBufferPointer(start: hex.utf8Start, count: 16)
        out.append(contentsOf: "\\u00".utf8)
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }

    // MARK: - finding candidates

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The first byte at or after `from` that may need escaping (a control character, `"`,
    /// `\`, DEL, 0xE2, and with `html` `<>&'`), or `text.count`.
    private static func firstCandidate(in text: UnsafeBufferPointer<UInt8>, from: Int, html: Bool) -> Int {
        var at = from
        if let base = text.baseAddress {
            let raw = UnsafeRawPointer(base)
            while at + 8 <= text.count {
                let word = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                if hasCandidate(word, html: html) { break }
                at += 8
            }
        }
        while at < text.count {
            if isCandidate(text[at], html: html) { return at }
            at += 1
        }
        return text.count
    }

    private static func isCandidate(_ byte: UInt8, html: Bool) -> Bool {
        switch byte {
        case 0..<0x20, UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x7F, 0xE2: return true
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "'"): return html
        default: return false
        }
    }

    /// Whether any of the word's eight bytes is a candidate. Each test is exact as a yes/no
    /// (the classic "has a zero byte" trick: borrows only flag bytes above a real match).
    @inline(__always)
    private static func hasCandidate(_ word: UInt64, html: Bool) -> Bool {
        let below0x20 = (word &- ones &* 0x20) & ~word & highBits
        var found = below0x20 | equal(word, UInt8(ascii: "\"")) | equal(word, UInt8(ascii: "\\"))
            | equal(word, 0x7F) | equal(word, 0xE2)
        if html {
            found |= equal(word, UInt8(ascii: "<")) | equal(word, UInt8(ascii: ">"))
                | equal(word, UInt8(ascii: "&")) | equal(word, UInt8(ascii: "'"))
        }
        return found != 0
    }

    /// High bit set in (at least) one byte when some byte of `word` equals `byte`.
    @inline(__always)
    private static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & highBits
    }
}
