import JSON

/// A small seeded generator (SplitMix64), so a failing random test fails the same way again.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Scalars that stress the writer and the reader: escapes, multi-byte forms, the E2
    /// lead byte of U+2028, combining marks (canonical equivalence), HTML characters.
    static let interestingScalars: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "~", "/", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{8}", "\u{C}", "\u{1F}", "\u{7F}", "\u{80}",
        "é", "e", "\u{301}", "ก", "\u{E31}", "€", "…", "\u{2027}", "\u{2028}", "\u{2029}", "\u{202A}", "\u{FEFF}", "\u{FFFF}",
        "😀", "\u{10FFFF}", "<", ">", "&", "'",
    ]

    mutating func string(maxLength: Int) -> String {
        let length = Int.random(in: 0...maxLength, using: &self)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            if Bool.random(using: &self) {
                scalars.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &self)))
            } else {
                scalars.append(Self.interestingScalars.randomElement(using: &self)!)
            }
        }
        return String(scalars)
    }
}
