/// The enabled upstream sources (Entra ID, Google, Okta, OIDC), as the sign-in page and the
/// source routes need them. The server implements it over PostgreSQL with sealed secrets.
public protocol UpstreamSourceDirectory: Sendable {
    /// Every enabled source, in display order.
    func enabledSources() -> [OAuthSourceConfig]
    /// A client for the enabled source `slug`; nil when there is none.
    func client(slug: String) -> UpstreamClient?
}
