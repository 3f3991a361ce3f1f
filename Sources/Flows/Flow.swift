// Flows: the domain room that walks a session through a flow's stages. No HTTP types, no
// sockets, no C types: the JSON executor and the HTML page are faces over `FlowExecutor`.

/// What a flow is for (authentik's `designation`).
public enum FlowDesignation: String, Hashable, Codable, Sendable {
    case authentication
    case invalidation
}

/// Which user fields the identification stage matches the entered identifier against.
public enum UIDField: String, Hashable, Codable, Sendable, CaseIterable {
    case username
    case email
}

/// How long a session made by the user-login stage lives.
public struct SessionLifetime: Hashable, Codable, Sendable {
    /// Absolute end, counted from the login.
    public var absoluteSeconds: Int
    /// The session ends once unused this long.
    public var idleSeconds: Int

    public init(absoluteSeconds: Int = 86_400, idleSeconds: Int = 28_800) {
        precondition(absoluteSeconds > 0 && idleSeconds > 0, "session lifetimes must be positive")
        self.absoluteSeconds = absoluteSeconds
        self.idleSeconds = idleSeconds
    }
}

/// One step of a flow. The kinds that exist today; later issues add more (MFA, consent, …).
public enum Stage: Hashable, Codable, Sendable {
    /// Asks for an identifier and looks it up in `fields`, in that order.
    case identification(fields: [UIDField])
    /// Asks for the password of the identified user.
    case password
    /// Signs the identified user in: creates a session.
    case userLogin(SessionLifetime)
    /// Ends the current session.
    case userLogout
    /// Stops the flow with `message`.
    case deny(message: String)

    /// authentik's name for the stage kind.
    public var kind: String {
        switch self {
        case .identification: "identification"
        case .password: "password"
        case .userLogin: "user-login"
        case .userLogout: "user-logout"
        case .deny: "deny"
        }
    }
}

/// A stage bound into a flow. Bindings run in array order.
public struct StageBinding: Hashable, Codable, Sendable {
    /// The stage's name (unique within the flow; shown in audit events).
    public var name: String
    public var stage: Stage

    public init(name: String, stage: Stage) {
        self.name = name
        self.stage = stage
    }
}

/// An ordered list of stage bindings under a slug.
public struct Flow: Hashable, Codable, Sendable {
    public var slug: String
    public var title: String
    public var designation: FlowDesignation
    public var bindings: [StageBinding]

    public init(slug: String, title: String, designation: FlowDesignation, bindings: [StageBinding]) {
        self.slug = slug
        self.title = title
        self.designation = designation
        self.bindings = bindings
    }

    /// identification (username or e-mail) → password → user-login.
    public static let defaultAuthentication = Flow(
        slug: "default-authentication-flow", title: "Welcome to Gatehouse!", designation: .authentication,
        bindings: [
            StageBinding(name: "default-authentication-identification",
                         stage: .identification(fields: [.username, .email])),
            StageBinding(name: "default-authentication-password", stage: .password),
            StageBinding(name: "default-authentication-login", stage: .userLogin(SessionLifetime())),
        ])

    /// user-logout.
    public static let defaultInvalidation = Flow(
        slug: "default-invalidation-flow", title: "Default Invalidation Flow", designation: .invalidation,
        bindings: [StageBinding(name: "default-invalidation-logout", stage: .userLogout)])

    /// The flows every installation has.
    public static let builtIn: [Flow] = [defaultAuthentication, defaultInvalidation]
}
