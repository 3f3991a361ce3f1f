import JSON
import Store

/// What the client sent for the current stage. `.none` is a plain GET: show the challenge.
public enum FlowInput: Hashable, Sendable, CustomStringConvertible {
    case none
    /// `{"component": "ak-stage-identification", "uid_field": "…"}`
    case identification(uid: String)
    /// `{"component": "ak-stage-password", "password": "…"}`
    case password(String)
    /// `{"component": "ak-stage-authenticator-validate", "code": "…"}`: a TOTP or recovery code.
    case authenticatorCode(String)
    /// `{"component": "ak-stage-authenticator-totp", "code": "…"}`: the first code of a new device.
    case totpSetupCode(String)
    /// `{"component": "ak-stage-prompt", "<key>": "…", …}`: the prompt's answers.
    case prompt([String: String])
    /// `{"component": "ak-stage-consent", "accept": true|false}`.
    case consent(accepted: Bool)
    /// `{"component": "ak-stage-authenticator-webauthn", "response": {…}}`: a new credential.
    case webAuthnRegistration(clientDataJSON: [UInt8], attestationObject: [UInt8])
    /// `{"component": "ak-stage-authenticator-validate", "webauthn": {…}}`: an assertion.
    case webAuthnAssertion(credentialID: [UInt8], clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8])

    /// Never shows the password.
    public var description: String {
        switch self {
        case .none: "none"
        case .identification(let uid): "identification(uid: \(uid))"
        case .password: "password(<redacted>)"
        case .authenticatorCode: "authenticatorCode(<redacted>)"
        case .totpSetupCode: "totpSetupCode(<redacted>)"
        case .webAuthnRegistration: "webAuthnRegistration"
        case .prompt(let values): "prompt(\(values.keys.sorted()))"
        case .consent(let accepted): "consent(\(accepted))"
        case .webAuthnAssertion: "webAuthnAssertion"
        }
    }
}

/// Who is asking, from where, when.
public struct FlowContext: Hashable, Sendable {
    public var clientIP: String?
    public var userAgent: String?
    public var now: Timestamp
    /// SHA-256 of the session cookie the request came with, if any: the session user-logout
    /// ends, and the anonymous session user-login replaces.
    public var currentSessionIDHash: [UInt8]?
    /// The user the current session is signed in as (step-up and enrolment act for them).
    public var currentUserID: UserID?

    public init(clientIP: String?, userAgent: String?, now: Timestamp, currentSessionIDHash: [UInt8]? = nil,
                currentUserID: UserID? = nil) {
        self.clientIP = clientIP
        self.userAgent = userAgent
        self.now = now
        self.currentSessionIDHash = currentSessionIDHash
        self.currentUserID = currentUserID
    }
}

/// What the client is asked next; `component` is authentik's name for it.
public enum Challenge: Hashable, Sendable {
    /// Ask for an identifier matched against `fields`.
    case identification(fields: [UIDField], flowTitle: String)
    /// Ask for the password of `pendingUser` (the identifier as entered, shown back).
    case password(pendingUser: String, flowTitle: String)
    /// Ask for a TOTP code or a recovery code, or (with `webAuthnOptions`, the JSON of
    /// PublicKeyCredentialRequestOptions, binary members base64url) a WebAuthn assertion.
    case authenticatorValidate(deviceClasses: [String], flowTitle: String, webAuthnOptions: JSONValue? = nil)
    /// Ask for a new WebAuthn credential (`options`: PublicKeyCredentialCreationOptions as JSON).
    case webAuthnSetup(options: JSONValue, flowTitle: String)
    /// Show the new device's QR code (`configURL` is the otpauth URI) and ask for its first code.
    case totpSetup(configURL: String, secret: String, flowTitle: String)
    /// Ask for the prompt's fields (`values`: what was entered, shown back after an error).
    case prompt(fields: [PromptField], values: [String: String], flowTitle: String)
    /// Ask to agree to `message`.
    case consent(message: String, flowTitle: String)
    /// Show the new recovery codes, once.
    case recoveryCodes([String])
    /// The flow stopped here.
    case accessDenied(message: String)
    /// The flow is done; go to `to` (a local path).
    case redirect(to: String)

    public var component: String {
        switch self {
        case .identification: "ak-stage-identification"
        case .password: "ak-stage-password"
        case .authenticatorValidate: "ak-stage-authenticator-validate"
        case .totpSetup: "ak-stage-authenticator-totp"
        case .webAuthnSetup: "ak-stage-authenticator-webauthn"
        case .recoveryCodes: "ak-stage-authenticator-static"
        case .prompt: "ak-stage-prompt"
        case .consent: "ak-stage-consent"
        case .accessDenied: "ak-stage-access-denied"
        case .redirect: "xak-flow-redirect"
        }
    }
}

/// An error on one field of the current challenge (authentik's `response_errors`:
/// `{"password": [{"string": "…", "code": "invalid"}]}`). `field` is the response field
/// (`uid_field`, `password`) or `non_field_errors`.
public struct FieldError: Hashable, Sendable {
    public var field: String
    public var message: String
    public var code: String

    public init(field: String, message: String, code: String) {
        self.field = field
        self.message = message
        self.code = code
    }
}

/// A session the flow created, and the cookie value that names it. The store holds only
/// `session.idHash` = SHA-256 of the token's text.
public struct IssuedSession: Hashable, Sendable, CustomStringConvertible {
    /// 32 random bytes, base64url without padding: the cookie value. Set it and forget it.
    public let token: String
    public let session: Session

    public init(token: String, session: Session) {
        self.token = token
        self.session = session
    }

    public var description: String { "IssuedSession(user: \(session.userID?.rawValue ?? "-"), token: <redacted>)" }
}

/// How a completed flow ended.
public struct FlowCompletion: Hashable, Sendable {
    /// Where to send the client: the plan's `next`.
    public var redirect: String
    /// Set by user-login: set this cookie.
    public var issued: IssuedSession?
    /// Set by user-logout (and by user-login when it replaced the request's session): the
    /// request's session was deleted; clear its cookie unless `issued` replaces it.
    public var endedCurrentSession: Bool

    public init(redirect: String, issued: IssuedSession? = nil, endedCurrentSession: Bool = false) {
        self.redirect = redirect
        self.issued = issued
        self.endedCurrentSession = endedCurrentSession
    }

    /// The challenge to answer with: `xak-flow-redirect` to `redirect`.
    public var challenge: Challenge { .redirect(to: redirect) }
}

/// The result of one step.
public struct FlowOutcome: Hashable, Sendable {
    public enum Step: Hashable, Sendable {
        /// Show `challenge`, with `errors` about the response just given (empty on a GET).
        case challenge(Challenge, errors: [FieldError])
        /// The flow is done.
        case completed(FlowCompletion)
    }

    public var step: Step
    /// The state to keep in the session for the next request; nil when the flow has ended
    /// (completed or denied): clear the session's flow state.
    public var plan: FlowPlan?

    public init(step: Step, plan: FlowPlan?) {
        self.step = step
        self.plan = plan
    }

    /// The challenge to send, whatever the step (`xak-flow-redirect` once completed).
    public var challenge: Challenge {
        switch step {
        case .challenge(let c, _): c
        case .completed(let done): done.challenge
        }
    }

    public var errors: [FieldError] {
        if case .challenge(_, let errors) = step { return errors }
        return []
    }
}

/// Why a step could not run at all (as opposed to a refused login, which is an outcome).
public enum FlowError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No flow with the plan's slug.
    case unknownFlow(String)
    /// The plan points past the flow's stages or was otherwise not made by this flow.
    case invalidPlan(String)
    /// The store failed.
    case store(StoreError)

    public var description: String {
        switch self {
        case .unknownFlow(let slug): "no flow \(slug)"
        case .invalidPlan(let why): "invalid flow plan: \(why)"
        case .store(let error): error.description
        }
    }
}
