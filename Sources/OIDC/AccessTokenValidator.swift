import Crypto
import JSON
import Store

/// A bearer access token that checked out.
struct ValidAccessToken: Sendable {
    let claims: JSONObject
    let client: OAuthClient
    let user: User
    let scopes: [String]
    let jti: String
    let grantID: String
    let expiresAt: Int64
}

/// Checks one of our RFC 9068 access tokens: our key and its algorithm only (so `alg: none`
/// and HS256-keyed-with-our-public-key fail in the key ring), `typ: at+jwt`, our issuer, not
/// expired, client still there, grant and token not revoked, user still active.
struct AccessTokenValidator: Sendable {
    let provider: OIDCProvider

    /// Verified signature and claims, without the store checks (revocation also uses this).
    func verifiedClaims(_ token: String, allowExpired: Bool = false) throws(OAuthError) -> JSONObject {
        guard token.utf8.count <= 8192 else { throw OAuthError(.invalidToken, "the token is too long") }
        let verified: VerifiedJWS
        do {
            verified = try provider.keys.verify(token)
        } catch {
            throw OAuthError(.invalidToken, "the token is not one this server signed")
        }
        guard verified.type?.lowercased() == "at+jwt" || verified.type?.lowercased() == "application/at+jwt" else {
            throw OAuthError(.invalidToken, "not an access token")
        }
        guard let claims = try? JSONObject(parsing: verified.payloadJSON) else {
            throw OAuthError(.invalidToken, "the token's claims are not a JSON object")
        }
        guard let iss = claims["iss"]?.stringValue, iss.hasPrefix(provider.externalURL + "/application/o/") else {
            throw OAuthError(.invalidToken, "the token was issued by someone else")
        }
        guard let exp = claims["exp"]?.int64Value else { throw OAuthError(.invalidToken, "the token has no expiry") }
        if !allowExpired, exp <= provider.clock().microsecondsSince1970 / 1_000_000 {
            throw OAuthError(.invalidToken, "the token has expired")
        }
        return claims
    }

    func validate(_ token: String) throws -> ValidAccessToken {
        let claims = try verifiedClaims(token)
        guard let clientID = claims["client_id"]?.stringValue, let jti = claims["jti"]?.stringValue,
              let sub = claims["sub"]?.stringValue, let exp = claims["exp"]?.int64Value else {
            throw OAuthError(.invalidToken, "the token lacks required claims")
        }
        let grantID = String(jti.split(separator: ".", maxSplits: 1).first ?? "")
        guard let client = try provider.clients.client(clientID: clientID), let slug = client.application?.slug,
              claims["iss"]?.stringValue == provider.issuer(slug: slug) else {
            throw OAuthError(.invalidToken, "the token's client is gone")
        }
        guard try !provider.grants.isRevoked(grantID: grantID, jti: jti) else {
            throw OAuthError(.invalidToken, "the token was revoked")
        }
        guard let sealedUser = claims[TokenIssuer.userClaim]?.stringValue,
              let userIDText = try? provider.tokenSealer.openString(sealedUser, context: TokenIssuer.userClaimContext),
              let user = try provider.users.user(id: UserID(userIDText)), user.isActive,
              try ClaimsBuilder(provider: provider).subject(for: user, client: client) == sub else {
            throw OAuthError(.invalidToken, "the token's user is not active")
        }
        let scopes = (try? parseScopes(claims["scope"]?.stringValue)) ?? []
        return ValidAccessToken(claims: claims, client: client, user: user, scopes: scopes, jti: jti, grantID: grantID,
                                expiresAt: exp)
    }
}
