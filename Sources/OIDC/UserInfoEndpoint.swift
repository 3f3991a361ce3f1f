import Crypto
import HTTP
import JSON
import Store
import Web

/// `/application/o/userinfo/` (OIDC Core §5.3), GET and POST. The access token must come in
/// the Authorization header: RFC 6750 §2.3 query tokens leak into logs and referrers, and a
/// form-body token would make this endpoint a CSRF target, so both are refused.
struct UserInfoEndpoint: Sendable {
    let provider: OIDCProvider

    func handle(_ request: Request) throws -> Response {
        do {
            if request.queryItems["access_token"] != nil {
                throw OAuthError.invalidRequest("send the access token in the Authorization header, not the query")
            }
            if request.method == .post, request.mediaType == "application/x-www-form-urlencoded",
               (try? request.form())?.fields["access_token"] != nil {
                throw OAuthError.invalidRequest("send the access token in the Authorization header, not the body")
            }
            guard let token = try Self.bearerToken(request) else {
                // RFC 6750 §3.1: no credentials at all gets a bare challenge.
                var headers = HTTPHeaders()
                headers.add("WWW-Authenticate", "Bearer realm=\"gatehouse\"")
                headers.add("Cache-Control", "no-store")
                return Response(status: .unauthorized, headers: headers)
            }
            let valid = try AccessTokenValidator(provider: provider).validate(token)
            guard valid.scopes.contains("openid") else {
                var headers = HTTPHeaders()
                headers.add("WWW-Authenticate", "Bearer realm=\"gatehouse\", error=\"insufficient_scope\", scope=\"openid\"")
                return Response(status: .forbidden, headers: headers)
            }
            let claims = try ClaimsBuilder(provider: provider).claims(user: valid.user, client: valid.client, scopes: valid.scopes)
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/json")
            headers.add("Cache-Control", "no-store")
            return Response(status: .ok, headers: headers, body: JSONValue.object(claims).bytes)
        } catch let error as OAuthError {
            return error.bearerResponse()
        }
    }

    /// `Authorization: Bearer <token>`; nil without the header, an error for another scheme.
    static func bearerToken(_ request: Request) throws(OAuthError) -> String? {
        guard let header = request.headers["Authorization"] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw OAuthError.invalidRequest("the Authorization header must use the Bearer scheme")
        }
        let token = String(parts[1]).trimmingCharacters(in: " ")
        guard !token.isEmpty else { throw OAuthError.invalidRequest("empty bearer token") }
        return token
    }
}

/// `/application/o/introspect/` (RFC 7662). Only an authenticated client may ask, and only
/// about its own tokens: anything else is `{"active": false}`, like an unknown token.
struct IntrospectionEndpoint: Sendable {
    let provider: OIDCProvider

    func handle(_ request: Request) throws -> Response {
        do {
            let parameters = try OAuthParameters.form(request)
            let caller = try ClientAuthenticator(clients: provider.clients).authenticate(request, parameters)
            guard caller.method != .none else { throw OAuthError.invalidClient("introspection needs client authentication") }
            let token = try parameters.required("token")
            _ = try parameters.single("token_type_hint")
            return Self.json(try introspect(token, caller: caller.client))
        } catch let error as OAuthError {
            return error.tokenEndpointResponse()
        }
    }

    private func introspect(_ token: String, caller: OAuthClient) throws -> JSONValue {
        let inactive = JSONValue.object(["active": .bool(false)])
        guard token.utf8.count <= 8192 else { return inactive }
        if token.contains(".") {
            guard let valid = try? AccessTokenValidator(provider: provider).validate(token),
                  valid.client.clientID == caller.clientID else { return inactive }
            var out: JSONObject = ["active": .bool(true), "token_type": .string("Bearer"),
                                            "username": .string(valid.user.username)]
            for key in ["scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti", "auth_time", "acr", "amr", "sid"] {
                if let value = valid.claims[key] { out[key] = value }
            }
            return .object(out)
        }
        guard let refresh = try provider.grants.refreshToken(hash: Digest.sha256(token), at: provider.clock()),
              refresh.clientID == caller.clientID,
              let user = try provider.users.user(id: refresh.userID), user.isActive else { return inactive }
        return .object([
            "active": .bool(true), "token_type": .string("refresh_token"), "client_id": .string(refresh.clientID),
            "scope": .string(refresh.scopes.joined(separator: " ")), "username": .string(user.username),
            "sub": .string(try ClaimsBuilder(provider: provider).subject(for: user, client: caller)),
            "exp": .int(refresh.expiresAt.microsecondsSince1970 / 1_000_000),
        ])
    }

    static func json(_ value: JSONValue) -> Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("Cache-Control", "no-store")
        return Response(status: .ok, headers: headers, body: value.bytes)
    }
}

/// `/application/o/revoke/` (RFC 7009). A refresh token revokes its whole grant (and so the
/// access tokens issued with it); an access token is revoked by its `jti`. Unknown tokens and
/// other clients' tokens get the same 200 (§2.2), so the endpoint tells nothing.
struct RevocationEndpoint: Sendable {
    let provider: OIDCProvider

    func handle(_ request: Request) throws -> Response {
        do {
            let parameters = try OAuthParameters.form(request)
            let caller = try ClientAuthenticator(clients: provider.clients).authenticate(request, parameters)
            let token = try parameters.required("token")
            if let hint = try parameters.single("token_type_hint"), hint != "access_token", hint != "refresh_token" {
                throw OAuthError(.unsupportedTokenType, "token_type_hint must be access_token or refresh_token")
            }
            try revoke(token, caller: caller.client)
            return IntrospectionEndpoint.json(.object([:]))
        } catch let error as OAuthError {
            return error.tokenEndpointResponse()
        }
    }

    private func revoke(_ token: String, caller: OAuthClient) throws {
        guard token.utf8.count <= 8192 else { return }
        let now = provider.clock()
        if token.contains(".") {
            let validator = AccessTokenValidator(provider: provider)
            guard let claims = try? validator.verifiedClaims(token, allowExpired: true),
                  claims["client_id"]?.stringValue == caller.clientID,
                  let jti = claims["jti"]?.stringValue, let exp = claims["exp"]?.int64Value else { return }
            try provider.grants.revokeAccessToken(jti: jti, until: Timestamp(secondsSince1970: exp + 60), at: now)
            return
        }
        guard let refresh = try provider.grants.refreshToken(hash: Digest.sha256(token), at: now),
              refresh.clientID == caller.clientID else { return }
        try provider.grants.revokeGrant(refresh.grantID, until: refresh.expiresAt, at: now)
    }
}
