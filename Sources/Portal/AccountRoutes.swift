import HTTP
import JSON
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
        var body = JSONObject()
        body["user"] = .object(Self.userJSON(user, groups: try services.users.groups(ofUser: user.id)))
        return Response(status: .ok, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                        body: JSONValue.object(body).bytes(.insertionOrder))
    }

    /// authentik's user object. The stored attributes are read and written again: a document
    /// that does not read as JSON (the store never holds one) is shown as `{}`.
    static func userJSON(_ user: User, groups: [Group]) -> JSONObject {
        var object = JSONObject()
        object["pk"] = .string(user.id.rawValue)
        object["username"] = .string(user.username)
        object["name"] = .string(user.name)
        object["email"] = .string(user.email ?? "")
        object["is_active"] = .bool(user.isActive)
        object["is_superuser"] = .bool(user.isSuperuser)
        object["groups"] = .array(groups.map { group -> JSONObject in
            var item = JSONObject()
            item["pk"] = .string(group.id.rawValue)
            item["name"] = .string(group.name)
            return item
        }.map(JSONValue.object))
        object["attributes"] = user.attributes.value ?? .object([:])
        return object
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
