import Crypto
import Logging
import Redis
import Flows
import Postgres
import Store
import Web

/// Everything the login routes need, behind the Store and Flows protocols. `ServerRunner`
/// builds it from the pool; a Redis session cache or throttle is swapped in by passing a
/// different `sessions` / `throttle` (one line there).
public struct LoginServices: Sendable {
    /// The flow that signs people in (`GATEHOUSE_AUTHENTICATION_FLOW`); every "sign in first"
    /// link and redirect goes there.
    public var authenticationFlow = GatehouseConfig.defaultAuthenticationFlow
    public var signInPath: String { "/if/flow/\(authenticationFlow)/" }
    public let users: any UserStore
    public let sessions: any SessionStore
    public let events: any EventStore
    public let executor: FlowExecutor
    public let resolver: SessionResolver
    /// The upstream sources the sign-in page offers (set by `ServerRunner`; nil: none).
    var sources: SourceDirectory?
    /// Second factors (nil: MFA stages treat every user as having none).
    public let authenticators: (any AuthenticatorStore)?

    /// How long a pre-login (anonymous) session that only carries a flow plan may live.
    static let preLoginAbsoluteSeconds: Int64 = 3600
    static let preLoginIdleSeconds = 1800

    public init(users: any UserStore, sessions: any SessionStore, events: any EventStore, throttle: any LoginThrottle,
                hasher: PasswordHasher = PasswordHasher(parameters: .owaspMinimum), flows: [Flow] = Flow.builtIn,
                authenticators: (any AuthenticatorStore)? = nil, totpIssuer: String = "Gatehouse",
                webAuthn: WebAuthn.RelyingParty? = nil) {
        self.authenticators = authenticators
        self.users = users
        self.sessions = sessions
        self.events = events
        executor = FlowExecutor(users: users, sessions: sessions, events: events, hasher: hasher, throttle: throttle,
                                flows: flows, authenticators: authenticators, totpIssuer: totpIssuer,
                                webAuthn: webAuthn)
        resolver = SessionResolver(users: users, sessions: sessions)
    }

    /// The PostgreSQL stores on `pool`, failed-login counters in PostgreSQL shared by all nodes
    /// (`SharedLoginThrottle`; this node's counts while the database errs), OWASP argon2id parameters.
    public static func postgres(pool: PGPool, logger: Logger = Logger(label: "gatehouse.login"), sealer: SecretSealer? = nil,
                                totpIssuer: String = "Gatehouse", webAuthn: WebAuthn.RelyingParty? = nil) -> LoginServices {
        LoginServices(users: PostgresUserStore(pool: pool), sessions: PostgresSessionStore(pool: pool),
                      events: PostgresEventStore(pool: pool), throttle: SharedLoginThrottle(store: PostgresLoginFailureStore(pool: pool), logger: logger),
                      authenticators: sealer.map { authenticatorStore(pool: pool, sealer: $0) }, totpIssuer: totpIssuer,
                      webAuthn: webAuthn)
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

    /// TOTP secrets sealed with the master key at `totp_devices/<id>/secret_sealed`.
    public static func authenticatorStore(pool: PGPool, sealer: SecretSealer) -> PostgresAuthenticatorStore {
        PostgresAuthenticatorStore(
            pool: pool,
            seal: { secret, id in SealedColumns.seal(Base32.encode(secret), with: sealer, at: SealedColumns.totpSecret, rowID: id) },
            open: { sealed, id in
                guard let secret = Base32.decode(try SealedColumns.open(sealed, with: sealer, at: SealedColumns.totpSecret,
                                                                        rowID: id)) else {
                    throw StoreError.invalid("a sealed TOTP secret is not base32")
                }
                return secret
            })
    }

    /// PostgreSQL as the store of record with Redis in front: sessions cached (and voided on
    /// every node when a user is deactivated) and failed-login counters shared by all nodes.
    /// Redis being down only costs speed: reads fall back to PostgreSQL, and so do the counters
    /// (every failure is written there too), which stay shared.
    public static func postgres(pool: PGPool, redis: RedisClient, logger: Logger, sealer: SecretSealer? = nil,
                                totpIssuer: String = "Gatehouse", webAuthn: WebAuthn.RelyingParty? = nil) -> LoginServices {
        let cache = SessionCache(client: redis, logger: logger)
        return LoginServices(users: CachedUserStore(base: PostgresUserStore(pool: pool), cache: cache),
                             sessions: CachedSessionStore(base: PostgresSessionStore(pool: pool), cache: cache),
                             events: PostgresEventStore(pool: pool), throttle: RedisLoginThrottle(client: redis, fallback: SharedLoginThrottle(store: PostgresLoginFailureStore(pool: pool), logger: logger)),
                             authenticators: sealer.map { authenticatorStore(pool: pool, sealer: $0) }, totpIssuer: totpIssuer,
                      webAuthn: webAuthn)
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
