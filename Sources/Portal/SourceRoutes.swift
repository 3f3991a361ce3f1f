import Crypto
import FoundationEssentials
import Federation
import Flows
import HTTP
import Store
import Web

/// `/source/oauth/login/<slug>/` and `/source/oauth/callback/<slug>/`: the browser goes
/// upstream with `state`, `nonce` and PKCE S256, kept server-side in the pre-login session's
/// flow plan; the callback takes them out (single use) before anything else, verifies the
/// upstream's answer, finds or makes the account, and continues the flow that sent it (the
/// stages after identification and password), which ends in a session whose `upstreamAMR`
/// is the upstream's `amr`. Every failure is one page (its own message and a retry link) and
/// one `source_login_failed` audit event, and creates nothing.
struct SourceRoutes {
    let login: LoginServices
    let directory: any UpstreamSourceDirectory
    let linker: AccountLinker
    /// Without a trailing slash.
    let externalURL: String

    static let loginPath = "/source/oauth/login/:slug/"
    static let callbackPath = "/source/oauth/callback/:slug/"

    func register(on group: RouteGroup) {
        group.get(Self.loginPath) { request in try start(request) }
        group.get(Self.callbackPath) { request in try callback(request) }
    }

    func redirectURI(_ slug: String) -> String { externalURL + "/source/oauth/callback/\(slug)/" }

    static func loginLink(slug: String, next: String) -> String {
        "/source/oauth/login/\(PercentEncoding.encode(slug, keeping: "/"))/" + (next == LocalPath.defaultTarget ? "" : "?next=" + PercentEncoding.encode(next, keeping: "/"))
    }

    // MARK: login

    func start(_ request: Request) throws -> Response {
        let slug = request.parameter("slug") ?? ""
        let now = Timestamp.now()
        var cookies: [SetCookie] = []
        var current = try login.resolver.current(request)
        var plan: FlowPlan
        if let state = current?.session.flowState, let stored = FlowPlan(json: state),
           login.executor.flows[stored.flowSlug]?.designation == .authentication {
            plan = stored
            if let next = request.query("next") { plan.next = LocalPath.sanitize(next) }
        } else {
            guard let fresh = login.executor.start(flowSlug: login.authenticationFlow, next: request.query("next")) else {
                throw WebError.notFound
            }
            plan = fresh
        }
        guard let client = directory.client(slug: slug) else {
            return fail(request, .unknownSource(slug), slug: slug, next: plan.next, cookies: cookies)
        }
        let begun: (url: String, pending: PendingUpstreamLogin)
        do throws(FederationError) {
            begun = try client.begin(redirectURI: redirectURI(slug))
        } catch {
            return fail(request, error, slug: slug, next: plan.next, cookies: cookies)
        }
        plan.upstreamLogin = Self.encode(begun.pending)
        if let current {
            // A signed-in session keeps going while the browser is upstream: a cross-site link
            // here must not sign anyone out. The sign-in that comes back replaces it.
            try login.sessions.setFlowState(idHash: current.session.idHash, plan.jsonText())
        } else {
            // No session: a fresh pre-login session.
            let (started, cookie) = try login.startPreLoginSession(request, plan: plan, at: now)
            cookies.append(cookie)
            current = started
        }
        var response = Response.redirect(to: begun.url, status: .found)
        response.headers.set("Cache-Control", "no-store")
        response.setCookies(cookies)
        return response
    }

    // MARK: callback

    func callback(_ request: Request) throws -> Response {
        let slug = request.parameter("slug") ?? ""
        let now = Timestamp.now()
        guard let current = try login.resolver.current(request), let state = current.session.flowState,
              var plan = FlowPlan(json: state), let pendingText = plan.upstreamLogin,
              let pending = Self.decode(pendingText), pending.source == slug else {
            return fail(request, .invalidState, slug: slug, next: LocalPath.defaultTarget)
        }
        // Single use: gone from the session before the answer is even looked at.
        plan.upstreamLogin = nil
        try login.sessions.setFlowState(idHash: current.session.idHash, plan.jsonText())
        let seconds = now.microsecondsSince1970 / 1_000_000
        guard let presented = request.query("state"), pending.accepts(state: presented, now: seconds) else {
            return fail(request, .invalidState, slug: slug, next: plan.next)
        }
        if let error = request.query("error") {
            return fail(request, .upstreamDenied(String(error.prefix(64))), slug: slug, next: plan.next)
        }
        guard let code = request.query("code"), !code.isEmpty, code.utf8.count <= 4096 else {
            return fail(request, .invalidToken("no code in the callback"), slug: slug, next: plan.next)
        }
        guard let client = directory.client(slug: slug) else {
            return fail(request, .unknownSource(slug), slug: slug, next: plan.next)
        }
        let user: User
        let identity: UpstreamIdentity
        do throws(FederationError) {
            identity = try client.complete(code: code, pending: pending, redirectURI: redirectURI(slug))
            let decision = try linker.decide(identity, source: client.config)
            user = try linker.apply(decision, identity, source: client.config)
        } catch {
            return fail(request, error, slug: slug, next: plan.next)
        }
        _ = try? login.events.appendEvent(NewAuditEvent(
            actorUserID: user.id, action: "source_login", clientIP: request.clientIP, outcome: "success",
            context: JSONText(["source": .string(slug), "amr": .strings(identity.amr)])))
        let resumed = try login.executor.continueAfterUpstream(plan, user: user.id, amr: identity.amr)
        try login.sessions.setFlowState(idHash: current.session.idHash, resumed.jsonText())
        login.resolver.forget(request)
        let step = try FlowStep.run(login, request, slug: resumed.flowSlug, input: .none)
        return FlowPageRoutes(services: login).render(request, step)
    }

    // MARK: failure

    func fail(_ request: Request, _ error: FederationError, slug: String, next: String,
              cookies: [SetCookie] = []) -> Response {
        _ = try? login.events.appendEvent(NewAuditEvent(
            action: "source_login_failed", clientIP: request.clientIP, outcome: "failure",
            context: JSONText(["source": .string(slug), "reason": .string(error.code),
                               "detail": .string(String(error.description.prefix(200)))])))
        let status: HTTPStatus = switch error {
        case .upstreamUnreachable: .init(502, "Bad Gateway")
        case .unknownSource: .notFound
        case .store, .mappingFailed: .init(500, "Internal Server Error")
        default: .forbidden
        }
        let content: HTML = """
        <h1>\(request.t("error.403.title"))</h1>
        <p class="gh-error" role="alert" data-reason="\(error.code)">\(error.message)</p>
        <p><a class="gh-button" href="\(Self.loginLink(slug: slug, next: next))">Try again</a></p>
        """
        var response = Response.page(request, title: "Sign-in failed", content: content, status: status)
        response.headers.set("Cache-Control", "no-store")
        response.setCookies(cookies)
        return response
    }

    static func encode(_ pending: PendingUpstreamLogin) -> String {
        guard let data = try? JSONEncoder().encode(pending) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String) -> PendingUpstreamLogin? {
        try? JSONDecoder().decode(PendingUpstreamLogin.self, from: Data(text.utf8))
    }
}
