import HTTP
import Store
import Web

/// `GET /api/v3/core/users/me/` (authentik's shape) and the landing page at `/`.
struct AccountRoutes {
    let services: LoginServices

    static let mePath = "/api/v3/core/users/me/"
    static let signOutPath = "/if/flow/default-invalidation-flow/"

    func register(on group: RouteGroup) {
        group.get(Self.mePath) { request in try me(request) }
    }

    /// 200 `{"user": {...}}` for a signed-in session, else 403 with a JSON error.
    func me(_ request: Request) throws -> Response {
        guard let current = try services.resolver.current(request), let user = current.user else {
            var response = Response(status: .forbidden, headers: ["Content-Type": "application/json"],
                                    body: Array(#"{"detail":"Authentication credentials were not provided."}"#.utf8))
            response.headers.set("Cache-Control", "no-store")
            return response
        }
        let groups = try services.users.groups(ofUser: user.id)
        var object = JSONObject()
        object.set("pk", user.id.rawValue)
        object.set("username", user.username)
        object.set("name", user.name)
        object.set("email", user.email ?? "")
        object.set("is_active", user.isActive)
        object.set("is_superuser", user.isSuperuser)
        object.set("groups", groups.map { group -> JSONObject in
            var item = JSONObject()
            item.set("pk", group.id.rawValue)
            item.set("name", group.name)
            return item
        })
        object.set("attributes", raw: user.attributes.text)
        var body = JSONObject()
        body.set("user", object)
        return Response(status: .ok, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                        body: Array(body.text.utf8))
    }

    /// The web layer's landing text, plus who is signed in (and a sign-out button) or a sign-in link.
    func landing(_ request: Request) throws -> Response {
        let account: HTML
        if let user = try services.resolver.current(request)?.user {
            let shown = user.name.isEmpty ? user.username : "\(user.name) (\(user.username))"
            account = """
            <section class="gh-account">
            <p>\(request.t("landing.signed_in_as", ["name": shown]))</p>
            <form method="post" action="\(Self.signOutPath)">
            <input type="hidden" name="csrf_token" value="\(request.csrfToken)">
            <button class="gh-button" type="submit">\(request.t("flow.logout.button"))</button>
            </form>
            </section>

            """
        } else {
            account = """
            <p><a class="gh-button" href="\(services.signInPath)">\(request.t("landing.sign_in"))</a></p>

            """
        }
        var response = Response.page(request, title: LandingPage.title(request),
                                     content: LandingPage.intro(request) + account + LandingPage.operators(request))
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}

/// Mounts the login routes: the JSON executor, the HTML flow pages, users/me.
public struct LoginRoutes: Sendable {
    public let services: LoginServices

    public init(services: LoginServices) { self.services = services }

    public func register(root: RouteGroup, forms: RouteGroup) {
        FlowExecutorRoutes(services: services).register(on: root)
        FlowPageRoutes(services: services).register(root: root, forms: forms)
        AccountRoutes(services: services).register(on: root)
        AuthenticatorRoutes(services: services).register(on: root)
        if let sources = services.sources, let linker = services.linker {
            SourceRoutes(login: services, directory: sources, linker: linker, externalURL: services.externalURL).register(on: root)
        }
    }

    /// The handler for `/` (pass to `WebApplication(landing:)`).
    public var landing: Handler {
        let routes = AccountRoutes(services: services)
        return { request in try routes.landing(request) }
    }
}
