import Crypto
import Foundation
import HTTP
import Store
import Web

/// `/application/o/token/`. The request is parsed once, the client authenticated once, and
/// only then is the grant dispatched, so no grant can skip client authentication.
struct TokenEndpoint: Sendable {
    let provider: OIDCProvider

    func handle(_ request: Request) throws -> Response {
        do {
            let parameters = try OAuthParameters.form(request)
            let grantType = try parameters.required("grant_type")
            let authenticated = try ClientAuthenticator(clients: provider.clients, assertions: provider.clientAssertions, log: provider.log)
                .authenticate(request, parameters)
            if authenticated.method == .federatedJWT, grantType != "client_credentials" {
                throw OAuthError(.unauthorizedClient, "a federated client assertion is accepted for client_credentials only")
            }
            let tokens: IssuedTokens
            switch grantType {
            case "authorization_code":
                tokens = try AuthorizationCodeGrant(provider: provider).exchange(parameters, authenticated.client)
            case "refresh_token":
                tokens = try RefreshTokenGrant(provider: provider).exchange(parameters, authenticated.client, request: request)
            case "client_credentials":
                tokens = try ClientCredentialsGrant(provider: provider).exchange(parameters, authenticated.client,
                                                                                 request: request)
            default:
                // RFC 9700 §2.4: no resource owner password credentials grant; no implicit grant.
                throw OAuthError(.unsupportedGrantType, "grant_type \(grantType) is not supported")
            }
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/json")
            headers.add("Cache-Control", "no-store")
            headers.add("Pragma", "no-cache")
            return Response(status: .ok, headers: headers, body: tokens.json.bytes)
        } catch let error as OAuthError {
            return error.tokenEndpointResponse()
        }
    }
}

/// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6).
struct AuthorizationCodeGrant: Sendable {
    let provider: OIDCProvider

    func exchange(_ parameters: OAuthParameters, _ client: OAuthClient) throws -> IssuedTokens {
        let code = try parameters.required("code")
        let redirectURI = try parameters.single("redirect_uri")
        let verifier = try parameters.single("code_verifier")
        guard code.utf8.count <= 256 else { throw OAuthError.invalidGrant("the code is not valid") }

        let redeemed: OAuthAuthorizationCode
        // The client is checked inside the redemption: a code presented by another client is
        // unknown to it, so it neither burns a fresh code nor revokes what a spent one issued.
        switch try provider.grants.redeemCode(hash: Digest.sha256(code), clientID: client.clientID, at: provider.clock()) {
        case .invalid:
            throw OAuthError.invalidGrant("the code is not valid or has expired")
        case .replayed(let grantID):
            // RFC 6749 §4.1.2: "If an authorization code is used more than once, the
            // authorization server MUST deny the request and SHOULD revoke (when possible) all
            // tokens previously issued based on that authorization code."
            try provider.grants.revokeGrant(grantID, until: provider.clock().adding(seconds: Int64(client.refreshTokenLifetimeSeconds)),
                                            at: provider.clock())
            throw OAuthError.invalidGrant("the code was already used; tokens issued from it are revoked")
        case .redeemed(let found):
            redeemed = found
        }
        guard redeemed.clientID == client.clientID else { throw OAuthError.invalidGrant("the code is not valid or has expired") }
        // RFC 6749 §4.1.3: redirect_uri must be identical when it was in the authorization request.
        guard redirectURI == redeemed.redirectURI else { throw OAuthError.invalidGrant("redirect_uri does not match the authorization request") }

        if let challenge = redeemed.codeChallenge, let method = redeemed.codeChallengeMethod {
            // Once a challenge was sent the verifier is required: no downgrade by leaving it out.
            guard let verifier else { throw OAuthError.invalidGrant("code_verifier is required for this code") }
            guard PKCE.isWellFormed(verifier), PKCE.verify(verifier: verifier, challenge: challenge, method: method) else {
                throw OAuthError.invalidGrant("code_verifier does not match the code_challenge")
            }
        } else if verifier != nil {
            // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is an attack sign.
            throw OAuthError.invalidGrant("code_verifier sent for a code issued without code_challenge")
        } else if client.clientType == .public {
            throw OAuthError.invalidGrant("public clients must use PKCE")
        }

        guard let user = try provider.users.user(id: redeemed.userID), user.isActive else {
            throw OAuthError.invalidGrant("the user is no longer active")
        }
        let grant = GrantContext(grantID: redeemed.grantID, client: client, user: user, scopes: redeemed.scopes,
                                 authTime: redeemed.authTime, authMethods: redeemed.authMethods, acr: redeemed.acr,
                                 sessionID: redeemed.sessionID, nonce: redeemed.nonce)
        return try TokenIssuer(provider: provider).issue(grant, withRefresh: redeemed.scopes.contains("offline_access"))
    }
}

/// RFC 6749 §6, rotating: every use spends the token and returns a new one; a spent token
/// presented again revokes its whole family (RFC 9700 §4.14.2).
struct RefreshTokenGrant: Sendable {
    let provider: OIDCProvider

    func exchange(_ parameters: OAuthParameters, _ client: OAuthClient, request: Request) throws -> IssuedTokens {
        let presented = try parameters.required("refresh_token")
        guard presented.utf8.count <= 256 else { throw OAuthError.invalidGrant("the refresh token is not valid") }
        let requestedScopes = try parseScopes(try parameters.single("scope"))
        let now = provider.clock()
        let hash = Digest.sha256(presented)
        let issuer = TokenIssuer(provider: provider)

        // Read first to build the replacement; the rotation itself is atomic and re-checks.
        var old = try provider.grants.refreshToken(hash: hash, at: now)
        if let found = old, found.clientID != client.clientID {
            throw OAuthError.invalidGrant("the refresh token is not valid, expired or revoked")
        }
        let template = old ?? OAuthRefreshToken(tokenHash: hash, grantID: "", clientID: client.clientID,
                                                  userID: UserID(""), scopes: [], authTime: now, authMethods: [], acr: nil,
                                                  sessionID: nil, expiresAt: now)
        var (token, replacement) = issuer.replacementRefreshToken(for: template, client: client)
        // RFC 9700 §4.14.2: reuse of a spent token is detected whatever else the request says,
        // so a token that is not live goes straight to the rotation below, which tells reuse apart.
        if !requestedScopes.isEmpty, old != nil {
            // RFC 6749 §6: the scope may narrow, never widen.
            guard Set(requestedScopes).isSubset(of: Set(template.scopes)) else {
                throw OAuthError.invalidScope("the requested scope is wider than the original grant")
            }
            replacement.scopes = template.scopes.filter { requestedScopes.contains($0) }
            if !replacement.scopes.contains("offline_access") { replacement.scopes.append("offline_access") }
        }
        switch try provider.grants.rotateRefreshToken(hash: hash, clientID: client.clientID, replacement: replacement, at: now) {
        case .invalid:
            throw OAuthError.invalidGrant("the refresh token is not valid, expired or revoked")
        case .reused:
            throw OAuthError.invalidGrant("the refresh token was already used; every token of its grant is revoked")
        case .rotated(let spent):
            // The read above found nothing live, so the scopes were never checked: refuse.
            guard old != nil else { throw OAuthError.invalidGrant("the refresh token is not valid, expired or revoked") }
            old = spent
        }
        guard let spent = old, let user = try provider.users.user(id: spent.userID), user.isActive else {
            throw OAuthError.invalidGrant("the user is no longer active")
        }
        guard try provider.access.allows(.refresh, user: user, client: client, request: request, session: nil) else {
            try provider.grants.revokeGrant(spent.grantID, until: replacement.expiresAt, at: now)
            throw OAuthError.invalidGrant("the user may no longer use this application")
        }
        let scopes = replacement.scopes
        let grant = GrantContext(grantID: spent.grantID, client: client, user: user, scopes: scopes,
                                 authTime: spent.authTime, authMethods: spent.authMethods, acr: spent.acr,
                                 sessionID: spent.sessionID, nonce: nil)
        var tokens = try issuer.issue(grant, withRefresh: false)
        tokens.refreshToken = token
        token = ""
        return tokens
    }
}

/// RFC 6749 §4.4: a confidential client acting as its own service account.
struct ClientCredentialsGrant: Sendable {
    let provider: OIDCProvider

    func exchange(_ parameters: OAuthParameters, _ client: OAuthClient, request: Request) throws -> IssuedTokens {
        guard client.clientType == .confidential else {
            throw OAuthError(.unauthorizedClient, "client_credentials needs a confidential client")
        }
        let requested = try parseScopes(try parameters.single("scope"))
        // No ID token and no refresh token: there is no user session behind this grant.
        let grantable = client.scopes.filter { $0 != "openid" && $0 != "offline_access" }
        let scopes: [String]
        if requested.isEmpty {
            scopes = grantable
        } else {
            scopes = requested.filter { grantable.contains($0) }
            guard !scopes.isEmpty else { throw OAuthError.invalidScope("none of the requested scopes can be granted") }
        }
        let username = client.serviceAccountUsername ?? "svc-" + client.clientID
        guard let account = try provider.users.user(username: username), account.isActive else {
            throw OAuthError(.unauthorizedClient, "the client's service account does not exist or is inactive")
        }
        guard try provider.access.allows(.clientCredentials, user: account, client: client, request: request, session: nil) else {
            throw OAuthError(.unauthorizedClient, "the client's service account may not use this application")
        }
        let now = provider.clock()
        let grant = GrantContext(grantID: UUID().uuidString.lowercased(), client: client, user: account, scopes: scopes,
                                 authTime: now, authMethods: [], acr: nil, sessionID: nil, nonce: nil)
        return try TokenIssuer(provider: provider).issue(grant, withRefresh: false)
    }
}
