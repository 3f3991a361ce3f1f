/// An application people sign in to. A provider of any kind — OAuth2/OIDC, SAML, LDAP — hangs
/// off it (provider names are unique across kinds: one `providers` table), or none: a
/// link-only tile. Who may use it is decided in the Identity room (groups, then policies).
public struct Application: Sendable, Hashable {
    public var slug: String
    public var name: String
    public var launchURL: String?
    /// Names of the groups allowed in; empty means everyone.
    public var groups: [String]

    public init(slug: String, name: String, launchURL: String?, groups: [String]) {
        self.slug = slug
        self.name = name
        self.launchURL = launchURL
        self.groups = groups
    }
}
