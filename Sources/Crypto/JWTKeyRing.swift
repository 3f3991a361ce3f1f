// The contract between the OIDC endpoints and the server's signing keys. The implementation
// (keys generated at first start, sealed in PostgreSQL, rotated with `gatehouse keys rotate`)
// lives in the App room; the OIDC room only signs and verifies through this protocol.

/// The JWS algorithms Gatehouse signs with. Nothing else is ever accepted when verifying our
/// own tokens (no `none`, no HS*).
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable {
    case rs256 = "RS256"
    case es256 = "ES256"
}

/// A JWS whose signature checked out: the decoded protected header and payload (JSON bytes).
public struct VerifiedJWS: Sendable, Hashable {
    public let algorithm: JWSAlgorithm
    public let keyID: String
    /// The `typ` header, if any (e.g. "at+jwt", "JWT").
    public let type: String?
    public let headerJSON: [UInt8]
    public let payloadJSON: [UInt8]
    public init(algorithm: JWSAlgorithm, keyID: String, type: String?, headerJSON: [UInt8], payloadJSON: [UInt8]) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.type = type
        self.headerJSON = headerJSON
        self.payloadJSON = payloadJSON
    }
}

public enum JOSEError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not three base64url parts, bad JSON header, and the like.
    case malformed(String)
    /// `alg` missing, `none`, HS*, or not the algorithm of the key named by `kid`.
    case algorithmNotAllowed(String)
    case unknownKey(String)
    case badSignature
    /// Key generation, import or signing failed inside OpenSSL.
    case crypto(String)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed JWS: \(why)"
        case .algorithmNotAllowed(let alg): return "algorithm not allowed: \(alg)"
        case .unknownKey(let kid): return "unknown key id \(kid)"
        case .badSignature: return "signature does not verify"
        case .crypto(let why): return "crypto failure: \(why)"
        }
    }
}

/// Our own signing keys: the current key for each algorithm, plus retired keys that still
/// verify (and stay in the JWKS) until every token they signed has expired.
public protocol JWTKeyRing: Sendable {
    /// A compact JWS over `payloadJSON` with the current key for `algorithm`. The protected
    /// header is `{"alg":…,"kid":…,"typ":type}` (`typ` left out when nil).
    func sign(payloadJSON: [UInt8], algorithm: JWSAlgorithm, type: String?) throws(JOSEError) -> String
    /// Checks a compact JWS against the key its `kid` names (current or retained) and that
    /// key's algorithm only.
    func verify(_ compact: String) throws(JOSEError) -> VerifiedJWS
    /// The JWK Set document (`{"keys":[…]}`) with every public key that may still verify.
    func jwksJSON() -> [UInt8]
    /// The same, limited to the keys of one algorithm: what an application signed with that
    /// algorithm publishes (the key pairs are the server's, shared by every application).
    func jwksJSON(for algorithm: JWSAlgorithm) -> [UInt8]
}
