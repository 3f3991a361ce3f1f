import HTTP
import Web

/// The pages the SAML endpoints show a browser.
enum SAMLPages {
    /// Our error page (400): the request was refused and nothing was sent to the application.
    static func error(_ request: Request, _ error: SAMLRequestError, status: HTTPStatus = .badRequest) -> Response {
        let content: HTML = """
        <h1>\(request.t("oauth.error.title"))</h1>
        <p>\(request.t("oauth.error.body"))</p>
        <p class="gh-error">\(error.message)</p>
        """
        var response = Response.page(request, title: request.t("oauth.error.title"), content: content, status: status)
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    /// Bindings §3.5.4: an HTML form that posts `SAMLResponse` (and `RelayState`) to the SP,
    /// submitted by script, with a button when scripts are off.
    static func autoPost(_ request: Request, to url: String, fields: [(String, String)]) -> Response {
        Response.autoPost(request, to: url, fields: fields)
    }

    /// The access-denied page (403): the user is told, and may carry the SP's `RequestDenied`
    /// response back to it with the button.
    static func denied(_ request: Request, application: String, to url: String, fields: [(String, String)]) -> Response {
        let inputs = fields.map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">" as HTML }.reduce(HTML.empty, +)
        let content: HTML = """
        <h1>\(request.t("oauth.denied.title"))</h1>
        <p>\(request.t("oauth.denied.body", ["app": application]))</p>
        <form method="post" action="\(url)">\(inputs)
        <button class="gh-button" type="submit">\(request.t("oauth.continue"))</button></form>
        """
        return Response.page(request, title: request.t("oauth.denied.title"), content: content, status: .forbidden).postingTo(url)
    }
}
