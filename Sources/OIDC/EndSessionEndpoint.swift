import Crypto
import HTTP
import Store
import Web

/// `/application/o/<slug>/end-session/` (OpenID Connect RP-Initiated Logout 1.0).
/// With an `id_token_hint` we signed for this application and naming the browser's current
/// session, the session ends at once; otherwise the user confirms on a page first (a link
/// alone must not sign anyone out). `post_logout_redirect_uri` must equal one of the client's
/// registered redirect URIs exactly, and needs the hint to say which client is asking.
struct EndSessionEndpoint: Sendable {
    let provider: OIDCProvider

    struct Checked {
        let client: OAuthClient
        let hintSID: String?
        let hintValid: Bool
        let redirect: String?
        let state: String?
    }

    func handle(_ request: Request) throws -> Response {
        let checked: Checked
        do {
            checked = try check(request, OAuthParameters.query(request))
        } catch let error as OAuthError {
            return AuthorizeEndpoint(provider: provider).errorPage(request, error.description)
        }
        let session = try provider.browserSession(request)
        guard let session else { return finish(request, checked, cookies: []) }
        if checked.hintValid, checked.hintSID == session.sid {
            let cookies = try provider.endBrowserSession(request)
            audit(request, checked, session.user.id)
            return finish(request, checked, cookies: cookies)
        }
        return confirmPage(request, checked)
    }

    /// The confirmation form's POST (CSRF-checked by the forms group).
    func confirm(_ request: Request) throws -> Response {
        var fields = (try? request.form().fields) ?? [:]
        fields.removeValue(forKey: "csrf_token")
        let checked: Checked
        do {
            checked = try check(request, OAuthParameters(values: fields))
        } catch let error as OAuthError {
            return AuthorizeEndpoint(provider: provider).errorPage(request, error.description)
        }
        var cookies: [SetCookie] = []
        if let session = try provider.browserSession(request) {
            cookies = try provider.endBrowserSession(request)
            audit(request, checked, session.user.id)
        }
        return finish(request, checked, cookies: cookies)
    }

    private func check(_ request: Request, _ parameters: OAuthParameters) throws -> Checked {
        guard let slug = request.parameter("slug"), let client = try provider.clients.client(applicationSlug: slug) else {
            throw OAuthError.invalidRequest("This application is not known to Gatehouse.")
        }
        let hint = try parameters.single("id_token_hint")
        let redirect = try parameters.single("post_logout_redirect_uri")
        let state = try parameters.single("state")
        if let clientID = try parameters.single("client_id"), clientID != client.clientID {
            throw OAuthError.invalidRequest("client_id does not belong to this application")
        }
        var sid: String?
        var valid = false
        if let hint {
            sid = try IDTokenHint.verify(hint, provider: provider, client: client, slug: slug).sessionID
            valid = true
        }
        if let redirect {
            guard valid else { throw OAuthError.invalidRequest("post_logout_redirect_uri needs an id_token_hint.") }
            guard client.redirectURIs.contains(where: { $0.matching == .strict && $0.url == redirect }) else {
                throw OAuthError.invalidRequest("post_logout_redirect_uri is not registered for this application.")
            }
        }
        return Checked(client: client, hintSID: sid, hintValid: valid, redirect: redirect, state: state)
    }

    private func finish(_ request: Request, _ checked: Checked, cookies: [SetCookie]) -> Response {
        var response: Response
        if let redirect = checked.redirect {
            let values = checked.state.map { [("state", $0)] } ?? []
            response = Response.redirect(to: values.isEmpty ? redirect : AuthorizeEndpoint.location(redirect, values), status: .found)
        } else {
            let content: HTML = "<h1>\(request.t("oauth.logout.done"))</h1>"
            response = Response.page(request, title: request.t("oauth.logout.done"), content: content)
        }
        response.headers.set("Cache-Control", "no-store")
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    private func confirmPage(_ request: Request, _ checked: Checked) -> Response {
        let app = checked.client.application?.name ?? checked.client.clientID
        var hidden = HTML.empty
        for (key, value) in request.queryItems.sorted(by: { $0.key < $1.key }) {
            for v in value { hidden = hidden + "<input type=\"hidden\" name=\"\(key)\" value=\"\(v)\">" }
        }
        let content: HTML = """
        <h1>\(request.t("oauth.logout.title"))</h1>
        <p>\(request.t("oauth.logout.body", ["app": app]))</p>
        <form method="post" action="\(request.path)">
        <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
        \(hidden)
        <button class="gh-button" type="submit">\(request.t("oauth.logout.confirm"))</button>
        </form>
        """
        var response = Response.page(request, title: request.t("oauth.logout.title"), content: content)
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    private func audit(_ request: Request, _ checked: Checked, _ user: UserID) {
        AuthorizeEndpoint(provider: provider).audit(request, "oauth.end_session", outcome: "signed_out",
                                                    client: checked.client.clientID, user: user)
    }
}
