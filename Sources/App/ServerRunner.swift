#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Federation
import HTTP
import Identity
import Logging
import Net
import OIDC
import Policies
import Portal
import Postgres
import Redis
import SAML
import SCIM
import Web

/// Runs the HTTP server (and later the LDAP listener) until SIGINT/SIGTERM.
///
/// `config` has passed `validateForServe()` and migrations have been applied. Returns the
/// process exit status: 0 after a requested shutdown that drained in time.
public enum ServerRunner {
    /// Longest a shutdown waits for in-flight requests.
    static let drainTimeout = 10.0

    /// `onReady` runs once the sockets listen (`gatehouse dev` prints where to go).
    public static func run(config: GatehouseConfig, logger: Logger, onReady: (@Sendable () -> Void)? = nil) throws -> Int32 {
        ShutdownSignals.shared.install()
        raiseOpenFileLimit(logger: logger)
        guard let databaseURL = config.databaseURL else {
            throw ConfigError(key: ConfigKey.databaseURL, problem: "is required")
        }
        let pool = PGPool(url: databaseURL.unredactedURL)
        defer { pool.close() }
        let sealer = try config.secretSealer()
        var login: LoginServices
        if let redisURL = config.redisURL {
            let redis = RedisClient(configuration: redisURL.redisConfiguration(), logger: logger)
            login = LoginServices.postgres(pool: pool, redis: redis, logger: logger, sealer: sealer, totpIssuer: config.brandName,
                                           webAuthn: LoginServices.relyingParty(externalURL: config.externalURL),
                                           authenticationFlow: config.authenticationFlow)
        } else {
            login = LoginServices.postgres(pool: pool, logger: logger, sealer: sealer, totpIssuer: config.brandName,
                                           webAuthn: LoginServices.relyingParty(externalURL: config.externalURL),
                                           authenticationFlow: config.authenticationFlow)
        }
        // OIDC: signing keys made on first start (every node agrees under a lock), clients read
        // through a cache that every node drops on PostgreSQL's NOTIFY.
        let signingKeys = SigningKeyRing(store: PostgresSigningKeyStore(pool: pool), sealer: sealer,
                                         retention: SigningKeyRing.defaultRetention, logger: logger)
        do {
            try signingKeys.ensureKeys()
        } catch {
            throw ConfigError(key: ConfigKey.secretKey, problem: "the signing keys could not be opened or created: \(error)")
        }
        let directory = CachedOAuthClientDirectory(store: PostgresOAuthProviderStore(pool: pool), sealer: sealer,
                                                   logger: logger)
        directory.startListening(to: PGConfigurationChangeFeed(url: databaseURL.unredactedURL))
        defer { directory.stopListening() }
        let grants = PostgresOAuthGrantStore(pool: pool)
        // Upstream sources (Entra ID, Google, Okta, OIDC): outbound calls bounded at 5 s / 15 s.
        let sources = SourceDirectory(store: PostgresOAuthSourceStore(pool: pool), sealer: sealer,
                                      transport: try NetUpstreamTransport(), logger: logger)
        login.sources = sources
        var external = config.externalURL
        while external.hasSuffix("/") { external.removeLast() }
        login.externalURL = external
        let oidcLogger = logger
        let policyLogger = logger
        let applicationPolicies = CachedApplicationPolicies(
            base: StoredApplicationPolicies(store: PostgresApplicationPolicyStore(pool: pool)))
        directory.onInvalidate { applicationPolicies.invalidate() }
        var oidc = OIDCProvider(
            externalURL: config.externalURL, clients: directory, grants: grants, users: login.users, events: login.events,
            keys: signingKeys, sessions: PortalBrowserSessions(services: login), signIn: login.signInLocations,
            mapper: CELAttributeMapper(), tokenSealer: sealer, log: { oidcLogger.warning("\($0)") },
            access: PolicyApplicationAccess(users: login.users, source: applicationPolicies,
                                            engine: PolicyEngine(log: { policyLogger.warning("\($0)") }), events: login.events))
        oidc.clientAssertions = SourceAssertionVerifier(directory: sources)

        // SAML: the same sessions, access rules and key pairs (with a certificate beside each);
        // providers cached like the OAuth clients and dropped on the same announcements.
        let samlProviders = PostgresSAMLProviderDirectory(pool: pool)
        directory.onInvalidate { samlProviders.invalidate() }
        guard let secretKey = config.secretKey else { throw ConfigError(key: ConfigKey.secretKey, problem: "is required") }
        let samlLogger = logger
        let saml = SAMLProvider(
            externalURL: config.externalURL, directory: samlProviders,
            keys: SAMLKeyRing(ring: signingKeys, store: PostgresSigningKeyCertificates(pool: pool),
                              commonName: "\(config.brandName) SAML signing", logger: logger),
            sessions: PortalBrowserSessions(services: login), users: login.users, events: login.events,
            ledger: PostgresSAMLRequestLedger(pool: pool), participants: PostgresSAMLSessionParticipants(pool: pool),
            signIn: login.signInLocations, mapper: CELAttributeMapper(),
            access: PolicyApplicationAccess(users: login.users, source: applicationPolicies,
                                            engine: PolicyEngine(log: { policyLogger.warning("\($0)") }), events: login.events),
            sealer: sealer,
            // Key separation: NameIDs are keyed by a derived key, never the master key itself.
            nameIDKey: HMAC.sha256(key: secretKey.bytes, message: Array("gatehouse/saml/nameid/v1".utf8)),
            log: { samlLogger.warning("\($0)") })

        // A SCIM deactivation voids the user's cached sessions on every node, as `CachedUserStore` does.
        let sessionCache = (login.users as? CachedUserStore)?.cache
        let scim = SCIMProvider(store: PostgresProvisioningStore(pool: pool),
                                log: { logger.error("\($0)", metadata: $1.mapValues { .string($0) }) }) { user in sessionCache?.invalidateUser(user) }
        login.linker = AccountLinker(users: login.users, groups: PostgresGroupStore(pool: pool),
                                     connections: PostgresSourceConnectionStore(pool: pool),
                                     provisioned: PostgresProvisioningStore(pool: pool))
        let server = try makeServer(config: config, logger: logger, login: login, oidc: oidc, saml: saml, scim: scim)
        try server.start()
        let sweeper = SessionSweeper(sessions: login.sessions, grants: grants, logger: logger)
        defer { sweeper.stop() }
        var watcher: BlueprintWatcher?
        if let directory = config.blueprintsDirectory {
            watcher = BlueprintWatcher(directory: directory, databaseURL: databaseURL,
                                       environment: ProcessEnvironment.current(), sealer: try? config.secretSealer(),
                                       logger: logger)
        }
        defer { watcher?.stop() }
        logger.info("gatehouse listening", metadata: [
            "listen": "\(zip(config.listen, server.boundPorts).map { "\($0.host.contains(":") ? "[\($0.host)]" : $0.host):\($1)" }.joined(separator: ","))",
            "external_url": "\(config.externalURL)",
            "tls": "\(config.tls != nil)",
        ])
        onReady?()
        let signal = ShutdownSignals.shared.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal ?? 0)", "open_connections": "\(server.openConnections)"])
        let drained = server.shutdown(timeout: drainTimeout)
        if !drained { logger.warning("some connections did not finish within \(Int(drainTimeout)) s and were closed") }
        logger.info("stopped")
        return 0
    }

    /// Builds the web application and the HTTP server from configuration, without starting it.
    static func makeServer(config: GatehouseConfig, logger: Logger, login: LoginServices, oidc: OIDCProvider?,
                           saml: SAMLProvider? = nil, scim: SCIMProvider? = nil) throws -> HTTPServer {
        let loginRoutes = LoginRoutes(services: login)
        guard let secretKey = config.secretKey else { throw ConfigError(key: ConfigKey.secretKey, problem: "is required") }
        let web = try WebApplication(config: WebConfig(
            externalURL: config.externalURL,
            trustedProxies: TrustedProxies(networks: config.trustedProxies),
            branding: Branding(companyName: config.brandName, logoURL: config.brandLogoURL,
                               primaryColor: config.brandPrimaryColor ?? Branding.defaultPrimary),
            // Key separation: the CSRF MAC key is derived, the master key itself never leaves App.
            serverKey: HMAC.sha256(key: secretKey.bytes, message: Array("gatehouse/web/csrf/v1".utf8)),
            logger: logger), landing: loginRoutes.landing)
        loginRoutes.register(root: web.root, forms: web.forms)
        oidc?.register(root: web.root, forms: web.forms)
        saml?.register(root: web.root)
        web.mount(HealthRoutes(readiness: Readiness(config: config), logger: logger))
        scim?.register(root: web.root)

        var tls: TLSContext?
        if let files = config.tls {
            tls = try TLSContext.server(certificatePath: files.certificatePath, keyPath: files.privateKeyPath)
        }
        let server = HTTPServer(configuration: .init(addresses: config.listen, maxConnections: config.maxConnections,
                                                     tls: tls),
                                logger: logger, responder: web.responder)
        web.metrics.registerGauge("gatehouse_open_connections", help: "HTTP connections currently open") {
            Double(server.openConnections)
        }
        return server
    }

    /// Each connection is a descriptor: lift the soft limit to the hard one so the
    /// connection cap, not the default 1024, is what bounds us.
    static func raiseOpenFileLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.debug("could not raise the open file limit")
        }
    }
}
