import Store

/// A validated authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).
struct AuthorizeRequest: Sendable {
    enum ResponseMode: String, Sendable { case query, formPost = "form_post" }

    let client: OAuthClient
    let redirectURI: String
    let state: String?
    let responseMode: ResponseMode
    let scopes: [String]
    let nonce: String?
    let codeChallenge: String?
    let codeChallengeMethod: String?
    let prompts: Set<String>
    let maxAge: Int?
    let loginHint: String?
    /// `id_token_hint` as sent; checked against our keys where the session is known.
    let idTokenHint: String?
    /// `acr_values`, in order of preference (OIDC Core §3.1.2.1).
    let acrValues: [String]
    let parameters: OAuthParameters

    /// Errors before the redirect URI is trusted: shown on our own page, never redirected
    /// (RFC 6749 §4.1.2.1: "MUST NOT automatically redirect the user-agent to the invalid
    /// redirection URI").
    struct Untrusted: Error { let message: String }

    /// An error to send back to the client's redirect URI.
    struct Redirectable: Error {
        let error: OAuthError
        let redirectURI: String
        let state: String?
        let responseMode: ResponseMode
        let client: OAuthClient
    }

    static func parse(_ parameters: OAuthParameters, clients: any OAuthClientDirectory) throws -> AuthorizeRequest {
        // First the client and the redirect URI; until both check out, errors stay here.
        let clientID: String?, redirect: String?
        do {
            clientID = try parameters.single("client_id")
            redirect = try parameters.single("redirect_uri")
        } catch {
            throw Untrusted(message: error.description)
        }
        guard let clientID else { throw Untrusted(message: "The request does not name a client (client_id is missing).") }
        guard let client = try clients.client(clientID: clientID), client.application != nil else {
            throw Untrusted(message: "This application is not known to Gatehouse (unknown client_id).")
        }
        guard let redirect else { throw Untrusted(message: "The request has no redirect_uri.") }
        guard RedirectURIMatcher.matches(redirect, client.redirectURIs) else {
            throw Untrusted(message: "The redirect URI is not registered for this application. It must match exactly.")
        }

        let state: String?
        do {
            state = try parameters.single("state")
        } catch {
            throw Untrusted(message: error.description)
        }
        var mode = ResponseMode.query
        func fail(_ error: OAuthError) -> Redirectable {
            Redirectable(error: error, redirectURI: redirect, state: state, responseMode: mode, client: client)
        }
        do {
            if let requested = try parameters.single("response_mode") {
                guard let parsed = ResponseMode(rawValue: requested) else {
                    throw OAuthError.invalidRequest("response_mode must be query or form_post")
                }
                mode = parsed
            }
            if let state, state.utf8.count > 2048 { throw OAuthError.invalidRequest("state is too long") }
            if parameters.has("request") { throw OAuthError(.requestNotSupported, "request objects are not supported") }
            if parameters.has("request_uri") { throw OAuthError(.requestURINotSupported, "request_uri is not supported") }
            if parameters.has("registration") { throw OAuthError(.registrationNotSupported, "registration is not supported") }
            guard let responseType = try parameters.single("response_type") else {
                throw OAuthError.invalidRequest("response_type is required")
            }
            guard responseType == "code" else {
                // RFC 9700 §2.1.2: no implicit or hybrid flows.
                throw OAuthError(.unsupportedResponseType, "only response_type=code is supported")
            }

            guard let scopeText = try parameters.single("scope") else { throw OAuthError.invalidScope("scope is required") }
            // RFC 6749 §3.3 lets the server grant less than asked: scopes this client does not
            // have are dropped (libraries ask for `groups` and the like by default), and the
            // token response says what was granted. Nothing left is an error.
            let allowed = Set(client.scopes)
            let scopes = try parseScopes(scopeText).filter { allowed.contains($0) }
            guard !scopes.isEmpty else { throw OAuthError.invalidScope("none of the requested scopes is allowed for this client") }

            let nonce = try parameters.single("nonce")
            if let nonce, nonce.utf8.count > 512 { throw OAuthError.invalidRequest("nonce is too long") }

            let challenge = try parameters.single("code_challenge")
            var method = try parameters.single("code_challenge_method")
            if let challenge {
                // RFC 7636 §4.3: without a method the challenge is plain.
                method = method ?? "plain"
                guard method == "S256" || (method == "plain" && client.allowPlainPKCE) else {
                    throw OAuthError.invalidRequest(method == "plain" ? "code_challenge_method plain is not allowed; use S256"
                                                                      : "code_challenge_method must be S256")
                }
                guard PKCE.isWellFormed(challenge) else { throw OAuthError.invalidRequest("code_challenge is malformed") }
            } else {
                if method != nil { throw OAuthError.invalidRequest("code_challenge_method without code_challenge") }
                if client.clientType == .public {
                    throw OAuthError.invalidRequest("public clients must use PKCE (code_challenge with S256)")
                }
            }

            var prompts = Set<String>()
            if let prompt = try parameters.single("prompt") {
                for value in prompt.split(separator: " ") {
                    guard ["none", "login", "consent", "select_account"].contains(value) else {
                        throw OAuthError.invalidRequest("prompt value \(value) is not supported")
                    }
                    prompts.insert(String(value))
                }
                if prompts.contains("none") && prompts.count > 1 {
                    throw OAuthError.invalidRequest("prompt=none cannot be combined with other values")
                }
            }
            var maxAge: Int?
            if let text = try parameters.single("max_age") {
                guard let value = Int(text), value >= 0, text.utf8.count <= 10 else {
                    throw OAuthError.invalidRequest("max_age must be a non-negative integer")
                }
                maxAge = value
            }
            let loginHint = try parameters.single("login_hint").map { String($0.prefix(256)) }
            let idTokenHint = try parameters.single("id_token_hint")
            let acrValues = (try parameters.single("acr_values") ?? "").split(separator: " ").prefix(16).map(String.init)
            _ = try parameters.single("ui_locales")

            return AuthorizeRequest(client: client, redirectURI: redirect, state: state, responseMode: mode, scopes: scopes,
                                    nonce: nonce, codeChallenge: challenge, codeChallengeMethod: challenge == nil ? nil : method,
                                    prompts: prompts, maxAge: maxAge, loginHint: loginHint, idTokenHint: idTokenHint, acrValues: acrValues,
                                    parameters: parameters)
        } catch let error as OAuthError {
            throw fail(error)
        }
    }
}
