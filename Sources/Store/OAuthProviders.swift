/// An `oauth2` provider (a client) as stored: its settings still a JSON document, its client
/// secret still sealed (context `providers/<id>/client_secret`).
public struct StoredOAuthProvider: Sendable, Hashable {
    public let id: String
    public var name: String
    public var clientID: String
    /// Every setting but the client id and the secret, as a JSON object.
    public var config: JSONText
    public var sealedClientSecret: String?

    public init(id: String, name: String, clientID: String, config: JSONText, sealedClientSecret: String?) {
        self.id = id
        self.name = name
        self.clientID = clientID
        self.config = config
        self.sealedClientSecret = sealedClientSecret
    }
}

/// Every client with what the OIDC endpoints need besides it, read at once.
public struct OAuthProviderCatalog: Sendable {
    public struct Entry: Sendable {
        public let provider: StoredOAuthProvider
        /// The application the provider serves, with its groups by name; nil while none does.
        public let application: OAuthApplication?

        public init(provider: StoredOAuthProvider, application: OAuthApplication?) {
            self.provider = provider
            self.application = application
        }
    }

    public var entries: [Entry]
    /// Every scope mapping, by name.
    public var scopeMappings: [OAuthScopeMapping]

    public init(entries: [Entry], scopeMappings: [OAuthScopeMapping]) {
        self.entries = entries
        self.scopeMappings = scopeMappings
    }
}

/// What the client directory caches: every provider that has a client id.
public protocol OAuthProviderStore: Sendable {
    /// One consistent snapshot of providers, applications, their groups and scope mappings.
    func oauthProviderCatalog() throws(StoreError) -> OAuthProviderCatalog
}
