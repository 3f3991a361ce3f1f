import Store
import Web

/// One attempt to use an application: at authorize (a browser, `session` set), at a refresh
/// (the grant's user, no browser) or at `client_credentials` (the service account).
public struct AccessAttempt: Sendable {
    public enum Kind: String, Sendable {
        case authorize, refresh, clientCredentials = "client_credentials"
    }
    public let kind: Kind
    public let user: User
    public let client: OAuthClient
    /// The client address the web layer resolved (forwarded headers only from trusted proxies).
    public let clientIP: String?
    public let userAgent: String?
    /// The browser's session at authorize; nil otherwise.
    public let session: BrowserSession?

    public init(kind: Kind, user: User, client: OAuthClient, clientIP: String?, userAgent: String?,
                session: BrowserSession?) {
        self.kind = kind
        self.user = user
        self.client = client
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.session = session
    }

    init(_ kind: Kind, user: User, client: OAuthClient, request: Request, session: BrowserSession?) {
        self.init(kind: kind, user: user, client: client, clientIP: request.clientIP,
                  userAgent: request.headers["User-Agent"].map { String($0.prefix(512)) }, session: session)
    }
}

/// Decides who may use an application. The App room answers with the application's policy
/// bindings (Docs/policies.md); `GroupAccess` is the plain group rule.
public protocol ApplicationAccess: Sendable {
    /// True when `attempt.user` may use `attempt.client`'s application. A store failure throws.
    func allows(_ attempt: AccessAttempt) throws -> Bool
    /// Whether the application is sensitive: then tokens need an MFA verification this recent.
    func stepUp(for client: OAuthClient) throws -> StepUpRequirement?
}

extension ApplicationAccess {
    public func stepUp(for client: OAuthClient) throws -> StepUpRequirement? { nil }
}

/// A sensitive application's demand: an MFA verification within `windowSeconds` before a code
/// is issued (F-06: 30 minutes by default).
public struct StepUpRequirement: Sendable, Hashable {
    public static let defaultWindowSeconds = 1800
    public var windowSeconds: Int
    /// Whether an upstream `amr` containing `mfa` (Entra ID) at sign-in counts as a verification.
    public var acceptsUpstreamMFA: Bool

    public init(windowSeconds: Int = StepUpRequirement.defaultWindowSeconds, acceptsUpstreamMFA: Bool = true) {
        self.windowSeconds = windowSeconds
        self.acceptsUpstreamMFA = acceptsUpstreamMFA
    }
}

/// Members of the application's groups (directly or through a parent), or everyone when it
/// names none. Inactive users and clients without an application never.
public struct GroupAccess: ApplicationAccess {
    let users: any UserStore

    public init(users: any UserStore) { self.users = users }

    public func allows(_ attempt: AccessAttempt) throws -> Bool {
        guard attempt.user.isActive, let application = attempt.client.application else { return false }
        if application.groups.isEmpty { return true }
        let names = Set(try users.groups(ofUser: attempt.user.id).map(\.name))
        return application.groups.contains { names.contains($0) }
    }
}
