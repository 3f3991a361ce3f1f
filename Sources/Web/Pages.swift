import HTTP

/// The web layer's own pages and routes: landing page, language switch, static files, metrics.
struct BuiltInRoutes: RouteCollection {
    let formGroup: RouteGroup
    var landing: Handler?

    func register(on group: RouteGroup) {
        group.get("/", landing ?? Self.landing)
        group.get("/static/*path") { request in
            try request.context.assets.serve(request.parameter("path") ?? "", request: request)
        }
        formGroup.post(Layout.setLanguagePath, Self.setLanguage)
    }

    static func landing(_ request: Request) throws -> Response {
        .page(request, title: LandingPage.title(request), content: LandingPage.intro(request) + LandingPage.operators(request))
    }

    /// POST `lang` and `next`: remembers the language in a cookie and goes back (303).
    /// `next` must be a local path, or we go to `/`; no open redirects.
    static func setLanguage(_ request: Request) throws -> Response {
        let form = try request.form()
        guard let raw = form["lang"], let lang = Language(rawValue: raw) else {
            throw WebError.badRequest("unknown language")
        }
        var response = Response.redirect(to: localPath(form["next"]) ?? "/", status: .seeOther)
        response.setCookie(SetCookie(name: Language.cookieName, value: lang.rawValue, maxAge: 365 * 24 * 3600))
        return response
    }

    /// `next` if it is a path on this site: starts with `/`, not `//` or `/\`, no control
    /// characters or backslashes anywhere.
    static func localPath(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), next.utf8.count <= 2048 else { return nil }
        guard !next.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) else { return nil }
        return next
    }

    static func metrics(_ request: Request) throws -> Response {
        var response = Response.text(request.context.metrics.render())
        response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        return response
    }
}

/// The text of the landing page, for an application that replaces the page itself.
public enum LandingPage {
    public static func title(_ request: Request) -> String {
        request.t("landing.title", ["company": request.context.branding.companyName])
    }

    /// Heading and introduction.
    public static func intro(_ request: Request) -> HTML {
        let company = request.context.branding.companyName
        return """
        <h1>\(title(request))</h1>
        <p>\(request.t("landing.intro", ["company": company]))</p>
        <p>\(request.t("landing.nothing_to_do"))</p>

        """
    }

    /// Links for operators (health, metrics).
    public static func operators(_ request: Request) -> HTML {
        """
        <h2>\(request.t("landing.operators"))</h2>
        <ul class="gh-links">
        <li>\(request.t("landing.health")): <a href="/-/health/live/">/-/health/live/</a>, <a href="/-/health/ready/">/-/health/ready/</a></li>
        <li>\(request.t("landing.metrics")): <a href="/-/metrics/">/-/metrics/</a></li>
        </ul>
        """
    }
}
