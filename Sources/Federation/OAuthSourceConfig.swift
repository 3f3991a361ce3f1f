/// Which kind of upstream a source is; decides defaults and the claims read.
public enum UpstreamProviderType: String, Sendable, Hashable, CaseIterable {
    case entraID = "entra-id"
    case google
    case okta
    case openIDConnect = "openid-connect"
}

/// How an upstream identity finds its local account (authentik's modes).
public enum UserMatchingMode: String, Sendable, Hashable, CaseIterable {
    /// Only an existing source connection; otherwise a new account.
    case identifier
    /// A local account with the same (verified) e-mail is linked; otherwise a new account.
    case emailLink = "email_link"
    /// A local account with the same e-mail refuses the sign-in.
    case emailDeny = "email_deny"
    case usernameLink = "username_link"
    case usernameDeny = "username_deny"
}

/// Whether the identification page shows a button, or sends the browser straight upstream.
public enum SourceLoginMode: String, Sendable, Hashable {
    case button
    case redirect
}

/// One `oauth-source` as federation needs it (the client secret already opened).
public struct OAuthSourceConfig: Sendable, Hashable {
    public var slug: String
    public var name: String
    public var providerType: UpstreamProviderType
    public var clientID: String
    public var clientSecret: String
    /// Entra ID: a tenant id (single tenant), or `common` / `organizations` (multi-tenant).
    public var tenant: String?
    /// Multi-tenant Entra ID: the `tid` values allowed in; empty = any tenant.
    public var allowedTenants: [String]
    /// Okta / generic OIDC: the issuer (its `/.well-known/openid-configuration` is read).
    public var issuer: String?
    /// Entra ID: the login host (default `https://login.microsoftonline.com`; the tests point it at a stand-in).
    public var authority: String
    /// Entra ID: the Graph base URL (default `https://graph.microsoft.com`).
    public var graphURL: String
    /// Google: only accounts of this Workspace domain (`hd` claim).
    public var hostedDomain: String?
    /// Scopes added to `openid email profile`.
    public var extraScopes: [String]
    public var matchingMode: UserMatchingMode
    /// The SCIM source (slug) that provisions this source's people: an account it made with
    /// `externalId` = the upstream identifier (Entra's object id) is theirs. Nil: no such match.
    public var provisioningSource: String?
    public var enrollment: Bool
    public var groupSync: Bool
    /// CEL expressions: attributes (a map merged into the user's attributes) and groups (a list of names).
    public var attributeMapping: String?
    public var groupMapping: String?
    public var buttonLabel: String
    public var icon: String?
    public var loginMode: SourceLoginMode

    public init(slug: String, name: String, providerType: UpstreamProviderType, clientID: String, clientSecret: String,
                tenant: String? = nil, allowedTenants: [String] = [], issuer: String? = nil,
                authority: String = "https://login.microsoftonline.com", graphURL: String = "https://graph.microsoft.com",
                hostedDomain: String? = nil, extraScopes: [String] = [], matchingMode: UserMatchingMode = .identifier,
                enrollment: Bool = true, groupSync: Bool = false, attributeMapping: String? = nil,
                groupMapping: String? = nil, buttonLabel: String? = nil, icon: String? = nil,
                loginMode: SourceLoginMode = .button, provisioningSource: String? = nil) {
        self.provisioningSource = provisioningSource
        self.slug = slug
        self.name = name
        self.providerType = providerType
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tenant = tenant
        self.allowedTenants = allowedTenants
        self.issuer = issuer
        self.authority = Self.trimmed(authority)
        self.graphURL = Self.trimmed(graphURL)
        self.hostedDomain = hostedDomain
        self.extraScopes = extraScopes
        self.matchingMode = matchingMode
        self.enrollment = enrollment
        self.groupSync = groupSync
        self.attributeMapping = attributeMapping
        self.groupMapping = groupMapping
        self.buttonLabel = buttonLabel ?? "Sign in with \(name)"
        self.icon = icon
        self.loginMode = loginMode
    }

    static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Multi-tenant Entra ID endpoints (`common`, `organizations`, `consumers`).
    public var isMultiTenant: Bool {
        providerType == .entraID && ["common", "organizations", "consumers"].contains((tenant ?? "common").lowercased())
    }

    /// The home tenant: a single-tenant Entra ID source, and a token from that tenant. Only
    /// there is Graph's `mail` (and the object id) the home directory's own word.
    public func isHomeTenant(_ tid: String?) -> Bool {
        guard providerType == .entraID, !isMultiTenant, let tenant, let tid else { return false }
        return tenant.lowercased() == tid.lowercased()
    }

    /// Where the discovery document is read.
    public var discoveryURL: String {
        switch providerType {
        case .entraID:
            return "\(authority)/\(tenant ?? "common")/v2.0/.well-known/openid-configuration"
        case .google:
            return Self.trimmed(issuer ?? "https://accounts.google.com") + "/.well-known/openid-configuration"
        case .okta, .openIDConnect:
            return Self.trimmed(issuer ?? "") + "/.well-known/openid-configuration"
        }
    }

    /// `openid email profile`, the extras, and for Entra with group sync Graph's `GroupMember.Read.All`.
    public var scopes: [String] {
        var scopes = ["openid", "email", "profile"]
        if providerType == .entraID {
            scopes.append("User.Read")
            if groupSync { scopes.append("GroupMember.Read.All") }
        }
        for scope in extraScopes where !scopes.contains(scope) { scopes.append(scope) }
        return scopes
    }

    /// The tenants whose users may sign in: the configured tenant for a single-tenant
    /// registration, `allowedTenants` for a multi-tenant one. A multi-tenant source without
    /// allowed tenants admits nobody: "every tenant in the world" is never a default.
    public func allows(tenant tid: String?) -> Bool {
        guard providerType == .entraID else { return true }
        guard let tid, !tid.isEmpty else { return false }
        if isMultiTenant {
            return allowedTenants.contains { $0.lowercased() == tid.lowercased() }
        }
        return (tenant ?? "").lowercased() == tid.lowercased()
    }
}
