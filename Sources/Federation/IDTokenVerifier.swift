import Crypto
import JSON

/// The verified claims of an upstream ID token (or of an Entra client assertion).
public struct VerifiedUpstreamToken: Sendable {
    /// The payload as read by the JSON room's strict reader (the same reader `IdentityMapping`
    /// reads `payloadJSON` with, so the checks and the mapping see the same claims).
    public let claims: JSONObject
    /// The payload's JSON text.
    public let payloadJSON: String

    public func string(_ name: String) -> String? { UpstreamJSON.string(claims, name) }
    public func strings(_ name: String) -> [String] { UpstreamJSON.strings(claims, name) }
    public func bool(_ name: String) -> Bool? { UpstreamJSON.bool(claims, name) }
    public var subject: String { string("sub") ?? "" }
}

/// Checks an upstream JWT: signature with the upstream JWKS (RS256/ES256 only; the key
/// re-fetched when its `kid` is new), `iss` (Entra's `{tenantid}` filled from `tid`, and `tid`
/// among the allowed tenants), `aud`, `exp`/`nbf`/`iat` with 2 minutes of skew, and `nonce`.
public struct IDTokenVerifier: Sendable {
    public let config: OAuthSourceConfig
    public let metadata: UpstreamMetadata
    public let keys: UpstreamKeys
    public static let allowedAlgorithms: [JWSAlgorithm] = [.rs256, .es256]
    public static let skewSeconds: Int64 = 120

    public init(config: OAuthSourceConfig, metadata: UpstreamMetadata, keys: UpstreamKeys) {
        self.config = config
        self.metadata = metadata
        self.keys = keys
    }

    /// `nonce` nil: no nonce check (client assertions carry none). `audiences`: the values
    /// accepted in `aud` (default: the source's client id).
    public func verify(_ compact: String, nonce: String?, audiences: [String]? = nil, now: Int64) throws(FederationError) -> VerifiedUpstreamToken {
        let parsed: JWS.Unverified
        do { parsed = try JWS.parse(compact) } catch { throw .invalidToken("not a JWS: \(error)") }
        guard let algorithm = JWSAlgorithm(rawValue: parsed.algorithm), Self.allowedAlgorithms.contains(algorithm) else {
            throw .invalidToken("algorithm \(parsed.algorithm) is not accepted")
        }
        guard let key = try keys.key(for: parsed.keyID) else { throw .badSignature }
        do {
            _ = try JWS.verify(parsed, key: key, allowed: Self.allowedAlgorithms)
        } catch {
            throw .badSignature
        }
        let claims = try UpstreamJSON.object(parsed.payloadJSON, what: "the payload", or: FederationError.invalidToken)
        let token = VerifiedUpstreamToken(claims: claims, payloadJSON: String(decoding: parsed.payloadJSON, as: UTF8.self))

        // Tenant before issuer: a wrong tenant is its own failure, not a bad issuer.
        let tid = token.string("tid")
        if config.providerType == .entraID, !config.allows(tenant: tid) { throw .wrongTenant(tid ?? "(none)") }
        guard let expectedIssuer = metadata.expectedIssuer(tid: tid), token.string("iss") == expectedIssuer else {
            throw .invalidToken("unexpected issuer")
        }
        let wanted = audiences ?? [config.clientID]
        let presented = token.strings("aud")
        guard presented.contains(where: wanted.contains) else { throw .invalidToken("the token is for another audience") }
        if presented.count > 1, let azp = token.string("azp"), azp != config.clientID, audiences == nil {
            throw .invalidToken("azp names another client")
        }
        guard let exp = UpstreamJSON.seconds(claims, "exp") else { throw .invalidToken("exp is missing") }
        guard now < exp + Self.skewSeconds else { throw .expiredToken }
        if let nbf = UpstreamJSON.seconds(claims, "nbf"), nbf > now + Self.skewSeconds { throw .expiredToken }
        if let iat = UpstreamJSON.seconds(claims, "iat"), iat > now + Self.skewSeconds { throw .expiredToken }
        guard !token.subject.isEmpty else { throw .invalidToken("sub is missing") }
        if let nonce {
            guard let presented = token.string("nonce"),
                  Digest.sha256(presented) == Digest.sha256(nonce) else { throw .nonceMismatch }
        }
        return token
    }
}
