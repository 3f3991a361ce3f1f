import JSON

/// WebAuthn (Level 2) relying-party checks: registration with attestation `none`, assertions,
/// ES256 and RS256 credentials. Pure functions over the bytes the browser returns; the caller
/// keeps challenges single-use and stores credentials.
public enum WebAuthn {
    /// Who we are: the RP ID (our host name) and the origin browsers report (`https://id.example.com`).
    public struct RelyingParty: Sendable, Hashable {
        public var id: String
        public var origin: String
        public init(id: String, origin: String) {
            self.id = id
            self.origin = origin
        }
    }

    /// COSE algorithm identifiers we accept.
    public static let es256: Int64 = -7
    public static let rs256: Int64 = -257

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed(String)
        case wrongType
        case wrongChallenge
        case wrongOrigin(String)
        case wrongRelyingParty
        case userNotPresent
        case unsupportedAttestation(String)
        case unsupportedKey(String)
        case badSignature
        /// The counter did not grow: the authenticator may have been cloned.
        case signCountRegressed(stored: UInt32, received: UInt32)

        public var description: String {
            switch self {
            case .malformed(let why): "malformed: \(why)"
            case .wrongType: "the client data is for another ceremony"
            case .wrongChallenge: "the challenge does not match"
            case .wrongOrigin(let origin): "origin \(origin) is not ours"
            case .wrongRelyingParty: "the RP ID hash does not match"
            case .userNotPresent: "the user was not present"
            case .unsupportedAttestation(let fmt): "attestation format \(fmt) is not accepted (only none)"
            case .unsupportedKey(let why): "unsupported credential key: \(why)"
            case .badSignature: "the signature does not verify"
            case .signCountRegressed(let stored, let received): "signature counter went from \(stored) to \(received)"
            }
        }
    }

    /// A credential made at registration.
    public struct Credential: Sendable, Hashable {
        public var id: [UInt8]
        /// The credential public key as COSE (CBOR) bytes, as the authenticator sent it.
        public var publicKeyCOSE: [UInt8]
        public var algorithm: Int64
        public var signCount: UInt32

        public init(id: [UInt8], publicKeyCOSE: [UInt8], algorithm: Int64, signCount: UInt32) {
            self.id = id
            self.publicKeyCOSE = publicKeyCOSE
            self.algorithm = algorithm
            self.signCount = signCount
        }
    }

    /// Checks a `navigator.credentials.create()` response.
    public static func verifyRegistration(clientDataJSON: [UInt8], attestationObject: [UInt8], challenge: [UInt8],
                                          relyingParty: RelyingParty) throws(Failure) -> Credential {
        try checkClientData(clientDataJSON, type: "webauthn.create", challenge: challenge, relyingParty: relyingParty)
        let object: CBOR
        do { object = try CBOR.decode(attestationObject) } catch { throw .malformed(error.message) }
        guard case .text(let fmt)? = object["fmt"] else { throw .malformed("attestation object lacks fmt") }
        guard fmt == "none" else { throw .unsupportedAttestation(fmt) }
        guard case .map(let statement)? = object["attStmt"], statement.isEmpty else {
            throw .malformed("a none attestation has an empty attStmt")
        }
        guard case .bytes(let authData)? = object["authData"] else { throw .malformed("attestation object lacks authData") }
        let parsed = try AuthenticatorData(authData, relyingParty: relyingParty)
        guard parsed.flags & 0x40 != 0, let attested = parsed.attested else { throw .malformed("no attested credential data") }
        let key = try publicKey(cose: attested.publicKeyCOSE)
        return Credential(id: attested.credentialID, publicKeyCOSE: attested.publicKeyCOSE, algorithm: key.1,
                          signCount: parsed.signCount)
    }

    /// Checks a `navigator.credentials.get()` response for `credential`; returns the new
    /// signature counter to store. A counter that does not grow (when either is non-zero) is refused.
    public static func verifyAssertion(clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8],
                                       challenge: [UInt8], credential: Credential,
                                       relyingParty: RelyingParty) throws(Failure) -> UInt32 {
        try checkClientData(clientDataJSON, type: "webauthn.get", challenge: challenge, relyingParty: relyingParty)
        let parsed = try AuthenticatorData(authenticatorData, relyingParty: relyingParty)
        let (key, algorithm) = try publicKey(cose: credential.publicKeyCOSE)
        var raw = signature
        if algorithm == es256 { raw = try ecdsaRaw(fromDER: signature) }
        let message = authenticatorData + Digest.sha256(clientDataJSON)
        guard key.isValidSignature(raw, for: message, algorithm: algorithm == es256 ? .es256 : .rs256) else {
            throw .badSignature
        }
        if parsed.signCount != 0 || credential.signCount != 0, parsed.signCount <= credential.signCount {
            throw .signCountRegressed(stored: credential.signCount, received: parsed.signCount)
        }
        return parsed.signCount
    }

    // MARK: - pieces

    static func checkClientData(_ json: [UInt8], type: String, challenge: [UInt8],
                                relyingParty: RelyingParty) throws(Failure) {
        let members: JSONObject
        do { members = try JWS.joseObject(json, what: "clientDataJSON") } catch { throw .malformed("\(error)") }
        guard case .string(type)? = members["type"] else { throw .wrongType }
        guard case .string(let sent)? = members["challenge"], let bytes = Base64URL.decode(sent),
              constantTimeEquals(bytes, challenge) else { throw .wrongChallenge }
        guard case .string(let origin)? = members["origin"], origin == relyingParty.origin else {
            if case .string(let origin)? = members["origin"] { throw .wrongOrigin(origin) }
            throw .wrongOrigin("(none)")
        }
        if case .bool(true)? = members["crossOrigin"] { throw .wrongOrigin("cross-origin iframe") }
    }

    struct AuthenticatorData {
        let flags: UInt8
        let signCount: UInt32
        let attested: (credentialID: [UInt8], publicKeyCOSE: [UInt8])?

        init(_ data: [UInt8], relyingParty: RelyingParty) throws(Failure) {
            guard data.count >= 37 else { throw .malformed("authenticator data is too short") }
            guard constantTimeEquals(Array(data[0..<32]), Digest.sha256(relyingParty.id)) else { throw .wrongRelyingParty }
            flags = data[32]
            guard flags & 0x01 != 0 else { throw .userNotPresent }
            signCount = data[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
            guard flags & 0x40 != 0 else {
                attested = nil
                return
            }
            guard data.count >= 55 else { throw .malformed("attested credential data is too short") }
            let idLength = Int(data[53]) << 8 | Int(data[54])
            guard idLength > 0, idLength <= 1023, data.count >= 55 + idLength else { throw .malformed("bad credential id length") }
            let id = Array(data[55..<(55 + idLength)])
            let rest = Array(data[(55 + idLength)...])
            let used: Int
            do { (_, used) = try CBOR.decodePrefix(rest) } catch { throw .malformed("credential key: \(error.message)") }
            attested = (id, Array(rest.prefix(used)))
        }
    }

    /// The COSE key as a verifying key and its algorithm (ES256 on P-256, or RS256 ≥ 2048 bits).
    static func publicKey(cose: [UInt8]) throws(Failure) -> (PublicKey, Int64) {
        let key: CBOR
        do { key = try CBOR.decode(cose) } catch { throw .unsupportedKey(error.message) }
        guard case .int(let kty)? = key[1], case .int(let alg)? = key[3] else { throw .unsupportedKey("no kty or alg") }
        var jwk: JSONObject = [:]
        switch (kty, alg) {
        case (2, es256):
            guard case .int(1)? = key[-1], case .bytes(let x)? = key[-2], case .bytes(let y)? = key[-3] else {
                throw .unsupportedKey("EC2 key is not P-256 with x and y")
            }
            jwk = ["kty": "EC", "crv": "P-256", "x": .string(Base64URL.encode(x)), "y": .string(Base64URL.encode(y))]
        case (3, rs256):
            guard case .bytes(let n)? = key[-1], case .bytes(let e)? = key[-2] else { throw .unsupportedKey("RSA key lacks n or e") }
            jwk = ["kty": "RSA", "n": .string(Base64URL.encode(n)), "e": .string(Base64URL.encode(e))]
        default:
            throw .unsupportedKey("kty \(kty) with alg \(alg) (ES256 and RS256 only)")
        }
        do { return (try PublicKey(jwk: jwk), alg) } catch { throw .unsupportedKey("\(error)") }
    }

    /// DER `SEQUENCE { INTEGER r, INTEGER s }` to the 64-byte r||s JOSE uses.
    static func ecdsaRaw(fromDER der: [UInt8]) throws(Failure) -> [UInt8] {
        var index = 0
        func byte() throws(Failure) -> UInt8 {
            guard index < der.count else { throw .badSignature }
            defer { index += 1 }
            return der[index]
        }
        func integer() throws(Failure) -> [UInt8] {
            guard try byte() == 0x02 else { throw .badSignature }
            let length = Int(try byte())
            guard length >= 1, length <= 33, index + length <= der.count else { throw .badSignature }
            var value = Array(der[index..<(index + length)])
            index += length
            while value.count > 1 && value[0] == 0 { value.removeFirst() }
            guard value.count <= 32 else { throw .badSignature }
            return [UInt8](repeating: 0, count: 32 - value.count) + value
        }
        guard try byte() == 0x30 else { throw .badSignature }
        let total = Int(try byte())
        guard total == der.count - 2 else { throw .badSignature }
        let r = try integer(), s = try integer()
        guard index == der.count else { throw .badSignature }
        return r + s
    }
}
