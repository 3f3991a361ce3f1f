import Crypto
import Foundation
import HTTP
import Identity
import JSON
import Store
import Web

/// `/application/o/authorize/`: checks the request, makes sure someone is signed in (running
/// the authentication flow and coming back if not), checks the application's access rules and
/// consent, then sends the browser back to the client with a one-time code.
struct AuthorizeEndpoint: Sendable {
    let provider: OIDCProvider

    static let path = "/application/o/authorize/"
    /// Dropped from the "come back after signing in" URL: the sign-in that just happened
    /// satisfies `max_age` and `prompt=login`, and keeping them would send the browser round
    /// in circles. Other prompt values (`consent`) stay.
    static let satisfiedBySignIn: Set<String> = ["max_age"]

    func handle(_ request: Request) throws -> Response {
        let parsed: AuthorizeRequest
        do {
            let parameters = try OAuthParameters.of(request)
            parsed = try AuthorizeRequest.parse(parameters, clients: provider.clients)
        } catch let error as AuthorizeRequest.Untrusted {
            return errorPage(request, error.message)
        } catch let error as AuthorizeRequest.Redirectable {
            audit(request, "oauth.authorize", outcome: error.error.code.rawValue, client: error.client.clientID, user: nil)
            return respond(request, to: error.redirectURI, mode: error.responseMode, client: error.client,
                           values: errorValues(error.error, state: error.state, client: error.client))
        } catch let error as OAuthError {
            return errorPage(request, error.description)
        }
        do {
            return try proceed(request, parsed)
        } catch let error as OAuthError {
            audit(request, "oauth.authorize", outcome: error.code.rawValue, client: parsed.client.clientID, user: nil)
            return redirectError(request, parsed, error)
        }
    }

    /// Every check of an authorization request, in one place: the hint, a due sign-in
    /// (`prompt=login`, `max_age`), the application's access rules, step-up, then consent.
    /// `consentGiven` is the consent form's "allow": it finishes only what these checks let
    /// through (the form is a fresh request, trusted no more than one).
    private func proceed(_ request: Request, _ auth: AuthorizeRequest, consentGiven: Bool = false) throws -> Response {
        let now = provider.clock()
        let hint = try auth.idTokenHint.map { hint throws(OAuthError) in
            try IDTokenHint.verify(hint, provider: provider, client: auth.client, slug: auth.client.application?.slug ?? "")
        }
        let session = try provider.browserSession(request)
        // OIDC Core §3.1.2.1: a hint naming someone other than the signed-in user is
        // `login_required`; the code must never be issued for the wrong person.
        if let hint, let session, hint.subject != (try ClaimsBuilder(provider: provider).subject(for: session.user, client: auth.client)) {
            throw OAuthError(.loginRequired, "the signed-in user is not the one id_token_hint names")
        }
        var mustSignIn = session == nil || auth.prompts.contains("login")
        if let session, let maxAge = auth.maxAge,
           now.microsecondsSince1970 - session.authTime.microsecondsSince1970 > Int64(maxAge) * 1_000_000 {
            mustSignIn = true
        }
        if mustSignIn {
            if auth.prompts.contains("none") {
                throw OAuthError(.loginRequired, "the user is not signed in")
            }
            let remaining = auth.prompts.subtracting(["login"]).sorted().joined(separator: " ")
            let query = auth.parameters.queryString(removing: Self.satisfiedBySignIn,
                                                    replacing: ["prompt": remaining.isEmpty ? String?.none : remaining])
            let returnTo = Self.path + "?" + query
            guard returnTo.utf8.count <= 2048 else { throw OAuthError.invalidRequest("the request is too long") }
            return Response.redirect(to: provider.signIn.signIn(returnTo: returnTo, loginHint: auth.loginHint),
                                     status: .found)
        }
        guard let session else { throw OAuthError(.serverError, "no session") }

        guard try provider.access.allows(.authorize, user: session.user, client: auth.client, request: request, session: session) else {
            audit(request, "oauth.authorize", outcome: "access_denied", client: auth.client.clientID, user: session.user.id)
            if auth.prompts.contains("none") {
                throw OAuthError(.accessDenied, "the user may not use this application")
            }
            // The browser gets our page; the client learns the outcome through the redirect.
            throw OAuthError(.accessDenied, "the user may not use this application")
        }

        // Step-up (F-06): a sensitive application, or acr_values asking for MFA, needs a recent
        // verification; older or never, the browser passes the validation flow and comes back.
        let stepUp = try provider.access.stepUp(for: auth.client)
        if stepUp != nil || auth.acrValues.first == TokenIssuer.acrMultiFactor {
            if !StepUp.isSatisfied(by: session, requirement: stepUp, maxAgeSeconds: auth.maxAge, at: now) {
                audit(request, "oauth.authorize", outcome: "step_up", client: auth.client.clientID, user: session.user.id)
                if auth.prompts.contains("none") {
                    throw OAuthError(.interactionRequired, "a recent MFA verification is required")
                }
                let returnTo = Self.path + "?" + auth.parameters.queryString(removing: Self.satisfiedBySignIn)
                guard returnTo.utf8.count <= 2048 else { throw OAuthError.invalidRequest("the request is too long") }
                var response = Response.redirect(to: provider.signIn.stepUp(returnTo: returnTo), status: .found)
                response.headers.set("Cache-Control", "no-store")
                return response
            }
        }

        if consentGiven {
            if auth.client.consentMode == .once || auth.prompts.contains("consent") {
                let previous = try provider.grants.consentedScopes(userID: session.user.id, clientID: auth.client.clientID) ?? []
                let merged = previous + auth.scopes.filter { !previous.contains($0) }
                try provider.grants.recordConsent(userID: session.user.id, clientID: auth.client.clientID, scopes: merged,
                                                  at: provider.clock())
            }
            audit(request, "oauth.consent", outcome: "allowed", client: auth.client.clientID, user: session.user.id)
            return try issueCode(request, auth, session: session)
        }
        if try needsConsent(auth, user: session.user) {
            if auth.prompts.contains("none") {
                throw OAuthError(.consentRequired, "the user has not consented to this application")
            }
            return consentPage(request, auth)
        }
        return try issueCode(request, auth, session: session)
    }

    private func needsConsent(_ auth: AuthorizeRequest, user: User) throws -> Bool {
        if auth.prompts.contains("consent") { return true }
        switch auth.client.consentMode {
        case .implicit: return false
        case .always: return true
        case .once:
            guard let given = try provider.grants.consentedScopes(userID: user.id, clientID: auth.client.clientID) else {
                return true
            }
            return !Set(auth.scopes).isSubset(of: Set(given))
        }
    }

    func issueCode(_ request: Request, _ auth: AuthorizeRequest, session: BrowserSession) throws -> Response {
        let now = provider.clock()
        let code = Base64URL.encode(SecureRandom.bytes(32))
        let methods = session.methods
        try provider.grants.storeCode(OAuthAuthorizationCode(
            codeHash: Digest.sha256(code), grantID: UUID().uuidString.lowercased(), clientID: auth.client.clientID,
            userID: session.user.id, redirectURI: auth.redirectURI, scopes: auth.scopes, nonce: auth.nonce,
            codeChallenge: auth.codeChallenge, codeChallengeMethod: auth.codeChallengeMethod, authTime: session.authTime,
            authMethods: methods, acr: nil, sessionID: session.sid,
            expiresAt: now.adding(seconds: Int64(auth.client.codeLifetimeSeconds))))
        audit(request, "oauth.authorize", outcome: "code_issued", client: auth.client.clientID, user: session.user.id)
        var values = [("code", code)]
        if let state = auth.state { values.append(("state", state)) }
        values.append(("iss", issuer(auth.client)))
        return respond(request, to: auth.redirectURI, mode: auth.responseMode, client: auth.client, values: values)
    }

    // MARK: consent

    func consentPage(_ request: Request, _ auth: AuthorizeRequest) -> Response {
        let app = auth.client.application?.name ?? auth.client.clientID
        let items = auth.scopes.map { scope -> HTML in
            let key = "oauth.scope." + scope
            var label = request.t(key)
            if label == key {
                label = auth.client.scopeMappings.first { $0.scopeName == scope }?.description ?? scope
                if label.isEmpty { label = scope }
            }
            return "<li>\(label)</li>"
        }.reduce(HTML.empty, +)
        let hidden = auth.parameters.all.keys.sorted().flatMap { key in
            (auth.parameters.all[key] ?? []).map { value -> HTML in
                "<input type=\"hidden\" name=\"\(key)\" value=\"\(value)\">"
            }
        }.reduce(HTML.empty, +)
        let content: HTML = """
        <h1>\(request.t("oauth.consent.title", ["app": app]))</h1>
        <p>\(request.t("oauth.consent.body", ["app": app]))</p>
        <ul class="gh-scopes">\(items)</ul>
        <form method="post" action="\(Self.path)consent/">
        <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
        \(hidden)
        <button class="gh-button" type="submit" name="gh_consent" value="allow">\(request.t("oauth.consent.allow"))</button>
        <button class="gh-button gh-secondary" type="submit" name="gh_consent" value="deny">\(request.t("oauth.consent.deny"))</button>
        </form>
        """
        var response = Response.page(request, title: request.t("oauth.consent.title", ["app": app]), content: content)
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    /// The consent form's answer (CSRF-checked by the forms group). The request is parsed
    /// and checked again from scratch: nothing in the form is trusted more than a fresh request.
    func consent(_ request: Request) throws -> Response {
        var fields = (try? request.form().fields) ?? [:]
        let answer = fields.removeValue(forKey: "gh_consent")?.first
        fields.removeValue(forKey: "csrf_token")
        let parsed: AuthorizeRequest
        do {
            parsed = try AuthorizeRequest.parse(OAuthParameters(values: fields), clients: provider.clients)
        } catch let error as AuthorizeRequest.Untrusted {
            return errorPage(request, error.message)
        } catch let error as AuthorizeRequest.Redirectable {
            return respond(request, to: error.redirectURI, mode: error.responseMode, client: error.client,
                           values: errorValues(error.error, state: error.state, client: error.client))
        }
        do {
            guard let session = try provider.browserSession(request) else {
                throw OAuthError(.loginRequired, "the session ended before consent was given")
            }
            guard answer == "allow" else {
                audit(request, "oauth.consent", outcome: "denied", client: parsed.client.clientID, user: session.user.id)
                throw OAuthError(.accessDenied, "the user did not consent")
            }
            // Every check of a fresh request runs again (hint, sign-in due, access, step-up):
            // posting the form directly must not skip any of them.
            return try proceed(request, parsed, consentGiven: true)
        } catch let error as OAuthError {
            return redirectError(request, parsed, error)
        }
    }

    // MARK: responses

    private func issuer(_ client: OAuthClient) -> String { provider.issuer(slug: client.application?.slug ?? "") }

    /// Every redirect to the client carries `iss` (RFC 9207 §2, advertised in discovery), the
    /// errors found while parsing the request included.
    private func errorValues(_ error: OAuthError, state: String?, client: OAuthClient) -> [(String, String)] {
        var values = [("error", error.code.rawValue), ("error_description", error.description)]
        if let state { values.append(("state", state)) }
        values.append(("iss", issuer(client)))
        return values
    }

    private func redirectError(_ request: Request, _ auth: AuthorizeRequest, _ error: OAuthError) -> Response {
        let values = errorValues(error, state: auth.state, client: auth.client)
        if error.code == .accessDenied, !request.prefersJSON, auth.prompts.isEmpty || !auth.prompts.contains("none"),
           error.description == "the user may not use this application" {
            // A person is looking: tell them plainly, with a link back to the application.
            let app = auth.client.application?.name ?? auth.client.clientID
            let link = Self.location(auth.redirectURI, values)
            let content: HTML = """
            <h1>\(request.t("oauth.denied.title"))</h1>
            <p>\(request.t("oauth.denied.body", ["app": app]))</p>
            <p><a class="gh-button" href="\(link)">\(request.t("oauth.continue"))</a></p>
            """
            return Response.page(request, title: request.t("oauth.denied.title"), content: content, status: .forbidden)
        }
        return respond(request, to: auth.redirectURI, mode: auth.responseMode, client: auth.client, values: values)
    }

    static func location(_ redirectURI: String, _ values: [(String, String)]) -> String {
        let query = PercentEncoding.query(values)
        return redirectURI + (redirectURI.contains("?") ? "&" : "?") + query
    }

    private func respond(_ request: Request, to redirectURI: String, mode: AuthorizeRequest.ResponseMode,
                         client: OAuthClient, values: [(String, String)]) -> Response {
        switch mode {
        case .query:
            var response = Response.redirect(to: Self.location(redirectURI, values), status: .found)
            response.headers.set("Cache-Control", "no-store")
            return response
        case .formPost:
            // OAuth 2.0 Form Post Response Mode: an auto-submitting form to the redirect URI.
            return Response.autoPost(request, to: redirectURI, fields: values)
        }
    }

    func errorPage(_ request: Request, _ message: String) -> Response {
        let content: HTML = """
        <h1>\(request.t("oauth.error.title"))</h1>
        <p>\(request.t("oauth.error.body"))</p>
        <p class="gh-error">\(message)</p>
        """
        return Response.page(request, title: request.t("oauth.error.title"), content: content, status: .badRequest)
    }

    func audit(_ request: Request, _ action: String, outcome: String, client: String, user: UserID?) {
        _ = try? provider.events.appendEvent(NewAuditEvent(
            actorUserID: user, action: action, clientIP: request.clientIP, outcome: outcome,
            context: JSONText(["client_id": .string(client)])))
    }
}

