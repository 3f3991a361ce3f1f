import HTTP

/// A page that posts fields to another site at once: OAuth's form_post response mode and
/// SAML's HTTP-POST binding. Submitted by script (our own `autosubmit.js`), with a button when
/// scripts are off. Its Content-Security-Policy allows the form to post to that site only.
extension Response {
    public static func autoPost(_ request: Request, to url: String, fields: [(String, String)]) -> Response {
        let inputs = fields.map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">" as HTML }.reduce(HTML.empty, +)
        let script = request.context.assets.url("autosubmit.js")
        let html: HTML = """
        <!DOCTYPE html>
        <html lang="\(request.locale.rawValue)"><head><meta charset="utf-8"><title>Gatehouse</title>
        <script src="\(script)"></script></head>
        <body><form method="post" action="\(url)" data-autosubmit>\(inputs)
        <noscript><button type="submit">\(request.t("oauth.continue"))</button></noscript>
        </form></body></html>
        """
        var response = Response.html(html).postingTo(url)
        // Nothing on this page but our script and the form.
        response.headers.set("Content-Security-Policy",
                             "default-src 'none'; script-src 'self'; form-action \(origin(of: url)); frame-ancestors 'none'; base-uri 'none'")
        return response
    }

    /// The headers of a page whose form posts to `url` (which `form-action 'self'` would block).
    public func postingTo(_ url: String) -> Response {
        var response = self
        response.headers.set("Cache-Control", "no-store")
        response.headers.set("Content-Security-Policy",
                             "default-src 'self'; form-action \(Self.origin(of: url)); frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
        return response
    }

    /// The origin (`scheme://host[:port]`) of `url` for a CSP source, or `'none'`.
    public static func origin(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "'none'" }
        let rest: Substring = url[schemeEnd.upperBound...]
        let host: Substring = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let origin: String = String(url[..<schemeEnd.upperBound]) + String(host)
        let unsafe: Set<Character> = [";", " ", "'", ","]
        return origin.contains(where: { unsafe.contains($0) }) ? "'none'" : origin
    }
}
