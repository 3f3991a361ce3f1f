import COpenSSL
import JSON
internal import CGatehouseShims

/// Owns one EVP_PKEY. OpenSSL 3 keys may be shared between threads as long as nobody changes
/// them; we only ever sign and verify with them, each call with its own EVP_MD_CTX.
final class OwnedPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

/// A public key for verifying JWS signatures: one of ours (from a `SigningKey`) or one read
/// from a JWK (RFC 7517), e.g. an upstream provider's. Only RSA of at least 2048 bits (for
/// RS256) and EC P-256 (for ES256) are accepted.
public struct PublicKey: Sendable {
    public enum KeyType: Sendable, Hashable {
        case rsa(bits: Int)
        case ecP256
    }

    /// Smallest RSA modulus accepted, and the largest (OpenSSL's own verification ceiling).
    public static let minimumRSABits = 2048
    public static let maximumRSABits = 16384

    let key: OwnedPKey
    public let keyType: KeyType
    /// The only algorithm this key verifies: RS256 for RSA, ES256 for P-256.
    public let algorithm: JWSAlgorithm
    /// `kid` as the JWK gave it (nil when it had none); our own keys use their thumbprint.
    public let keyID: String?
    /// The RFC 7638 JWK thumbprint: base64url(SHA-256(canonical JWK)).
    public let thumbprint: String
    /// The required public members as base64url, in RFC 7638 order (RSA: e, n; EC: x, y).
    let members: [(String, String)]

    /// From an EVP_PKEY we now own (freed when the last copy goes).
    init(taking pointer: OpaquePointer, keyID: String? = nil) throws(JOSEError) {
        let key = OwnedPKey(pointer)
        if EVP_PKEY_is_a(pointer, "RSA") == 1 {
            let bits = Int(EVP_PKEY_get_bits(pointer))
            guard bits >= Self.minimumRSABits, bits <= Self.maximumRSABits else {
                throw .crypto("RSA key of \(bits) bits (need \(Self.minimumRSABits)–\(Self.maximumRSABits))")
            }
            var n = [UInt8](repeating: 0, count: Self.maximumRSABits / 8)
            var e = [UInt8](repeating: 0, count: 64)
            var nLength = 0
            var eLength = 0
            guard gh_jose_rsa_public_numbers(pointer, &n, n.count, &nLength, &e, e.count, &eLength) == 1 else {
                throw .crypto("cannot read the RSA public numbers")
            }
            keyType = .rsa(bits: bits)
            algorithm = .rs256
            members = [("e", Base64URL.encode(Array(e.prefix(eLength)))), ("kty", "RSA"),
                       ("n", Base64URL.encode(Array(n.prefix(nLength))))]
        } else if gh_jose_is_p256(pointer) == 1 {
            var x = [UInt8](repeating: 0, count: 32)
            var y = [UInt8](repeating: 0, count: 32)
            guard gh_jose_p256_public_xy(pointer, &x, &y) == 1 else { throw .crypto("cannot read the EC public point") }
            keyType = .ecP256
            algorithm = .es256
            members = [("crv", "P-256"), ("kty", "EC"), ("x", Base64URL.encode(x)), ("y", Base64URL.encode(y))]
        } else {
            throw .crypto("unsupported key type (only RSA and EC P-256)")
        }
        self.key = key
        self.keyID = keyID
        let canonical = "{" + members.map { "\"\($0.0)\":\"\($0.1)\"" }.joined(separator: ",") + "}"
        thumbprint = Base64URL.encode(Digest.sha256(canonical))
    }

    /// From a parsed JWK object (e.g. one entry of an upstream JWKS). Refuses private keys,
    /// keys marked for encryption, an `alg` other than the one the key type allows, RSA keys
    /// under 2048 bits and EC points that are not on P-256.
    public init(jwk: JSONObject) throws(JOSEError) {
        func member(_ name: String) throws(JOSEError) -> String? {
            switch jwk[name] {
            case nil: return nil
            case .string(let text)?: return text
            default: throw .malformed("JWK member \(name) is not a string")
            }
        }
        func bytes(_ name: String) throws(JOSEError) -> [UInt8] {
            guard let text = try member(name) else { throw .malformed("JWK lacks \(name)") }
            guard let bytes = Base64URL.decode(text), !bytes.isEmpty else { throw .malformed("JWK member \(name) is not base64url") }
            return bytes
        }
        if jwk["d"] != nil { throw .malformed("JWK holds a private key") }
        if let use = try member("use"), use != "sig" { throw .malformed("JWK use is \(use), not sig") }
        let kid = try member("kid")
        let pointer: OpaquePointer?
        switch try member("kty") {
        case "RSA":
            var n = try bytes("n")
            var e = try bytes("e")
            // Base64urlUInt should be minimal; a leading zero octet is harmless, so drop it.
            while n.count > 1 && n[0] == 0 { n.removeFirst() }
            while e.count > 1 && e[0] == 0 { e.removeFirst() }
            guard n.count <= Self.maximumRSABits / 8, e.count <= 8 else { throw .malformed("RSA JWK numbers too large") }
            // An even or tiny exponent is no RSA key (e = 1 would make every "signature" valid).
            guard let last = e.last, last & 1 == 1, e.count > 1 || last >= 3
            else { throw .malformed("RSA JWK exponent is not an odd number of at least 3") }
            guard n.count * 8 >= Self.minimumRSABits else { throw .crypto("RSA key under \(Self.minimumRSABits) bits") }
            pointer = gh_jose_rsa_public_key(n, n.count, e, e.count)
        case "EC":
            guard try member("crv") == "P-256" else { throw .malformed("EC JWK curve is not P-256") }
            let x = try bytes("x")
            let y = try bytes("y")
            guard x.count == 32, y.count == 32 else { throw .malformed("P-256 coordinates must be 32 bytes") }
            pointer = gh_jose_p256_public_key(x, y)
        case let other:
            throw .malformed("unsupported JWK kty \(other ?? "(missing)")")
        }
        guard let pointer else { throw .crypto("OpenSSL refused the JWK's public key") }
        try self.init(taking: pointer, keyID: kid)
        if let alg = try member("alg"), alg != algorithm.rawValue { throw .algorithmNotAllowed(alg) }
    }

    /// From the JSON text of one JWK.
    public init(jwkJSON: [UInt8]) throws(JOSEError) {
        try self.init(jwk: try JWS.joseObject(jwkJSON, what: "JWK"))
    }

    /// The usable keys of a JWK Set document (`{"keys":[…]}`), e.g. an upstream provider's:
    /// entries that are not RSA ≥ 2048 or P-256 signature keys are skipped, not fatal. Throws
    /// only when the document itself is not a JWK Set.
    public static func keySet(jwksJSON: [UInt8]) throws(JOSEError) -> [PublicKey] {
        let document = try JWS.joseObject(jwksJSON, what: "JWK Set")
        guard case .array(let entries)? = document["keys"] else { throw .malformed("JWK Set has no keys array") }
        var keys: [PublicKey] = []
        for case .object(let members) in entries {
            if let key = try? PublicKey(jwk: members) { keys.append(key) }
        }
        return keys
    }

    /// The public JWK as JSON: the key members, then `kid`, `alg` and `use: "sig"`. Every value
    /// is base64url or a fixed name, so no escaping is needed (the kid is the thumbprint unless
    /// the key came with a kid of plain characters).
    public func jwkJSON(keyID: String? = nil) -> String {
        let kid = keyID ?? self.keyID ?? thumbprint
        var fields = members.map { "\"\($0.0)\":\"\($0.1)\"" }
        if JWS.isPlain(kid) { fields.append("\"kid\":\"\(kid)\"") }
        fields.append("\"alg\":\"\(algorithm.rawValue)\"")
        fields.append("\"use\":\"sig\"")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// True when `signature` (JOSE form: r||s for ES256) over `message` checks out with
    /// `algorithm`, which must be this key's algorithm.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8], algorithm: JWSAlgorithm) -> Bool {
        guard algorithm == self.algorithm else { return false }
        var signature = signature
        switch keyType {
        case .ecP256:
            guard signature.count == 64 else { return false }
            var der = [UInt8](repeating: 0, count: 80)
            let length = gh_jose_ecdsa_raw_to_der(signature, &der, der.count)
            guard length > 0 else { return false }
            signature = Array(der.prefix(length))
        case .rsa(let bits):
            guard signature.count == (bits + 7) / 8 else { return false }
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key.pointer) == 1 else { return false }
        let result = signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in
                EVP_DigestVerify(context, s.baseAddress, s.count, m.baseAddress, m.count)
            }
        }
        ERR_clear_error()
        return result == 1
    }
}

/// A private signing key of ours. Generated in process, stored as sealed PKCS#8 PEM, loaded
/// once and kept in memory so signing needs no I/O.
public struct SigningKey: Sendable {
    public static let rsaBits = 2048

    let key: OwnedPKey
    public let algorithm: JWSAlgorithm
    public let publicKey: PublicKey

    /// Our kid: the RFC 7638 thumbprint of the public key.
    public var kid: String { publicKey.thumbprint }
    /// The public JWK as JSON (`kty`…, `kid`, `alg`, `use`).
    public var publicJWK: String { publicKey.jwkJSON(keyID: kid) }

    init(taking pointer: OpaquePointer, algorithm: JWSAlgorithm) throws(JOSEError) {
        let key = OwnedPKey(pointer)
        // A second reference for the public half, so both structs own their EVP_PKEY.
        guard EVP_PKEY_up_ref(pointer) == 1 else { throw .crypto("EVP_PKEY_up_ref failed") }
        let publicKey = try PublicKey(taking: pointer)
        guard publicKey.algorithm == algorithm else {
            throw .algorithmNotAllowed("\(algorithm.rawValue) with a \(publicKey.algorithm.rawValue) key")
        }
        self.key = key
        self.algorithm = algorithm
        self.publicKey = publicKey
    }

    /// A fresh key: RSA-2048 for RS256, P-256 for ES256.
    public static func generate(_ algorithm: JWSAlgorithm) throws(JOSEError) -> SigningKey {
        let pointer: OpaquePointer?
        switch algorithm {
        case .rs256: pointer = gh_jose_generate_rsa(UInt32(rsaBits))
        case .es256: pointer = gh_jose_generate_p256()
        }
        guard let pointer else {
            ERR_clear_error()
            throw .crypto("key generation failed for \(algorithm.rawValue)")
        }
        return try SigningKey(taking: pointer, algorithm: algorithm)
    }

    /// Reads an unencrypted PKCS#8 (or traditional) PEM private key; it must suit `algorithm`.
    public init(pem: String, algorithm: JWSAlgorithm) throws(JOSEError) {
        let bytes = Array(pem.utf8)
        guard let pointer = bytes.withUnsafeBufferPointer({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { gh_jose_private_key_from_pem($0.baseAddress, $0.count) }
        }) else {
            ERR_clear_error()
            throw .crypto("not a readable PEM private key")
        }
        try self.init(taking: pointer, algorithm: algorithm)
    }

    /// The private key as unencrypted PKCS#8 PEM, for sealing. Treat it as the secret it is.
    public func pkcs8PEM() throws(JOSEError) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        var length = gh_jose_private_key_pem(key.pointer, &buffer, buffer.count)
        if length > buffer.count {
            buffer = [CChar](repeating: 0, count: length)
            length = gh_jose_private_key_pem(key.pointer, &buffer, buffer.count)
        }
        defer { for i in buffer.indices { buffer[i] = 0 } }
        guard length > 0, length <= buffer.count else { throw .crypto("cannot write the private key as PEM") }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The JOSE signature over `message`: RSASSA-PKCS1-v1_5 SHA-256 for RS256, the 64-byte
    /// r||s for ES256 (RFC 7518 §3.4).
    public func sign(_ message: [UInt8]) throws(JOSEError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .crypto("EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        var length = 0
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key.pointer) == 1,
              EVP_DigestSign(context, nil, &length, message, message.count) == 1, length > 0
        else {
            ERR_clear_error()
            throw .crypto("signing setup failed")
        }
        var signature = [UInt8](repeating: 0, count: length)
        let ok = message.withUnsafeBufferPointer { m in
            EVP_DigestSign(context, &signature, &length, m.baseAddress, m.count)
        }
        guard ok == 1 else {
            ERR_clear_error()
            throw .crypto("signing failed")
        }
        signature.removeLast(signature.count - length)
        guard algorithm == .es256 else { return signature }
        var raw = [UInt8](repeating: 0, count: 64)
        guard gh_jose_ecdsa_der_to_raw(signature, signature.count, &raw) == 1 else {
            throw .crypto("unexpected ECDSA signature encoding")
        }
        return raw
    }
}

extension SigningKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The kid and algorithm only; key material never reaches logs or dumps.
    public var description: String { "SigningKey(\(algorithm.rawValue), kid: \(kid))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["algorithm": algorithm.rawValue, "kid": kid]) }
}
