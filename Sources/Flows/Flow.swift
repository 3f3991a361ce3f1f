import Policies

// Flows: the domain room that walks a session through a flow's stages. No HTTP types, no
// sockets, no C types: the JSON executor and the HTML page are faces over `FlowExecutor`.

/// What a flow is for (authentik's `designation`).
public enum FlowDesignation: String, Hashable, Codable, Sendable {
    case authentication
    case invalidation
    /// Runs for a signed-in user (step-up, enrolment): never creates a session.
    case stageConfiguration = "stage_configuration"
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
    /// Enrols an authenticator app for the signed-in (or just verified) user: QR code, first
    /// code, then ten recovery codes shown once.
    case authenticatorTOTPSetup
    /// Registers a WebAuthn passkey or security key for the signed-in user.
    case authenticatorWebAuthnSetup
    /// Asks for a second factor (TOTP code or recovery code) of the pending or signed-in user.
    case authenticatorValidate(AuthenticatorValidation)
    /// Asks for custom fields, checks them, and (optionally) stores them in the user's attributes.
    case prompt(PromptStage)
    /// Asks the user to agree to `message` before going on; declining stops the flow.
    case consent(message: String)

    /// authentik's name for the stage kind.
    public var kind: String {
        switch self {
        case .identification: "identification"
        case .password: "password"
        case .userLogin: "user-login"
        case .userLogout: "user-logout"
        case .deny: "deny"
        case .authenticatorTOTPSetup: "authenticator-totp-setup"
        case .authenticatorWebAuthnSetup: "authenticator-webauthn-setup"
        case .authenticatorValidate: "authenticator-validate"
        case .prompt: "prompt"
        case .consent: "consent"
        }
    }
}

/// How `authenticator-validate` behaves.
public struct AuthenticatorValidation: Hashable, Codable, Sendable {
    public enum NotConfigured: String, Hashable, Codable, Sendable {
        /// A user without authenticators passes (the login flow: MFA is opt-in).
        case skip
        /// A user without authenticators is stopped (step-up: MFA is required).
        case deny
    }
    /// Which authenticators count: `totp`, `webauthn`, `static` (recovery codes).
    public var deviceClasses: [String]
    /// Skip the stage when the session passed MFA less than this many seconds ago.
    public var lastAuthThresholdSeconds: Int?
    public var notConfigured: NotConfigured

    public init(deviceClasses: [String] = ["totp", "webauthn", "static"], lastAuthThresholdSeconds: Int? = nil,
                notConfigured: NotConfigured = .skip) {
        self.deviceClasses = deviceClasses
        self.lastAuthThresholdSeconds = lastAuthThresholdSeconds
        self.notConfigured = notConfigured
    }
}

/// One field of a prompt stage.
public struct PromptField: Hashable, Codable, Sendable {
    public enum Kind: String, Hashable, Codable, Sendable {
        case text, email, number, phone
    }
    /// The response key and, with `writeToAttributes`, the attribute name.
    public var key: String
    public var label: String
    public var kind: Kind
    public var required: Bool
    public var placeholder: String
    /// Longest accepted value, in characters.
    public var maxLength: Int
    /// A regular expression the whole value must match (the expressions' safe subset), if any.
    public var pattern: String?

    public init(key: String, label: String, kind: Kind = .text, required: Bool = true, placeholder: String = "",
                maxLength: Int = 256, pattern: String? = nil) {
        self.key = key
        self.label = label
        self.kind = kind
        self.required = required
        self.placeholder = placeholder
        self.maxLength = maxLength
        self.pattern = pattern
    }
}

/// Custom fields (the WhatsApp and 3CX linking stages are built from this).
public struct PromptStage: Hashable, Codable, Sendable {
    public var fields: [PromptField]
    /// Merge the answers into the user's attributes (the user must be verified or signed in).
    public var writeToAttributes: Bool

    public init(fields: [PromptField], writeToAttributes: Bool = false) {
        self.fields = fields
        self.writeToAttributes = writeToAttributes
    }
}

/// A stage bound into a flow. Bindings run in array order.
public struct StageBinding: Hashable, Codable, Sendable {
    /// The stage's name (unique within the flow; shown in audit events).
    public var name: String
    public var stage: Stage
    /// Policies deciding whether the stage runs (Docs/policies.md), checked when the flow
    /// reaches it: failing, the stage is skipped. None: it always runs.
    public var policies: [PolicyBinding]
    public var policyMode: PolicyEngineMode

    public init(name: String, stage: Stage, policies: [PolicyBinding] = [], policyMode: PolicyEngineMode = .any) {
        self.name = name
        self.stage = stage
        self.policies = policies
        self.policyMode = policyMode
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

    /// identification (username or e-mail) → password → user-login. MFA comes on step-up, when
    /// a sensitive application asks for it (or use `authenticationWithMFA`).
    public static let defaultAuthentication = Flow(
        slug: "default-authentication-flow", title: "Welcome to Gatehouse!", designation: .authentication,
        bindings: [
            StageBinding(name: "default-authentication-identification",
                         stage: .identification(fields: [.username, .email])),
            StageBinding(name: "default-authentication-password", stage: .password),
            StageBinding(name: "default-authentication-login", stage: .userLogin(SessionLifetime())),
        ])

    /// The same with a second factor for users who have one (users without one pass): for
    /// installations that want MFA at every sign-in rather than only on step-up.
    public static let authenticationWithMFA = Flow(
        slug: "default-authentication-mfa-flow", title: "Welcome to Gatehouse!", designation: .authentication,
        bindings: [
            StageBinding(name: "default-authentication-mfa-identification",
                         stage: .identification(fields: [.username, .email])),
            StageBinding(name: "default-authentication-mfa-password", stage: .password),
            StageBinding(name: "default-authentication-mfa-validation", stage: .authenticatorValidate(AuthenticatorValidation())),
            StageBinding(name: "default-authentication-mfa-login", stage: .userLogin(SessionLifetime())),
        ])

    /// Step-up: the signed-in user proves a second factor again (sensitive applications send
    /// the browser here). Users without an authenticator are stopped.
    public static let mfaValidation = Flow(
        slug: "default-authenticator-validation-flow", title: "Verify it's you", designation: .stageConfiguration,
        bindings: [StageBinding(name: "default-authenticator-validation",
                                stage: .authenticatorValidate(AuthenticatorValidation(notConfigured: .deny)))])

    /// Enrolment of an authenticator app by the signed-in user.
    public static let totpSetup = Flow(
        slug: "default-authenticator-totp-setup", title: "Set up an authenticator app", designation: .stageConfiguration,
        bindings: [StageBinding(name: "default-authenticator-totp-setup", stage: .authenticatorTOTPSetup)])

    /// user-logout.
    public static let defaultInvalidation = Flow(
        slug: "default-invalidation-flow", title: "Default Invalidation Flow", designation: .invalidation,
        bindings: [StageBinding(name: "default-invalidation-logout", stage: .userLogout)])

    /// Registration of a passkey or security key by the signed-in user (needs a browser with
    /// JavaScript or an API client: the HTML page cannot call WebAuthn).
    public static let webAuthnSetup = Flow(
        slug: "default-authenticator-webauthn-setup", title: "Set up a security key", designation: .stageConfiguration,
        bindings: [StageBinding(name: "default-authenticator-webauthn-setup", stage: .authenticatorWebAuthnSetup)])

    /// The flows every installation has.
    public static let builtIn: [Flow] = [defaultAuthentication, authenticationWithMFA, defaultInvalidation, mfaValidation,
                                         totpSetup, webAuthnSetup]
}
