import Synchronization

/// The upstream OIDC client of one source: discovery (cached an hour), the JWKS cache, the
/// authorize URL, the code exchange, ID token verification, and the profile and groups
/// (Graph for Entra ID). Blocking, like every handler; bounded by the transport's timeouts.
public final class UpstreamClient: Sendable {
    public let config: OAuthSourceConfig
    let transport: any UpstreamTransport
    let clock: @Sendable () -> Int64
    static let metadataLifetime: Int64 = 3600
    /// Graph `memberOf` pages followed at most (100 groups each by default).
    static let maximumGroupPages = 50

    private struct Cached {
        var metadata: UpstreamMetadata?
        var keys: UpstreamKeys?
        var fetchedAt: Int64 = .min
    }
    private let cache = Mutex(Cached())

    public init(config: OAuthSourceConfig, transport: any UpstreamTransport,
                clock: @escaping @Sendable () -> Int64) {
        self.config = config
        self.transport = transport
        self.clock = clock
    }

    /// The discovery document and the key cache for its `jwks_uri`.
    public func discover() throws(FederationError) -> (UpstreamMetadata, UpstreamKeys) {
        let now = clock()
        if let hit = cache.withLock({ c -> (UpstreamMetadata, UpstreamKeys)? in
            guard let m = c.metadata, let k = c.keys, now - c.fetchedAt < Self.metadataLifetime else { return nil }
            return (m, k)
        }) { return hit }
        let response = try transport.get(config.discoveryURL, bearer: nil)
        guard response.status == 200 else {
            throw .upstreamUnreachable("discovery answered \(response.status)")
        }
        let metadata = try UpstreamMetadata.parse(response.body)
        return cache.withLock { c in
            if let keys = c.keys, keys.jwksURI == metadata.jwksURI {
                c.metadata = metadata
            } else {
                c = Cached(metadata: metadata, keys: UpstreamKeys(jwksURI: metadata.jwksURI, transport: transport, clock: clock))
            }
            c.fetchedAt = now
            return (metadata, c.keys!)
        }
    }

    /// Where to send the browser, and what to keep server-side until it comes back.
    public func begin(redirectURI: String) throws(FederationError) -> (url: String, pending: PendingUpstreamLogin) {
        let (metadata, _) = try discover()
        let pending = PendingUpstreamLogin.start(source: config.slug, now: clock())
        return (config.authorizationURL(metadata, pending: pending, redirectURI: redirectURI), pending)
    }

    /// Machine-to-machine: a JWT the upstream issued to an application for us (Entra ID: an
    /// app-only token requested with `scope=api://<client id>/.default`), verified like an ID
    /// token but without nonce; `aud` must be this source's client id or `api://<client id>`.
    public func verifyAssertion(_ assertion: String) throws(FederationError) -> VerifiedUpstreamToken {
        let (metadata, keys) = try discover()
        return try IDTokenVerifier(config: config, metadata: metadata, keys: keys)
            .verify(assertion, nonce: nil, audiences: [config.clientID, "api://" + config.clientID], now: clock())
    }

    /// The callback: `pending` has already been taken out of the session (single use) and its
    /// state compared. Exchanges `code`, verifies the ID token, reads profile and groups.
    public func complete(code: String, pending: PendingUpstreamLogin, redirectURI: String) throws(FederationError) -> UpstreamIdentity {
        let (metadata, keys) = try discover()
        let response = try transport.postForm(metadata.tokenEndpoint, [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("client_id", config.clientID), ("client_secret", config.clientSecret), ("code_verifier", pending.codeVerifier),
        ])
        let body = try? UpstreamJSON.object(response.body, what: "the token response", or: FederationError.codeExchangeFailed)
        guard response.status == 200, let body else {
            let error = body.flatMap { UpstreamJSON.string($0, "error") } ?? "status \(response.status)"
            throw .codeExchangeFailed(String(error.prefix(64)))
        }
        guard let idToken = UpstreamJSON.string(body, "id_token") else { throw .invalidToken("the token response has no id_token") }
        let accessToken = UpstreamJSON.string(body, "access_token")
        let token = try IDTokenVerifier(config: config, metadata: metadata, keys: keys)
            .verify(idToken, nonce: pending.nonce, now: clock())
        var identity: UpstreamIdentity
        switch config.providerType {
        case .entraID:
            identity = try entraIdentity(token, accessToken: accessToken)
        case .google:
            identity = try googleIdentity(token)
        case .okta, .openIDConnect:
            identity = genericIdentity(token)
        }
        identity.claimsJSON = token.payloadJSON
        return try IdentityMapping.apply(config, to: identity)
    }

    // MARK: claims per provider

    func genericIdentity(_ token: VerifiedUpstreamToken) -> UpstreamIdentity {
        let groups = config.groupSync ? token.strings("groups").map { UpstreamGroup(id: $0, name: $0) } : nil
        return UpstreamIdentity(
            identifier: token.subject, username: token.string("preferred_username"), email: token.string("email"),
            emailVerified: token.bool("email_verified") ?? false, name: token.string("name") ?? "", groups: groups,
            amr: token.strings("amr"), tenant: nil)
    }

    func googleIdentity(_ token: VerifiedUpstreamToken) throws(FederationError) -> UpstreamIdentity {
        guard token.string("email") != nil, token.bool("email_verified") == true else { throw .unverifiedEmail }
        if let wanted = config.hostedDomain {
            let hd = token.string("hd") ?? ""
            guard hd.lowercased() == wanted.lowercased() else { throw .wrongDomain(hd) }
        }
        var identity = genericIdentity(token)
        identity.username = identity.email
        return identity
    }

    /// Entra ID: `oid` is the identifier (stable across apps of the tenant, unlike `sub`);
    /// the profile comes from Graph `/v1.0/me` (UPN → username, `mail` or `otherMails[0]` →
    /// e-mail, `displayName` → name); groups from `/v1.0/me/memberOf`, every page, groups only.
    func entraIdentity(_ token: VerifiedUpstreamToken, accessToken: String?) throws(FederationError) -> UpstreamIdentity {
        guard let oid = token.string("oid") else { throw .invalidToken("oid is missing") }
        var identity = UpstreamIdentity(
            identifier: oid, username: token.string("preferred_username"), email: token.string("email"),
            // The token's `email` is not verified by Entra (Microsoft says not to trust it for
            // authorization); only Graph's directory-managed `mail` may link accounts, below.
            emailVerified: false, name: token.string("name") ?? "", groups: nil, amr: token.strings("amr"),
            tenant: token.string("tid"))
        if let accessToken {
            let me = try transport.get(config.graphURL + "/v1.0/me?$select=id,displayName,mail,otherMails,userPrincipalName",
                                       bearer: accessToken)
            if me.status == 200, let profile = try? UpstreamJSON.object(me.body, what: "Graph me", or: FederationError.upstreamUnreachable) {
                if let upn = UpstreamJSON.string(profile, "userPrincipalName") { identity.username = upn }
                if let mail = UpstreamJSON.string(profile, "mail") {
                    identity.email = mail
                    // `mail` is typed by a directory administrator: it speaks for an address
                    // only in our own tenant, never for a guest or partner tenant's.
                    identity.emailVerified = config.isHomeTenant(identity.tenant)
                } else if let other = UpstreamJSON.strings(profile, "otherMails").first {
                    identity.email = other
                    identity.emailVerified = false
                }
                if let name = UpstreamJSON.string(profile, "displayName") { identity.name = name }
            }
        }
        guard config.groupSync else { return identity }
        if let accessToken, let groups = try memberOf(accessToken) {
            identity.groups = groups
        } else if !token.claims.contains(key: "_claim_names"), token.claims["groups"] != nil {
            // No Graph permission, and no overage: the token's own list (object ids only).
            identity.groups = token.strings("groups").map { UpstreamGroup(id: $0, name: $0) }
        }
        // Overage without Graph: the groups are unknown; memberships stay as they were.
        return identity
    }

    /// nil when Graph refuses (no `GroupMember.Read.All` consent).
    func memberOf(_ accessToken: String) throws(FederationError) -> [UpstreamGroup]? {
        var next: String? = config.graphURL + "/v1.0/me/memberOf?$select=id,displayName"
        var groups: [UpstreamGroup] = []
        var pages = 0
        while let url = next {
            pages += 1
            guard pages <= Self.maximumGroupPages else { throw .upstreamUnreachable("Graph memberOf has too many pages") }
            // Follow only links on the Graph host we were configured with.
            guard url.hasPrefix(config.graphURL + "/") else { throw .upstreamUnreachable("Graph nextLink points elsewhere") }
            let response = try transport.get(url, bearer: accessToken)
            if response.status == 401 || response.status == 403 { return nil }
            guard response.status == 200 else { throw .upstreamUnreachable("Graph memberOf answered \(response.status)") }
            let page = try UpstreamJSON.object(response.body, what: "Graph memberOf", or: FederationError.upstreamUnreachable)
            for case .object(let entry) in page["value"]?.arrayValue ?? [] {
                guard UpstreamJSON.string(entry, "@odata.type") == "#microsoft.graph.group",
                      let id = UpstreamJSON.string(entry, "id") else { continue }
                groups.append(UpstreamGroup(id: id, name: UpstreamJSON.string(entry, "displayName") ?? id))
            }
            next = UpstreamJSON.string(page, "@odata.nextLink")
        }
        return groups
    }
}
