import Crypto
import Store
import Web

/// The signed-in browser behind a request, as the OIDC endpoints need it.
public struct BrowserSession: Sendable {
    public let user: User
    /// SHA-256 of the session cookie (the store's key; never the cookie itself).
    public let sessionIDHash: [UInt8]
    public let authTime: Timestamp
    public let authMethods: [String]
    public let upstreamAMR: [String]
    /// When the session last passed an MFA verification (nil: never).
    public let lastMFAAt: Timestamp?
    /// The methods of that verification (`otp`, `mfa`), added to the tokens' `amr`.
    public let mfaMethods: [String]

    public init(user: User, sessionIDHash: [UInt8], authTime: Timestamp, authMethods: [String], upstreamAMR: [String],
                lastMFAAt: Timestamp? = nil, mfaMethods: [String] = []) {
        self.user = user
        self.sessionIDHash = sessionIDHash
        self.authTime = authTime
        self.authMethods = authMethods
        self.upstreamAMR = upstreamAMR
        self.lastMFAAt = lastMFAAt
        self.mfaMethods = mfaMethods
    }

    /// The `sid` claim: derived from the store key, so it names the session without being
    /// usable as (or leading back to) the cookie.
    public var sid: String { OIDCProvider.sessionID(forIDHash: sessionIDHash) }
}

/// What the OIDC room needs from the login side (the App room implements it over the session
/// cookie and the flow executor).
public protocol BrowserSessions: Sendable {
    /// The signed-in session of the request, nil when there is none.
    func current(_ request: Request) throws -> BrowserSession?
    /// Ends the request's session; the cookies to set on the response.
    func end(_ request: Request) throws -> [SetCookie]
    /// Where to send the browser to sign in and come back to `returnTo` (a local path).
    func loginLocation(returnTo: String, loginHint: String?) -> String
    /// Where to send a signed-in browser to pass an MFA verification and come back to `returnTo`.
    func stepUpLocation(returnTo: String) -> String
}

extension BrowserSessions {
    public func stepUpLocation(returnTo: String) -> String {
        "/if/flow/default-authenticator-validation-flow/?next=" + percentEncode(returnTo)
    }
}

/// Produces the claims of a custom scope mapping (the App room evaluates the CEL expression).
public protocol ScopeClaimsEvaluator: Sendable {
    /// The claims `mapping` yields for `user`; a failure is logged by the caller and the
    /// mapping contributes nothing.
    func claims(of mapping: OAuthScopeMapping, user: User, groups: [String], client: OAuthClient,
                scopes: [String]) throws -> [String: JSONValue]
}

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
    public let sessions: any BrowserSessions
    public let scopeClaims: any ScopeClaimsEvaluator
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
                scopeClaims: any ScopeClaimsEvaluator, tokenSealer: SecretSealer, clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
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
        self.scopeClaims = scopeClaims
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

    static func sessionID(forIDHash hash: [UInt8]) -> String {
        Base64URL.encode(Array(Digest.sha256(Array("gatehouse/oidc/sid/v1:".utf8) + hash).prefix(18)))
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
