import Expressions

/// Everything a policy may look at. Built by the caller for one decision; the expression
/// variables are `user`, `request`, `application`, `auth` and `now` (Docs/policies.md).
public struct PolicyContext: Sendable, Hashable {
    public struct UserInfo: Sendable, Hashable {
        public var username: String
        public var email: String?
        public var name: String
        /// Names of every group the user is in, directly or through a child group.
        public var groups: [String]
        /// The stored attributes as an expression value (a map).
        public var attributes: ExprValue
        public var isSuperuser: Bool

        public init(username: String, email: String? = nil, name: String = "", groups: [String] = [],
                    attributes: ExprValue = .map([:]), isSuperuser: Bool = false) {
            self.username = username
            self.email = email
            self.name = name
            self.groups = groups
            self.attributes = attributes
            self.isSuperuser = isSuperuser
        }
    }

    public struct ApplicationInfo: Sendable, Hashable {
        public var slug: String
        public var name: String
        public var attributes: ExprValue

        public init(slug: String, name: String = "", attributes: ExprValue = .map([:])) {
            self.slug = slug
            self.name = name
            self.attributes = attributes
        }
    }

    public struct AuthInfo: Sendable, Hashable {
        /// How the session signed in (`pwd`, `otp`, `mfa`, …).
        public var methods: [String]
        /// Unix seconds of the last MFA verification of the session; nil when never.
        public var lastMFAAt: Int64?
        /// The `amr` an upstream identity provider (Entra ID) reported at sign-in.
        public var upstreamAMR: [String]

        public init(methods: [String] = [], lastMFAAt: Int64? = nil, upstreamAMR: [String] = []) {
            self.methods = methods
            self.lastMFAAt = lastMFAAt
            self.upstreamAMR = upstreamAMR
        }
    }

    /// nil when nobody is signed in yet.
    public var user: UserInfo?
    /// The client address as the web layer resolved it (forwarded headers only from trusted proxies).
    public var clientIP: String?
    public var userAgent: String?
    /// What is being decided: `authorize`, `refresh`, `client_credentials`, `flow`.
    public var requestKind: String?
    public var application: ApplicationInfo?
    public var auth: AuthInfo
    /// Unix seconds.
    public var now: Int64
    /// Recent failed logins of this user and from this IP (the larger), for `reputation`.
    public var recentFailures: Int

    public init(user: UserInfo?, clientIP: String?, userAgent: String? = nil, requestKind: String? = nil, application: ApplicationInfo? = nil,
                auth: AuthInfo = AuthInfo(), now: Int64, recentFailures: Int = 0) {
        self.user = user
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.requestKind = requestKind
        self.application = application
        self.auth = auth
        self.now = now
        self.recentFailures = recentFailures
    }

    /// The expression variables. Absent things are `null` (the user before sign-in, an unknown
    /// IP), so `has()` and `== null` tell; reading a field of null is an error (the policy errs).
    public var variables: [String: ExprValue] {
        var user: ExprValue = .null
        if let u = self.user {
            user = .map([
                "username": .string(u.username),
                "email": u.email.map(ExprValue.string) ?? .null,
                "name": .string(u.name),
                "groups": .list(u.groups.map(ExprValue.string)),
                "attributes": u.attributes,
                "is_superuser": .bool(u.isSuperuser),
            ])
        }
        var application: ExprValue = .null
        if let a = self.application {
            application = .map(["slug": .string(a.slug), "name": .string(a.name), "attributes": a.attributes])
        }
        return [
            "user": user,
            "request": .map([
                "ip": clientIP.map(ExprValue.string) ?? .null,
                "user_agent": userAgent.map(ExprValue.string) ?? .null,
                "kind": requestKind.map(ExprValue.string) ?? .null,
            ]),
            "application": application,
            "auth": .map([
                "methods": .list(auth.methods.map(ExprValue.string)),
                "last_mfa_at": auth.lastMFAAt.map(ExprValue.int) ?? .null,
                "upstream_amr": .list(auth.upstreamAMR.map(ExprValue.string)),
            ]),
            "now": .int(now),
        ]
    }
}
