/// A person (or service account) who can sign in.
public struct User: Hashable, Sendable {
    public let id: UserID
    public var username: String
    public var email: String?
    /// Display name.
    public var name: String
    public var isActive: Bool
    public var isSuperuser: Bool
    public var attributes: JSONText
    /// A PHC string (`$argon2id$…`) or an imported Django hash; nil: no password login.
    public var passwordHash: String?
    public var passwordChangedAt: Timestamp?
    public let createdAt: Timestamp
    public var updatedAt: Timestamp
    public var lastLoginAt: Timestamp?
    public var deactivatedAt: Timestamp?

    public init(id: UserID, username: String, email: String?, name: String, isActive: Bool, isSuperuser: Bool,
                attributes: JSONText, passwordHash: String?, passwordChangedAt: Timestamp?, createdAt: Timestamp,
                updatedAt: Timestamp, lastLoginAt: Timestamp?, deactivatedAt: Timestamp?) {
        self.id = id
        self.username = username
        self.email = email
        self.name = name
        self.isActive = isActive
        self.isSuperuser = isSuperuser
        self.attributes = attributes
        self.passwordHash = passwordHash
        self.passwordChangedAt = passwordChangedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastLoginAt = lastLoginAt
        self.deactivatedAt = deactivatedAt
    }
}

/// The fields of a user to create; the store assigns id and timestamps.
public struct NewUser: Hashable, Sendable {
    public var username: String
    public var email: String?
    public var name: String
    public var isActive: Bool
    public var isSuperuser: Bool
    public var attributes: JSONText
    public var passwordHash: String?

    public init(username: String, email: String? = nil, name: String = "", isActive: Bool = true,
                isSuperuser: Bool = false, attributes: JSONText = .emptyObject, passwordHash: String? = nil) {
        self.username = username
        self.email = email
        self.name = name
        self.isActive = isActive
        self.isSuperuser = isSuperuser
        self.attributes = attributes
        self.passwordHash = passwordHash
    }
}

/// A named set of users; groups nest (a member of a child counts as a member of its parents).
public struct Group: Hashable, Sendable {
    public let id: GroupID
    public var name: String
    public var parentID: GroupID?
    public var isSuperuserGroup: Bool
    public var attributes: JSONText
    public let createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: GroupID, name: String, parentID: GroupID?, isSuperuserGroup: Bool, attributes: JSONText,
                createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id
        self.name = name
        self.parentID = parentID
        self.isSuperuserGroup = isSuperuserGroup
        self.attributes = attributes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct NewGroup: Hashable, Sendable {
    public var name: String
    public var parentID: GroupID?
    public var isSuperuserGroup: Bool
    public var attributes: JSONText

    public init(name: String, parentID: GroupID? = nil, isSuperuserGroup: Bool = false, attributes: JSONText = .emptyObject) {
        self.name = name
        self.parentID = parentID
        self.isSuperuserGroup = isSuperuserGroup
        self.attributes = attributes
    }
}

/// A server-side session. The cookie holds a random token; the store knows only its SHA-256
/// (`idHash`), so nothing read from the store can be replayed as a cookie.
public struct Session: Hashable, Sendable {
    /// SHA-256 of the cookie token: 32 bytes.
    public let idHash: [UInt8]
    /// nil while a flow runs before anyone has signed in.
    public var userID: UserID?
    public var createdAt: Timestamp
    public var lastSeenAt: Timestamp
    /// Absolute end, however active the session is.
    public var expiresAt: Timestamp
    /// The session ends once unused this long.
    public var idleTimeoutSeconds: Int
    public var clientIP: String?
    public var userAgent: String?
    /// When the user last authenticated (OIDC `auth_time`).
    public var authTime: Timestamp?
    /// How (e.g. `["pwd"]`, `["pwd", "otp"]`; OIDC `amr`).
    public var authMethods: [String]
    /// `amr` reported by an upstream identity provider, when the login came through one.
    public var upstreamAMR: [String]
    /// The running flow's plan and state.
    public var flowState: JSONText?

    public init(idHash: [UInt8], userID: UserID?, createdAt: Timestamp, lastSeenAt: Timestamp, expiresAt: Timestamp,
                idleTimeoutSeconds: Int, clientIP: String? = nil, userAgent: String? = nil, authTime: Timestamp? = nil,
                authMethods: [String] = [], upstreamAMR: [String] = [], flowState: JSONText? = nil) {
        self.idHash = idHash
        self.userID = userID
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.authTime = authTime
        self.authMethods = authMethods
        self.upstreamAMR = upstreamAMR
        self.flowState = flowState
    }

    /// Alive at `now`: before the absolute end and used within the idle timeout.
    public func isAlive(at now: Timestamp) -> Bool {
        now < expiresAt && now < lastSeenAt.adding(seconds: Int64(idleTimeoutSeconds))
    }
}

/// One audit record: who did what, from where, when, and how it ended. Never changed once written.
public struct AuditEvent: Hashable, Sendable {
    /// Increasing with insertion order.
    public let id: Int64
    public let createdAt: Timestamp
    public let actorUserID: UserID?
    /// e.g. `login`, `login_failed`, `logout`, `user_deactivated`.
    public let action: String
    public let clientIP: String?
    /// e.g. `success`, `failure`, `denied`.
    public let outcome: String
    public let context: JSONText

    public init(id: Int64, createdAt: Timestamp, actorUserID: UserID?, action: String, clientIP: String?,
                outcome: String, context: JSONText) {
        self.id = id
        self.createdAt = createdAt
        self.actorUserID = actorUserID
        self.action = action
        self.clientIP = clientIP
        self.outcome = outcome
        self.context = context
    }
}

public struct NewAuditEvent: Hashable, Sendable {
    public var actorUserID: UserID?
    public var action: String
    public var clientIP: String?
    public var outcome: String
    public var context: JSONText

    public init(actorUserID: UserID? = nil, action: String, clientIP: String? = nil, outcome: String,
                context: JSONText = .emptyObject) {
        self.actorUserID = actorUserID
        self.action = action
        self.clientIP = clientIP
        self.outcome = outcome
        self.context = context
    }
}
