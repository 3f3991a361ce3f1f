import Crypto
import Identity
import Store
import Web

/// The OAuth 2.0 / OpenID Connect provider: authentik's URL layout, every application's
/// issuer at `<external URL>/application/o/<slug>/`.
public struct OIDCProvider: Sendable {
    /// Without a trailing slash.
    public let externalURL: String
    public let clients: any OAuthClientDirectory
    public let grants: any OAuthGrantStore
    public let users: any UserStore
    public let events: any EventStore
    public let keys: any JWTKeyRing
    /// The signed-in browsers (by the session cookie's token).
    public let sessions: any BrowserSessions
    /// Where a browser signs in or steps up and comes back.
    public let signIn: SignInLocations
    /// Evaluates the CEL expressions of custom scope mappings.
    public let mapper: any AttributeMapper
    /// Seals the user id carried inside access tokens (a key derived from the master key).
    public let tokenSealer: SecretSealer
    public let clock: @Sendable () -> Timestamp
    /// Who may use which application (`GroupAccess` over `users` unless given).
    public let access: any ApplicationAccess
    let log: @Sendable (String) -> Void
    /// Verifies JWTs of upstream sources sent as `client_assertion` (nil: none accepted).
    public var clientAssertions: (any ClientAssertionVerifier)?

    public init(externalURL: String, clients: any OAuthClientDirectory, grants: any OAuthGrantStore,
                users: any UserStore, events: any EventStore, keys: any JWTKeyRing, sessions: any BrowserSessions,
                signIn: SignInLocations = SignInLocations(), mapper: any AttributeMapper = CELAttributeMapper(),
                tokenSealer: SecretSealer, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
                log: @escaping @Sendable (String) -> Void = { _ in }, access: (any ApplicationAccess)? = nil) {
        var base = externalURL
        while base.hasSuffix("/") { base.removeLast() }
        self.externalURL = base
        self.clients = clients
        self.grants = grants
        self.users = users
        self.events = events
        self.keys = keys
        self.sessions = sessions
        self.signIn = signIn
        self.mapper = mapper
        self.tokenSealer = tokenSealer
        self.clock = clock
        self.access = access ?? GroupAccess(users: users)
        self.log = log
    }

    public func issuer(slug: String) -> String { externalURL + "/application/o/" + slug + "/" }

    var authorizationEndpoint: String { externalURL + "/application/o/authorize/" }
    var tokenEndpoint: String { externalURL + "/application/o/token/" }
    var userinfoEndpoint: String { externalURL + "/application/o/userinfo/" }
    var introspectionEndpoint: String { externalURL + "/application/o/introspect/" }
    var revocationEndpoint: String { externalURL + "/application/o/revoke/" }

    /// The signed-in session of the request's browser, nil when there is none.
    func browserSession(_ request: Request) throws -> BrowserSession? {
        guard let token = SessionCookie.token(in: request) else { return nil }
        return try sessions.session(token: token)
    }

    /// Ends the request's session; the cookie to clear on the response.
    func endBrowserSession(_ request: Request) throws -> [SetCookie] {
        guard let token = SessionCookie.token(in: request) else { return [] }
        try sessions.end(token: token, clientIP: request.clientIP)
        return [SessionCookie.clear(for: request)]
    }

    /// Mounts every endpoint. `forms` is the CSRF-checked group (the consent and logout
    /// confirmation pages post there); the token, introspection and revocation endpoints are
    /// called by servers with client credentials, not by browsers, so they sit on `root`.
    public func register(root: RouteGroup, forms: RouteGroup) {
        let discovery = DiscoveryEndpoints(provider: self)
        root.get("/application/o/:slug/.well-known/openid-configuration") { try discovery.openIDConfiguration($0) }
        root.get("/.well-known/oauth-authorization-server/application/o/:slug/") { try discovery.authorizationServerMetadata($0) }
        root.get("/.well-known/oauth-authorization-server/application/o/:slug") { try discovery.authorizationServerMetadata($0) }
        root.get("/application/o/:slug/jwks/") { try discovery.jwks($0) }

        let authorize = AuthorizeEndpoint(provider: self)
        root.get("/application/o/authorize/") { try authorize.handle($0) }
        root.post("/application/o/authorize/") { try authorize.handle($0) }
        forms.post("/application/o/authorize/consent/") { try authorize.consent($0) }

        // Browser applications (public clients) call these across origins. No cookie is read
        // here (credentials are the client's and the token's own), so any origin may call.
        let cors = root.grouped(CORSMiddleware())
        let token = TokenEndpoint(provider: self)
        cors.post("/application/o/token/") { try token.handle($0) }

        let userinfo = UserInfoEndpoint(provider: self)
        cors.get("/application/o/userinfo/") { try userinfo.handle($0) }
        cors.post("/application/o/userinfo/") { try userinfo.handle($0) }

        let introspection = IntrospectionEndpoint(provider: self)
        cors.post("/application/o/introspect/") { try introspection.handle($0) }
        let revocation = RevocationEndpoint(provider: self)
        cors.post("/application/o/revoke/") { try revocation.handle($0) }
        for path in ["/application/o/token/", "/application/o/userinfo/", "/application/o/introspect/", "/application/o/revoke/",
                     "/application/o/:slug/token/", "/application/o/:slug/userinfo/", "/application/o/:slug/revoke/"] {
            cors.options(path) { _ in Response(status: .noContent) }
        }

        // The same endpoints under the issuer, for applications configured as
        // `ISSUER + "authorize/"` and so on (the seed's Django and PHP set-ups do that).
        root.get("/application/o/:slug/authorize/") { try authorize.handle($0) }
        root.post("/application/o/:slug/authorize/") { try authorize.handle($0) }
        cors.post("/application/o/:slug/token/") { try token.handle($0) }
        cors.get("/application/o/:slug/userinfo/") { try userinfo.handle($0) }
        cors.post("/application/o/:slug/userinfo/") { try userinfo.handle($0) }
        cors.post("/application/o/:slug/introspect/") { try introspection.handle($0) }
        cors.post("/application/o/:slug/revoke/") { try revocation.handle($0) }

        let endSession = EndSessionEndpoint(provider: self)
        root.get("/application/o/:slug/end-session/") { try endSession.handle($0) }
        forms.post("/application/o/:slug/end-session/") { try endSession.confirm($0) }
    }
}

/// CORS for the endpoints browser applications call with tokens, never cookies: any origin,
/// no credentials (so the browser sends no cookie and shares no response that needed one).
struct CORSMiddleware: Middleware {
    func handle(_ request: Request, next: Handler) throws -> Response {
        var response = try next(request)
        guard request.headers["Origin"] != nil else { return response }
        response.headers.set("Access-Control-Allow-Origin", "*")
        if request.method == .options {
            response.headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            response.headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type")
            response.headers.set("Access-Control-Max-Age", "600")
        }
        return response
    }
}
