import HTTP
import JSON
import Store
import Web

/// Discovery (OIDC Discovery 1.0 §3, RFC 8414) and the JWK Set. Each application has its own
/// issuer, so the document is per slug, and it lists only what is implemented and allowed
/// for that client.
struct DiscoveryEndpoints: Sendable {
    let provider: OIDCProvider

    func openIDConfiguration(_ request: Request) throws -> Response {
        try document(request, openID: true)
    }

    func authorizationServerMetadata(_ request: Request) throws -> Response {
        try document(request, openID: false)
    }

    func jwks(_ request: Request) throws -> Response {
        guard let slug = request.parameter("slug"), let client = try provider.clients.client(applicationSlug: slug) else {
            throw WebError.notFound
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        // Short: clients re-fetch soon after a key rotation.
        headers.add("Cache-Control", "public, max-age=300")
        headers.add("Access-Control-Allow-Origin", "*")
        return Response(status: .ok, headers: headers,
                        body: provider.keys.jwksJSON(for: TokenIssuer(provider: provider).algorithm(client)))
    }

    private func document(_ request: Request, openID: Bool) throws -> Response {
        guard let slug = request.parameter("slug"), let client = try provider.clients.client(applicationSlug: slug) else {
            throw WebError.notFound
        }
        let issuer = provider.issuer(slug: slug)
        var authMethods = ["client_secret_basic", "client_secret_post"]
        if client.clientType == .public { authMethods.append("none") }
        var grants = ["authorization_code", "refresh_token"]
        if client.clientType == .confidential { grants.append("client_credentials") }
        var claims = ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "sid", "at_hash", "azp"]
        if client.scopes.contains("email") { claims += ["email", "email_verified"] }
        if client.scopes.contains("profile") || client.scopes.contains("groups") { claims += ["name", "given_name", "family_name", "preferred_username", "nickname", "groups"] }
        var doc: JSONObject = [
            "issuer": .string(issuer),
            "authorization_endpoint": .string(provider.authorizationEndpoint),
            "token_endpoint": .string(provider.tokenEndpoint),
            "userinfo_endpoint": .string(provider.userinfoEndpoint),
            "introspection_endpoint": .string(provider.introspectionEndpoint),
            "revocation_endpoint": .string(provider.revocationEndpoint),
            "end_session_endpoint": .string(issuer + "end-session/"),
            "jwks_uri": .string(issuer + "jwks/"),
            "response_types_supported": .strings(["code"]),
            "response_modes_supported": .strings(["query", "form_post"]),
            "grant_types_supported": .strings(grants),
            "subject_types_supported": .strings([client.subjectMode == .hashedUserID ? "pairwise" : "public"]),
            "id_token_signing_alg_values_supported": .strings([client.signingAlgorithm]),
            "scopes_supported": .strings(client.scopes),
            "claims_supported": .strings(claims),
            "token_endpoint_auth_methods_supported": .strings(authMethods),
            "introspection_endpoint_auth_methods_supported": .strings(["client_secret_basic", "client_secret_post"]),
            "revocation_endpoint_auth_methods_supported": .strings(authMethods),
            "code_challenge_methods_supported": .strings(client.allowPlainPKCE ? ["S256", "plain"] : ["S256"]),
            "prompt_values_supported": .strings(["none", "login", "consent", "select_account"]),
            "request_parameter_supported": .bool(false),
            "request_uri_parameter_supported": .bool(false),
            "claims_parameter_supported": .bool(false),
            "authorization_response_iss_parameter_supported": .bool(true),
            "acr_values_supported": .strings([TokenIssuer.acrSingleFactor, TokenIssuer.acrMultiFactor]),
        ]
        if !openID {
            doc["userinfo_endpoint"] = nil
            doc["end_session_endpoint"] = nil
            doc["subject_types_supported"] = nil
            doc["id_token_signing_alg_values_supported"] = nil
            doc["claims_supported"] = nil
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("Cache-Control", "public, max-age=300")
        headers.add("Access-Control-Allow-Origin", "*")
        return Response(status: .ok, headers: headers, body: JSONValue.object(doc).bytes)
    }
}
