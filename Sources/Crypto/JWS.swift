import JSON

/// JWS compact serialization (RFC 7515) with RS256 and ES256 only.
///
/// Verification is strict: exactly three base64url parts without padding, a JSON object
/// header whose `alg` is in the caller's list AND is the algorithm of the key (so `none`,
/// HS256 keyed with a public key and every other confusion fail before any crypto runs), no
/// `crit`, and a signature of exactly the length the algorithm produces.
public enum JWS {
    /// Compact JWS tokens larger than this are refused unread.
    public static let maximumLength = 256 * 1024

    /// How deeply a JOSE document (header, JWK, JWK Set, clientDataJSON) may nest.
    static let maximumDepth = 32

    /// `bytes` as one JSON object, read strictly (RFC 8259): a duplicate member name is an
    /// error (RFC 7515 §5.2 allows rejecting it, and two readers can then never disagree about
    /// `alg`), as are a byte-order mark, trailing content, invalid UTF-8, lone surrogates and
    /// nesting deeper than `maximumDepth`. `what` names the document in the error.
    static func joseObject(_ bytes: [UInt8], what: String) throws(JOSEError) -> JSONObject {
        do {
            return try JSONObject(parsing: bytes, limits: JSONLimits(maxBytes: maximumLength, maxDepth: maximumDepth))
        } catch {
            if error.reason == .notAnObject { throw .malformed("\(what) is not a JSON object") }
            throw .malformed("\(what) is not valid JSON (\(error.reason.text))")
        }
    }

    /// Printable ASCII without `"` or `\`: safe inside a JSON string literal unescaped (what
    /// may go into a header we write by hand).
    static func isPlain(_ string: String) -> Bool {
        !string.isEmpty && string.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }

    /// `base64url(header).base64url(payload).base64url(signature)` with the protected header
    /// `{"alg":…,"kid":…,"typ":…}` (`typ` left out when nil). `type` must be plain printable
    /// ASCII without quotes or backslashes (it is a media type such as "JWT" or "at+jwt").
    public static func sign(payloadJSON: [UInt8], key: SigningKey, type: String? = nil) throws(JOSEError) -> String {
        var header = "{\"alg\":\"\(key.algorithm.rawValue)\",\"kid\":\"\(key.kid)\""
        if let type {
            guard isPlain(type) else { throw .malformed("typ must be plain printable ASCII") }
            header += ",\"typ\":\"\(type)\""
        }
        header += "}"
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payloadJSON)
        let signature = try key.sign(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The decoded parts of a compact JWS before its signature is checked: for picking the key
    /// by `kid`. Nothing in it is trustworthy until `verify` says so.
    public struct Unverified: Sendable {
        public let algorithm: String
        public let keyID: String?
        public let type: String?
        public let headerJSON: [UInt8]
        public let payloadJSON: [UInt8]
        public let signature: [UInt8]
        /// The ASCII bytes of `header.payload`, which the signature covers.
        let signingInput: [UInt8]
    }

    /// Splits and decodes `compact`, checking its form and header but not its signature.
    public static func parse(_ compact: String) throws(JOSEError) -> Unverified {
        let bytes = Array(compact.utf8)
        guard bytes.count <= maximumLength else { throw .malformed("longer than \(maximumLength) bytes") }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("not three dot-separated parts") }
        guard let headerJSON = Base64URL.decode(String(decoding: parts[0], as: UTF8.self)), !headerJSON.isEmpty
        else { throw .malformed("header is not base64url") }
        guard let payloadJSON = Base64URL.decode(String(decoding: parts[1], as: UTF8.self))
        else { throw .malformed("payload is not base64url") }
        guard let signature = Base64URL.decode(String(decoding: parts[2], as: UTF8.self)), !signature.isEmpty
        else { throw .malformed("signature is missing or not base64url") }
        let header = try joseObject(headerJSON, what: "header")
        guard let alg = header["alg"] else { throw .algorithmNotAllowed("(missing)") }
        guard case .string(let algorithm) = alg else { throw .malformed("alg is not a string") }
        // We understand no extension header: RFC 7515 §4.1.11 says reject.
        if header["crit"] != nil { throw .malformed("crit header present") }
        func optionalString(_ name: String) throws(JOSEError) -> String? {
            switch header[name] {
            case nil: return nil
            case .string(let text)?: return text
            default: throw .malformed("\(name) is not a string")
            }
        }
        let keyID = try optionalString("kid")
        let type = try optionalString("typ")
        return Unverified(algorithm: algorithm, keyID: keyID, type: type,
                          headerJSON: headerJSON, payloadJSON: payloadJSON, signature: signature,
                          signingInput: Array(bytes[..<(parts[0].count + 1 + parts[1].count)]))
    }

    /// Verifies `compact` with `key`. `allowed` is the caller's policy (e.g. `[.rs256]` for an
    /// upstream provider); the header's `alg` must be in it and be the key's own algorithm.
    public static func verify(_ compact: String, key: PublicKey, allowed: [JWSAlgorithm]) throws(JOSEError) -> VerifiedJWS {
        try verify(try parse(compact), key: key, allowed: allowed)
    }

    /// `verify` for a token already parsed (to look its key up by `kid`).
    public static func verify(_ token: Unverified, key: PublicKey, allowed: [JWSAlgorithm]) throws(JOSEError) -> VerifiedJWS {
        guard let algorithm = JWSAlgorithm(rawValue: token.algorithm), allowed.contains(algorithm),
              algorithm == key.algorithm
        else { throw .algorithmNotAllowed(token.algorithm) }
        guard key.isValidSignature(token.signature, for: token.signingInput, algorithm: algorithm) else {
            throw .badSignature
        }
        return VerifiedJWS(algorithm: algorithm, keyID: token.keyID ?? "", type: token.type,
                           headerJSON: token.headerJSON, payloadJSON: token.payloadJSON)
    }
}
