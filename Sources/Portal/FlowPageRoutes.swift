import Flows
import HTTP
import Store
import Web

/// The flow as HTML forms, without JavaScript: `GET/POST /if/flow/<flow-slug>/`. POSTs go
/// through the `forms` group (CSRF token checked). GET shows the current stage; POST submits
/// it and either shows the stage again (with the one generic error) or answers 303 to the
/// flow's `next` with the session cookie set. The invalidation flow asks first (GET) and
/// signs out on POST only.
struct FlowPageRoutes {
    let services: LoginServices

    static let path = "/if/flow/:slug/"

    func register(root: RouteGroup, forms: RouteGroup) {
        root.get(Self.path) { request in try get(request) }
        forms.post(Self.path) { request in try post(request) }
    }

    func get(_ request: Request) throws -> Response {
        let slug = request.parameter("slug") ?? ""
        guard let flow = services.executor.flows[slug] else { throw WebError.notFound }
        if flow.designation == .invalidation { return logoutPage(request, flow: flow) }
        if flow.designation == .stageConfiguration, try services.resolver.current(request)?.user == nil {
            // Step-up and enrolment act for a signed-in user: sign in first, then come back here.
            let here = request.rawPath + (request.rawQuery.map { "?" + $0 } ?? "")
            var response = Response.redirect(to: services.signInPath + "?restart=1&next=" + PercentEncoding.encode(here, keeping: "/"),
                                             status: .found)
            response.headers.set("Cache-Control", "no-store")
            return response
        }
        let step = try FlowStep.run(services, request, slug: slug, input: .none, restart: request.query("restart") != nil)
        // A source in redirect mode: straight upstream, no local password page (`?local=1` shows it).
        if case .challenge(.identification, _) = step.outcome.step, request.query("local") == nil,
           let source = services.sources?.enabledSources().first(where: { $0.loginMode == .redirect }) {
            var response = Response.redirect(to: SourceRoutes.loginLink(slug: source.slug, next: step.plan.next), status: .found)
            response.headers.set("Cache-Control", "no-store")
            response.setCookies(step.cookies)
            return response
        }
        return render(request, step)
    }

    func post(_ request: Request) throws -> Response {
        let slug = request.parameter("slug") ?? ""
        guard services.executor.flows[slug] != nil else { throw WebError.notFound }
        let form = try request.form()
        let input: FlowInput
        switch form["component"] {
        case "ak-stage-identification": input = .identification(uid: form["uid_field"] ?? "")
        case "ak-stage-password": input = .password(form["password"] ?? "")
        case "ak-stage-authenticator-validate": input = .authenticatorCode(form["code"] ?? "")
        case "ak-stage-authenticator-totp": input = .totpSetupCode(form["code"] ?? "")
        case "ak-stage-prompt":
            var values: [String: String] = [:]
            for (key, list) in form.fields where key != "csrf_token" && key != "component" { values[key] = list.first }
            input = .prompt(values)
        case "ak-stage-consent": input = .consent(accepted: form["accept"] == "yes")
        default: input = .none
        }
        return render(request, try FlowStep.run(services, request, slug: slug, input: input))
    }

    // MARK: rendering

    func render(_ request: Request, _ step: FlowStep) -> Response {
        var response: Response
        switch step.outcome.step {
        case .completed(let done):
            response = .redirect(to: done.redirect, status: .seeOther)
        case .challenge(let challenge, let errors):
            response = page(request, step: step, challenge: challenge, errors: errors)
        }
        response.headers.set("Cache-Control", "no-store")
        response.setCookies(step.cookies)
        return response
    }

    /// Where the form posts: the page itself, carrying `next` in case the plan is gone by then.
    static func action(slug: String, next: String) -> String {
        let base = "/if/flow/\(slug)/"
        return next == LocalPath.defaultTarget ? base : base + "?next=" + PercentEncoding.encode(next, keeping: "/")
    }

    static func restartLink(slug: String, next: String) -> String {
        "/if/flow/\(slug)/?restart=1" + (next == LocalPath.defaultTarget ? "" : "&next=" + PercentEncoding.encode(next, keeping: "/"))
    }

    func message(_ request: Request, _ error: FieldError) -> String {
        switch error.code {
        case "invalid" where error.field == "code": request.t("flow.error.code_invalid")
        case "invalid" where error.message == FlowExecutor.invalidValueMessage: request.t("flow.error.value_invalid")
        case "invalid": request.t("flow.error.invalid")
        case "throttled": request.t("flow.error.throttled")
        case "required": request.t("flow.error.required")
        case "max_length": request.t("flow.error.too_long")
        default: error.message
        }
    }

    func page(_ request: Request, step: FlowStep, challenge: Challenge, errors: [FieldError]) -> Response {
        let slug = step.flow.slug
        let title = request.t("flow.authentication.title")
        let action = Self.action(slug: slug, next: step.plan.next)
        let errorHTML: HTML = errors.isEmpty ? .empty : errors.map { error -> HTML in
            "<p class=\"gh-error\" role=\"alert\">\(message(request, error))</p>\n"
        }.joined()
        let content: HTML
        switch challenge {
        case .identification:
            content = """
            <h1>\(title)</h1>
            <form method="post" action="\(action)">
            <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
            <input type="hidden" name="component" value="ak-stage-identification">
            <label for="uid_field">\(request.t("flow.uid.label"))</label>
            <input id="uid_field" name="uid_field" type="text" autocomplete="username" autofocus required value="\(step.plan.uid ?? String((request.query("login_hint") ?? "").prefix(256)))">
            \(errorHTML)<button class="gh-button" type="submit">\(request.t("flow.continue"))</button>
            </form>
            """ + sourceButtons(next: step.plan.next)
        case .password(let pendingUser, _):
            content = """
            <h1>\(title)</h1>
            <p>\(request.t("flow.signing_in_as", ["user": pendingUser])) · <a href="\(Self.restartLink(slug: slug, next: step.plan.next))">\(request.t("flow.not_you"))</a></p>
            <form method="post" action="\(action)">
            <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
            <input type="hidden" name="component" value="ak-stage-password">
            <input type="hidden" name="username" autocomplete="username" value="\(pendingUser)">
            <label for="password">\(request.t("flow.password.label"))</label>
            <input id="password" name="password" type="password" autocomplete="current-password" autofocus required>
            \(errorHTML)<button class="gh-button" type="submit">\(request.t("flow.sign_in"))</button>
            </form>
            """
        case .authenticatorValidate:
            content = """
            <h1>\(request.t("flow.mfa.title"))</h1>
            <p>\(request.t("flow.mfa.prompt"))</p>
            <form method="post" action="\(action)">
            <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
            <input type="hidden" name="component" value="ak-stage-authenticator-validate">
            <label for="code">\(request.t("flow.mfa.code.label"))</label>
            <input id="code" name="code" type="text" inputmode="text" autocomplete="one-time-code" autofocus required maxlength="32">
            \(errorHTML)<button class="gh-button" type="submit">\(request.t("flow.mfa.verify"))</button>
            </form>
            """
        case .totpSetup(let configURL, let secret, _):
            let qr = (try? QRCodeSVG.svg(configURL)).map { HTML(unsafeRaw: $0) } ?? .empty
            content = """
            <h1>\(request.t("flow.totp.title"))</h1>
            <p>\(request.t("flow.totp.scan"))</p>
            <p class="gh-qr">\(qr)</p>
            <p>\(request.t("flow.totp.key")): <code>\(secret)</code></p>
            <form method="post" action="\(action)">
            <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
            <input type="hidden" name="component" value="ak-stage-authenticator-totp">
            <label for="code">\(request.t("flow.mfa.code.label"))</label>
            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autofocus required maxlength="6">
            \(errorHTML)<button class="gh-button" type="submit">\(request.t("flow.mfa.verify"))</button>
            </form>
            """
        case .webAuthnSetup:
            // WebAuthn is a JavaScript API: this page has none. API clients use the JSON executor.
            content = """
            <h1>\(request.t("flow.webauthn.title"))</h1>
            <p class="gh-error" role="alert">\(request.t("flow.webauthn.needs_js"))</p>
            """
        case .prompt(let fields, let values, _):
            let inputs = fields.map { field -> HTML in
                let type = switch field.kind {
                case .email: "email"
                case .number: "number"
                case .phone: "tel"
                case .text: "text"
                }
                let fieldErrors = errors.filter { $0.field == field.key }.map { error -> HTML in
                    "<p class=\"gh-error\" role=\"alert\">\(message(request, error))</p>\n"
                }.joined()
                return """
                <label for="f-\(field.key)">\(field.label)</label>
                <input id="f-\(field.key)" name="\(field.key)" type="\(type)" placeholder="\(field.placeholder)" maxlength="\(field.maxLength)"\(field.required ? HTML(unsafeRaw: " required") : .empty) value="\(values[field.key] ?? "")">
                \(fieldErrors)
                """
            }.joined()
            content = """
            <h1>\(step.flow.title)</h1>
            <form method="post" action="\(action)">
            <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
            <input type="hidden" name="component" value="ak-stage-prompt">
            \(inputs)<button class="gh-button" type="submit">\(request.t("flow.continue"))</button>
            </form>
            """
        case .consent(let text, _):
            content = """
            <h1>\(step.flow.title)</h1>
            <p>\(text)</p>
            <form method="post" action="\(action)">
            <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
            <input type="hidden" name="component" value="ak-stage-consent">
            <button class="gh-button" type="submit" name="accept" value="yes">\(request.t("flow.consent.accept"))</button>
            <button class="gh-button gh-secondary" type="submit" name="accept" value="no">\(request.t("flow.consent.decline"))</button>
            </form>
            """
        case .recoveryCodes(let codes):
            let items = codes.map { code -> HTML in "<li><code>\(code)</code></li>" }.joined()
            content = """
            <h1>\(request.t("flow.recovery.title"))</h1>
            <p>\(request.t("flow.recovery.body"))</p>
            <ul class="gh-codes">\(items)</ul>
            <p><a class="gh-button" href="\(action)">\(request.t("flow.continue"))</a></p>
            """
        case .accessDenied(let text):
            let shown = switch text {
            case FlowExecutor.noUserMessage, FlowExecutor.signInFirstMessage: request.t("error.403.body")
            case FlowExecutor.mfaLockedMessage: request.t("flow.error.mfa_locked")
            case FlowExecutor.mfaNotConfiguredMessage: request.t("flow.error.mfa_not_configured")
            case FlowExecutor.consentDeclinedMessage: request.t("flow.consent.declined")
            default: text
            }
            content = """
            <h1>\(request.t("error.403.title"))</h1>
            <p class="gh-error" role="alert">\(shown)</p>
            <p><a class="gh-button" href="\(Self.restartLink(slug: slug, next: step.plan.next))">\(request.t("flow.start_again"))</a></p>
            """
        case .redirect(let to):
            content = "<p><a class=\"gh-button\" href=\"\(to)\">\(request.t("flow.continue"))</a></p>"
        }
        return .page(request, title: title, content: content)
    }

    /// One link per enabled upstream source (`oauth-source`), under the identification form.
    func sourceButtons(next: String) -> HTML {
        guard let sources = services.sources?.enabledSources(), !sources.isEmpty else { return .empty }
        let links: [HTML] = sources.map { source in
            let icon: HTML = source.icon.map { "<img class=\"gh-source-icon\" src=\"\($0)\" alt=\"\">" } ?? .empty
            return "<li><a class=\"gh-button gh-source\" data-source=\"\(source.slug)\" href=\"\(SourceRoutes.loginLink(slug: source.slug, next: next))\">\(icon)\(source.buttonLabel)</a></li>\n"
        }
        return "\n<ul class=\"gh-sources\">\n" + links.joined() + "</ul>"
    }

    func logoutPage(_ request: Request, flow: Flow) -> Response {
        let title = request.t("flow.invalidation.title")
        let next = LocalPath.sanitize(request.query("next"))
        let content: HTML = """
        <h1>\(title)</h1>
        <p>\(request.t("flow.logout.question"))</p>
        <form method="post" action="\(Self.action(slug: flow.slug, next: next))">
        <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
        <button class="gh-button" type="submit">\(request.t("flow.logout.button"))</button>
        </form>
        """
        var response = Response.page(request, title: title, content: content)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
