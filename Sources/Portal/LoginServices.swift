import Crypto
import Federation
import Flows
import Identity
import Store
import Web

/// Everything the portal's routes need, behind the Store, Identity and Flows protocols. App
/// builds it over PostgreSQL (and Redis in front, when configured); tests over memory.
public struct LoginServices: Sendable {
    /// The flow that signs people in (`GATEHOUSE_AUTHENTICATION_FLOW`); every "sign in first"
    /// link and redirect goes there, and it is the only authentication flow served: another
    /// one (say, password-only when this one asks for a second factor) would be a way around it.
    public let authenticationFlow: String
    public var signInPath: String { "/if/flow/\(authenticationFlow)/" }
    /// Where protocols send browsers to sign in or step up (this portal's flow pages).
    public var signInLocations: SignInLocations {
        SignInLocations(signInPath: signInPath, stepUpPath: "/if/flow/\(Flow.mfaValidation.slug)/")
    }
    public let users: any UserStore
    public let sessions: any SessionStore
    public let events: any EventStore
    public let executor: FlowExecutor
    public let resolver: SessionResolver
    /// The upstream sources the sign-in page offers (nil: none), and how their sign-ins find
    /// or make accounts.
    public var sources: (any UpstreamSourceDirectory)?
    public var linker: AccountLinker?
    /// The configured external URL without a trailing slash (upstream callbacks are built on it).
    public var externalURL = ""
    /// Second factors (nil: MFA stages treat every user as having none).
    public let authenticators: (any AuthenticatorStore)?

    /// How long a pre-login (anonymous) session that only carries a flow plan may live.
    static let preLoginAbsoluteSeconds: Int64 = 3600
    static let preLoginIdleSeconds = 1800

    public init(users: any UserStore, sessions: any SessionStore, events: any EventStore, throttle: any LoginThrottle,
                hasher: PasswordHasher = PasswordHasher(parameters: .owaspMinimum), flows: [Flow] = Flow.builtIn,
                authenticationFlow: String = Flow.defaultAuthentication.slug,
                authenticators: (any AuthenticatorStore)? = nil, totpIssuer: String = "Gatehouse",
                webAuthn: WebAuthn.RelyingParty? = nil) {
        self.authenticationFlow = authenticationFlow
        self.authenticators = authenticators
        self.users = users
        self.sessions = sessions
        self.events = events
        executor = FlowExecutor(users: users, sessions: sessions, events: events, hasher: hasher, throttle: throttle,
                                flows: flows.filter { $0.designation != .authentication || $0.slug == authenticationFlow },
                                authenticators: authenticators, totpIssuer: totpIssuer,
                                webAuthn: webAuthn)
        resolver = SessionResolver(users: users, sessions: sessions)
    }

    /// WebAuthn's RP ID (the host) and origin (scheme, host, port) from the external URL.
    public static func relyingParty(externalURL: String) -> WebAuthn.RelyingParty? {
        guard let schemeEnd = externalURL.range(of: "://") else { return nil }
        let scheme = externalURL[..<schemeEnd.lowerBound].lowercased()
        let authority = externalURL[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }.lowercased()
        guard scheme == "https" || scheme == "http", !authority.isEmpty, !authority.contains("@") else { return nil }
        var host = authority
        if host.hasPrefix("[") {
            host = String(host.prefix { $0 != "]" }.dropFirst())
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return WebAuthn.RelyingParty(id: host, origin: scheme + "://" + authority)
    }

}

extension LoginServices {
    /// A new pre-login session (no user yet) carrying `plan`, for a browser that has none, and
    /// the cookie that names it. The flow page and the upstream-source login both start here.
    func startPreLoginSession(_ request: Request, plan: FlowPlan, at now: Timestamp) throws -> (CurrentSession, SetCookie) {
        let token = SecureRandom.token(byteCount: 32)
        let session = Session(
            idHash: Digest.sha256(token), userID: nil, createdAt: now, lastSeenAt: now,
            expiresAt: now.adding(seconds: Self.preLoginAbsoluteSeconds),
            idleTimeoutSeconds: Self.preLoginIdleSeconds, clientIP: request.clientIP,
            userAgent: request.headers["User-Agent"].map { String($0.prefix(512)) }, flowState: plan.jsonText())
        try sessions.createSession(session)
        return (CurrentSession(session: session, user: nil), SessionCookie.set(token, maxAge: nil, for: request))
    }
}
