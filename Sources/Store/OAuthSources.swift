/// An upstream OAuth/OIDC source (`oauth-source` in blueprints) as stored: its settings still a
/// JSON document, its client secret still sealed (context `sources/<id>/client_secret`).
public struct StoredOAuthSource: Sendable, Hashable {
    public let id: String
    public let slug: String
    public var name: String
    public var enabled: Bool
    /// Every setting but name, enabled and the secret, as a JSON object.
    public var config: JSONText
    public var sealedClientSecret: String?

    public init(id: String, slug: String, name: String, enabled: Bool, config: JSONText, sealedClientSecret: String?) {
        self.id = id
        self.slug = slug
        self.name = name
        self.enabled = enabled
        self.config = config
        self.sealedClientSecret = sealedClientSecret
    }
}

/// The sources the sign-in page offers, read on every use (there are a handful), so a change
/// is seen at once.
public protocol OAuthSourceStore: Sendable {
    /// Every enabled source, by slug.
    func enabledOAuthSources() throws(StoreError) -> [StoredOAuthSource]
}
