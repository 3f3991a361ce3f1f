import HTTP

/// The page frame every HTML page uses: branding, stylesheets, language switch.
/// No inline script or style: colours come from `/static/theme.css`, so the CSP can stay
/// `default-src 'self'`.
public enum Layout {
    public static let setLanguagePath = "/-/i18n/setlang/"

    public static func page(_ request: Request, title: String, content: HTML) -> HTML {
        let context = request.context
        let branding = context.branding
        let assets = context.assets
        let logo = branding.logoURL ?? assets.url("logo.svg")
        let switcher = Language.allCases.map { lang -> HTML in
            let pressed = lang == request.locale ? "true" : "false"
            return """
            <button type="submit" name="lang" value="\(lang.rawValue)" lang="\(lang.rawValue)" aria-pressed="\(pressed)">\(lang.nativeName)</button>
            """
        }
        return """
        <!DOCTYPE html>
        <html lang="\(request.locale.rawValue)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>\(title) · \(branding.companyName)</title>
        <link rel="icon" type="image/svg+xml" href="\(assets.url("favicon.svg"))">
        <link rel="stylesheet" href="\(assets.url("gatehouse.css"))">
        <link rel="stylesheet" href="\(assets.url("theme.css"))">
        </head>
        <body>
        <header class="gh-header">
        <a class="gh-brand" href="/"><img src="\(logo)" alt=""><span>\(branding.companyName)</span></a>
        <form class="gh-lang" method="post" action="\(setLanguagePath)">
        <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
        <input type="hidden" name="next" value="\(request.rawTarget)">
        <span>\(request.t("lang.switch"))</span>
        \(switcher)
        </form>
        </header>
        <main class="gh-main"><div class="gh-card">
        \(content)
        </div></main>
        <footer class="gh-footer">Gatehouse · \(request.t("product.tagline"))</footer>
        </body>
        </html>

        """
    }
}

extension Response {
    /// A full page in the layout.
    public static func page(_ request: Request, title: String, content: HTML, status: HTTPStatus = .ok) -> Response {
        .html(Layout.page(request, title: title, content: content), status: status)
    }
}
