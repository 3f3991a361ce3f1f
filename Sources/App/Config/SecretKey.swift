import FoundationEssentials

/// The 32-byte master key that seals stored secrets. Its description never shows the key.
public struct SecretKey: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public var description: String { "<32-byte key, redacted>" }

    /// Lower-case hex, for writing a generated key into a file. Never log it.
    public var hexEncoded: String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// A fresh key from the system's secure random source.
    public static func generate() -> SecretKey {
        var generator = SystemRandomNumberGenerator()
        return SecretKey(bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })!
    }

    /// Accepts 64 hex characters, or base64 / base64url (padding optional) of exactly 32 bytes.
    /// Problems never include the value.
    static func parse(_ raw: String) throws(ValueProblem) -> SecretKey {
        let text = raw.trimmingWhitespace()
        if text.utf8.count == 64, text.allSatisfy(isASCIIHexDigit) {
            var bytes: [UInt8] = []
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                bytes.append(UInt8(text[index..<next], radix: 16)!)
                index = next
            }
            return SecretKey(bytes: bytes)!
        }
        var base64 = text.replacing("-", with: "+").replacing("_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else {
            throw ValueProblem("must be 32 bytes as 64 hex characters or base64 (value not shown); generate one with: openssl rand -hex 32")
        }
        guard let key = SecretKey(bytes: Array(data)) else {
            throw ValueProblem("must be exactly 32 bytes, got \(data.count) (value not shown); generate one with: openssl rand -hex 32")
        }
        return key
    }

    /// A comma-separated list of keys in the `parse` format (`GATEHOUSE_SECRET_KEY_PREVIOUS`).
    /// Problems name the entry by position, never its value.
    static func parseList(_ raw: String) throws(ValueProblem) -> [SecretKey] {
        var keys: [SecretKey] = []
        let entries = raw.split(separator: ",", omittingEmptySubsequences: false)
        for (index, entry) in entries.enumerated() {
            let text = String(entry).trimmingWhitespace()
            guard !text.isEmpty else { throw ValueProblem("entry \(index + 1) of \(entries.count) is empty") }
            let key: SecretKey
            do {
                key = try parse(text)
            } catch {
                throw ValueProblem("entry \(index + 1) of \(entries.count) \(error.message)")
            }
            if let earlier = keys.firstIndex(of: key) {
                throw ValueProblem("entry \(index + 1) repeats entry \(earlier + 1) (values not shown)")
            }
            keys.append(key)
        }
        return keys
    }
}
