import Crypto
import JSON
import Store

/// What a token response carries (RFC 6749 §5.1, OIDC Core §3.1.3.3).
struct IssuedTokens: Sendable {
    var accessToken: String
    var expiresIn: Int
    var scopes: [String]
    var idToken: String?
    var refreshToken: String?

    var json: JSONValue {
        var body: JSONObject = [
            "access_token": .string(accessToken),
            "token_type": .string("Bearer"),
            "expires_in": .int(Int64(expiresIn)),
            "scope": .string(scopes.joined(separator: " ")),
        ]
        if let idToken { body["id_token"] = .string(idToken) }
        if let refreshToken { body["refresh_token"] = .string(refreshToken) }
        return .object(body)
    }
}

/// Who and how: what every token of one grant shares.
struct GrantContext: Sendable {
    let grantID: String
    let client: OAuthClient
    let user: User
    let scopes: [String]
    let authTime: Timestamp
    let authMethods: [String]
    let acr: String?
    let sessionID: String?
    let nonce: String?
}

/// Signs access tokens (RFC 9068 JWTs) and ID tokens, and mints refresh tokens.
struct TokenIssuer: Sendable {
    let provider: OIDCProvider

    /// acr values: one factor, or more than one.
    static let acrSingleFactor = "urn:gatehouse:acr:1fa"
    static let acrMultiFactor = "urn:gatehouse:acr:mfa"

    /// The user's id, sealed: the `sub` may be a per-client hash that cannot be turned back
    /// into a user, and the plain id would let applications correlate users behind it.
    static let userClaim = "gh_user"
    static let userClaimContext = "oidc/access-token/user"

    static func acr(for methods: [String]) -> String {
        methods.contains("mfa") || methods.contains("otp") || methods.contains("hwk") || methods.contains("swk")
            ? acrMultiFactor : acrSingleFactor
    }

    func algorithm(_ client: OAuthClient) -> JWSAlgorithm { JWSAlgorithm(rawValue: client.signingAlgorithm) ?? .rs256 }

    func issue(_ grant: GrantContext, withRefresh: Bool) throws -> IssuedTokens {
        let now = provider.clock()
        let iat = now.microsecondsSince1970 / 1_000_000
        guard let slug = grant.client.application?.slug else { throw OAuthError(.unauthorizedClient, "the client has no application") }
        let issuer = provider.issuer(slug: slug)
        let lifetime = grant.client.accessTokenLifetimeSeconds
        let subject = try ClaimsBuilder(provider: provider).subject(for: grant.user, client: grant.client)
        let jti = grant.grantID + "." + Base64URL.encode(SecureRandom.bytes(12))
        let acr = grant.acr ?? Self.acr(for: grant.authMethods)

        var access: JSONObject = [
            "iss": .string(issuer),
            "sub": .string(subject),
            "aud": .string(grant.client.clientID),
            "client_id": .string(grant.client.clientID),
            "iat": .int(iat),
            "exp": .int(iat + Int64(lifetime)),
            "jti": .string(jti),
            "scope": .string(grant.scopes.joined(separator: " ")),
            "auth_time": .int(grant.authTime.microsecondsSince1970 / 1_000_000),
            "acr": .string(acr),
            Self.userClaim: .string(provider.tokenSealer.seal(grant.user.id.rawValue, context: Self.userClaimContext)),
        ]
        if !grant.authMethods.isEmpty { access["amr"] = .strings(grant.authMethods) }
        if let sid = grant.sessionID { access["sid"] = .string(sid) }
        let accessToken = try sign(.object(access), grant.client, type: "at+jwt")

        var idToken: String?
        if grant.scopes.contains("openid") {
            var claims = try ClaimsBuilder(provider: provider).claims(user: grant.user, client: grant.client, scopes: grant.scopes)
            claims["iss"] = .string(issuer)
            claims["aud"] = .string(grant.client.clientID)
            claims["azp"] = .string(grant.client.clientID)
            claims["iat"] = .int(iat)
            claims["exp"] = .int(iat + Int64(lifetime))
            claims["auth_time"] = .int(grant.authTime.microsecondsSince1970 / 1_000_000)
            claims["acr"] = .string(acr)
            if !grant.authMethods.isEmpty { claims["amr"] = .strings(grant.authMethods) }
            if let nonce = grant.nonce { claims["nonce"] = .string(nonce) }
            if let sid = grant.sessionID { claims["sid"] = .string(sid) }
            // OIDC Core §3.1.3.6: left half of the hash of the access token's ASCII octets.
            claims["at_hash"] = .string(Base64URL.encode(Array(Digest.sha256(accessToken).prefix(16))))
            idToken = try sign(.object(claims), grant.client, type: "JWT")
        }

        var refreshToken: String?
        if withRefresh {
            let token = Base64URL.encode(SecureRandom.bytes(32))
            try provider.grants.storeRefreshToken(OAuthRefreshToken(
                tokenHash: Digest.sha256(token), grantID: grant.grantID, clientID: grant.client.clientID,
                userID: grant.user.id, scopes: grant.scopes, authTime: grant.authTime, authMethods: grant.authMethods,
                acr: grant.acr, sessionID: grant.sessionID,
                expiresAt: now.adding(seconds: Int64(grant.client.refreshTokenLifetimeSeconds))))
            refreshToken = token
        }
        return IssuedTokens(accessToken: accessToken, expiresIn: lifetime, scopes: grant.scopes, idToken: idToken,
                            refreshToken: refreshToken)
    }

    /// A replacement refresh token for rotation (stored by the caller through `rotateRefreshToken`).
    func replacementRefreshToken(for old: OAuthRefreshToken, client: OAuthClient) -> (token: String, record: OAuthRefreshToken) {
        let token = Base64URL.encode(SecureRandom.bytes(32))
        var record = old
        record.tokenHash = Digest.sha256(token)
        record.expiresAt = provider.clock().adding(seconds: Int64(client.refreshTokenLifetimeSeconds))
        return (token, record)
    }

    func sign(_ payload: JSONValue, _ client: OAuthClient, type: String) throws -> String {
        do {
            return try provider.keys.sign(payloadJSON: payload.bytes, algorithm: algorithm(client), type: type)
        } catch {
            provider.log("signing failed: \(error)")
            throw OAuthError(.serverError, "the token could not be signed")
        }
    }
}
