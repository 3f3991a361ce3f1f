import Crypto
import Identity
import Store
import Web

/// The SAML 2.0 identity provider: authentik's URL layout under
/// `<external URL>/application/saml/<slug>/`, one service provider per application.
/// Everything it needs comes in through protocols (App wires PostgreSQL behind them; tests
/// use memory), so the whole room is tested in-process.
public struct SAMLProvider: Sendable {
    /// Without a trailing slash.
    public let externalURL: String
    public let directory: any SAMLProviderDirectory
    public let keys: any SAMLSigningKeys
    public let sessions: any BrowserSessions
    public let users: any UserStore
    public let events: any EventStore
    public let ledger: any SAMLRequestLedger
    /// The SPs each session signed in to (the hook for logout propagation).
    public let participants: any SAMLSessionParticipants
    public let signIn: SignInLocations
    public let mapper: any AttributeMapper
    public let access: any ApplicationAccess
    /// Seals pending requests (a key derived from the master key).
    public let sealer: SecretSealer
    /// Keys persistent and transient NameIDs (derived from the master key, never the master key).
    public let nameIDKey: [UInt8]
    public let clock: @Sendable () -> Timestamp
    let log: @Sendable (String) -> Void
    /// Participations this node already wrote (so repeated sign-ins write nothing new).
    let recentParticipants = RecentParticipants()

    public init(externalURL: String, directory: any SAMLProviderDirectory, keys: any SAMLSigningKeys,
                sessions: any BrowserSessions, users: any UserStore, events: any EventStore, ledger: any SAMLRequestLedger,
                participants: any SAMLSessionParticipants, signIn: SignInLocations = SignInLocations(),
                mapper: any AttributeMapper = CELAttributeMapper(), access: (any ApplicationAccess)? = nil,
                sealer: SecretSealer, nameIDKey: [UInt8], clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() },
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        var base = externalURL
        while base.hasSuffix("/") { base.removeLast() }
        self.externalURL = base
        self.directory = directory
        self.keys = keys
        self.sessions = sessions
        self.users = users
        self.events = events
        self.ledger = ledger
        self.participants = participants
        self.signIn = signIn
        self.mapper = mapper
        self.access = access ?? GroupAccess(users: users)
        self.sealer = sealer
        self.nameIDKey = nameIDKey
        self.clock = clock
        self.log = log
    }

    // MARK: URLs

    static func base(_ slug: String) -> String { "/application/saml/" + slug + "/" }
    func url(_ slug: String, _ path: String) -> String { externalURL + Self.base(slug) + path }
    /// Our entity ID for this application: its metadata URL (resolvable, as SAML metadata §4.1 suggests).
    public func entityID(slug: String) -> String { url(slug, "metadata/") }
    func ssoRedirectURL(_ slug: String) -> String { url(slug, "sso/binding/redirect/") }
    func ssoPostURL(_ slug: String) -> String { url(slug, "sso/binding/post/") }
    func sloRedirectURL(_ slug: String) -> String { url(slug, "slo/binding/redirect/") }
    func sloPostURL(_ slug: String) -> String { url(slug, "slo/binding/post/") }

    /// Mounts every endpoint on `root`. None is CSRF-checked: service providers post to them
    /// from their own origin (the POST-binding form), and each request carries its own proof
    /// (its signature, its registered ACS, its one-time ID).
    public func register(root: RouteGroup) {
        let metadata = MetadataEndpoint(provider: self)
        root.get("/application/saml/:slug/metadata/") { try metadata.metadata($0) }
        root.get("/application/saml/:slug/certificate.cer") { try metadata.certificate($0) }
        let sso = SSOEndpoint(provider: self)
        root.get("/application/saml/:slug/sso/binding/redirect/") { try sso.redirectBinding($0) }
        root.post("/application/saml/:slug/sso/binding/post/") { try sso.postBinding($0) }
        root.get("/application/saml/:slug/sso/binding/init/") { try sso.idpInitiated($0) }
        root.get("/application/saml/:slug/sso/continue/") { try sso.continuation($0) }
        let slo = SLOEndpoint(provider: self)
        root.get("/application/saml/:slug/slo/binding/redirect/") { try slo.redirectBinding($0) }
        root.post("/application/saml/:slug/slo/binding/post/") { try slo.postBinding($0) }
        root.get("/application/saml/:slug/slo/continue/") { try slo.continuation($0) }
    }

    // MARK: Shared steps

    /// The application's provider; a page error when the slug names none (or no SAML one).
    func serviceProvider(_ request: Request) throws -> (slug: String, provider: SAMLServiceProvider) {
        guard let slug = request.parameter("slug"), let provider = try directory.serviceProvider(applicationSlug: slug),
              provider.application != nil else {
            throw WebError.notFound
        }
        return (slug, provider)
    }

    /// The signed-in session of the request's browser, nil when there is none.
    func browserSession(_ request: Request) throws -> BrowserSession? {
        guard let token = SessionCookie.token(in: request) else { return nil }
        return try sessions.session(token: token)
    }

    func audit(_ request: Request, _ action: String, outcome: String, provider: String, user: UserID?, detail: String? = nil) {
        var context = "{\"provider\":" + JSONText.quoted(provider)
        if let detail { context += ",\"detail\":" + JSONText.quoted(detail) }
        context += "}"
        _ = try? events.appendEvent(NewAuditEvent(actorUserID: user, action: action, clientIP: request.clientIP,
                                                  outcome: outcome, context: JSONText(context)))
    }
}
