import Store

/// One attempt to use an application, by any protocol: a browser at OIDC's authorize or SAML's
/// single sign-on (`session` set), a refresh or `client_credentials` grant (no browser), an
/// LDAP bind, a portal tile.
public struct AccessAttempt: Sendable {
    public enum Kind: String, Sendable {
        case authorize, refresh, clientCredentials = "client_credentials", samlSSO = "saml_sso", ldapBind = "ldap_bind",
             portal
    }
    public let kind: Kind
    public let user: User
    public let application: Application
    /// The client address the web layer resolved (forwarded headers only from trusted proxies).
    public let clientIP: String?
    public let userAgent: String?
    /// The browser's session when a browser is asking; nil otherwise.
    public let session: BrowserSession?

    public init(kind: Kind, user: User, application: Application, clientIP: String?, userAgent: String?,
                session: BrowserSession?) {
        self.kind = kind
        self.user = user
        self.application = application
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.session = session
    }
}

/// Decides who may use an application: `PolicyApplicationAccess` (its groups, then its policy
/// bindings, Docs/policies.md) in the server; `GroupAccess` is the plain group rule. Every
/// protocol asks the same question here, so the portal's tiles, OIDC, SAML and LDAP agree.
public protocol ApplicationAccess: Sendable {
    /// True when `attempt.user` may use `attempt.application`. A store failure throws.
    func allows(_ attempt: AccessAttempt) throws -> Bool
    /// Whether the application is sensitive: then sign-ins need an MFA verification this recent.
    func stepUp(for application: Application) throws -> StepUpRequirement?
}

extension ApplicationAccess {
    public func stepUp(for application: Application) throws -> StepUpRequirement? { nil }
}

/// Members of the application's groups (directly or through a parent), or everyone when it
/// names none. Inactive users never.
public struct GroupAccess: ApplicationAccess {
    let users: any UserStore

    public init(users: any UserStore) { self.users = users }

    public func allows(_ attempt: AccessAttempt) throws -> Bool {
        guard attempt.user.isActive else { return false }
        if attempt.application.groups.isEmpty { return true }
        let names = Set(try users.groups(ofUser: attempt.user.id).map(\.name))
        return attempt.application.groups.contains { names.contains($0) }
    }
}
