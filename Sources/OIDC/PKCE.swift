import Crypto

/// Proof Key for Code Exchange (RFC 7636).
enum PKCE {
    /// code-verifier / code-challenge = 43*128unreserved (§4.1, §4.2).
    static func isWellFormed(_ value: String) -> Bool {
        let bytes = value.utf8
        guard (43...128).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "~")
        }
    }

    /// §4.6: S256 compares BASE64URL(SHA256(verifier)) with the challenge; plain compares as is.
    static func verify(verifier: String, challenge: String, method: String) -> Bool {
        let computed: String
        switch method {
        case "S256": computed = Base64URL.encode(Digest.sha256(verifier))
        case "plain": computed = verifier
        default: return false
        }
        return constantTimeEquals(Array(computed.utf8), Array(challenge.utf8))
    }
}
