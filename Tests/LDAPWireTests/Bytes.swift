import LDAPWire

/// Bytes from hex digits; spaces and newlines are ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8).filter { $0 != 0x20 && $0 != 0x0A }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { i in
        UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16)!
    }
}

/// The UTF-8 bytes of `text`, to write PDUs as `hex("04 03") + ascii("ada")`.
func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

func showHex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
}

/// Decodes and returns the error, or nil when decoding succeeded.
func decodeError(_ bytes: [UInt8], limits: LDAPLimits = .default) -> LDAPWireError? {
    do {
        _ = try LDAPMessage(decoding: bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// A SplitMix64 generator: seeded, so every run mutates the same way.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
