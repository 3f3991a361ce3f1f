import Crypto
import Identity
import JSON
import Policies
import Store

/// Runs flows: one call per request, from the stored plan and the client's response to the
/// next challenge or the flow's end. Synchronous and blocking (store, argon2), like every
/// handler; holds no state of its own between calls (the plan is the state).
public struct FlowExecutor: Sendable {
    /// The one message for every refused password login: unknown user, wrong password,
    /// inactive user, user without a password. Nothing tells them apart.
    public static let invalidCredentialsMessage = "Invalid username or password."
    public static let throttledMessage = "Too many failed attempts. Try again later."
    public static let requiredMessage = "This field is required."
    public static let noUserMessage = "No user to sign in."

    public let users: any UserStore
    public let sessions: any SessionStore
    public let events: any EventStore
    public let hasher: PasswordHasher
    public let throttle: any LoginThrottle
    public let flows: [String: Flow]
    /// Second factors; nil: no user has any (validation stages pass users through or deny them).
    public let authenticators: (any AuthenticatorStore)?
    /// The issuer shown in authenticator apps.
    public let totpIssuer: String
    /// Our WebAuthn RP ID and origin; nil: WebAuthn is off.
    public let webAuthn: WebAuthn.RelyingParty?
    /// Evaluates the policies bound to stage bindings.
    public let policyEngine: PolicyEngine

    public init(users: any UserStore, sessions: any SessionStore, events: any EventStore, hasher: PasswordHasher,
                throttle: any LoginThrottle, flows: [Flow] = Flow.builtIn,
                authenticators: (any AuthenticatorStore)? = nil, totpIssuer: String = "Gatehouse",
                webAuthn: WebAuthn.RelyingParty? = nil, policyEngine: PolicyEngine = PolicyEngine()) {
        self.policyEngine = policyEngine
        self.authenticators = authenticators
        self.webAuthn = webAuthn
        self.totpIssuer = totpIssuer
        self.users = users
        self.sessions = sessions
        self.events = events
        self.hasher = hasher
        self.throttle = throttle
        var bySlug: [String: Flow] = [:]
        for flow in flows { bySlug[flow.slug] = flow }
        self.flows = bySlug
    }

    /// A fresh plan for the flow `slug`; nil when there is no such flow.
    public func start(flowSlug slug: String, next: String?) -> FlowPlan? {
        flows[slug].map { FlowPlan(flow: $0, next: next) }
    }

    /// Runs the plan's current stage with `input`, then every following stage that needs
    /// no input, until one needs the client again or the flow ends. A response for another
    /// stage than the current one is treated as a GET (the current challenge is shown again).
    public func execute(plan: FlowPlan, input: FlowInput, context: FlowContext) throws(FlowError) -> FlowOutcome {
        guard let flow = flows[plan.flowSlug] else { throw .unknownFlow(plan.flowSlug) }
        guard plan.stageIndex >= 0, plan.stageIndex <= flow.bindings.count else {
            throw .invalidPlan("stage \(plan.stageIndex) of \(flow.bindings.count)")
        }
        var plan = plan
        var input = input
        do {
            while plan.stageIndex < flow.bindings.count {
                let binding = flow.bindings[plan.stageIndex]
                // A stage whose policies fail is skipped (decided on arrival, not on every request).
                if input == .none, !binding.policies.isEmpty,
                   !(try stagePolicies(binding, plan: plan, context: context)).passing {
                    plan.stageIndex += 1
                    continue
                }
                let result = try run(binding, flow: flow, plan: &plan, input: input, context: context)
                switch result {
                case .advance:
                    plan.stageIndex += 1
                    input = .none
                case .stop(let outcome):
                    return outcome
                }
            }
        } catch {
            throw .store(error)
        }
        // Ran out of stages without a login or logout stage: done, nothing to set.
        return FlowOutcome(step: .completed(FlowCompletion(redirect: plan.next)), plan: nil)
    }

    enum StageResult {
        case advance
        case stop(FlowOutcome)
    }

    private func run(_ binding: StageBinding, flow: Flow, plan: inout FlowPlan, input: FlowInput,
                     context: FlowContext) throws(StoreError) -> StageResult {
        switch binding.stage {
        case .identification(let fields):
            return try identification(fields: fields, flow: flow, plan: &plan, input: input)
        case .password:
            return try password(binding: binding, flow: flow, plan: &plan, input: input, context: context)
        case .userLogin(let lifetime):
            return try userLogin(lifetime: lifetime, flow: flow, plan: plan, context: context)
        case .userLogout:
            return try userLogout(flow: flow, plan: plan, context: context)
        case .deny(let message):
            try events.appendEvent(NewAuditEvent(
                actorUserID: plan.pendingUser, action: "flow_denied", clientIP: context.clientIP, outcome: "denied",
                context: Self.eventContext(["flow": flow.slug, "stage": binding.name])))
            return .stop(FlowOutcome(step: .challenge(.accessDenied(message: message), errors: []), plan: nil))
        case .authenticatorTOTPSetup:
            return try totpSetup(binding: binding, flow: flow, plan: &plan, input: input, context: context)
        case .prompt(let stage):
            return try prompt(stage, binding: binding, flow: flow, plan: &plan, input: input, context: context)
        case .consent(let message):
            guard case .consent(let accepted) = input else {
                return .stop(FlowOutcome(step: .challenge(.consent(message: message, flowTitle: flow.title), errors: []), plan: plan))
            }
            guard accepted else {
                try events.appendEvent(NewAuditEvent(
                    actorUserID: plan.pendingUser ?? context.currentUserID, action: "flow_consent_declined",
                    clientIP: context.clientIP, outcome: "denied",
                    context: Self.eventContext(["flow": flow.slug, "stage": binding.name])))
                return .stop(FlowOutcome(step: .challenge(.accessDenied(message: Self.consentDeclinedMessage), errors: []),
                                         plan: nil))
            }
            return .advance
        case .authenticatorWebAuthnSetup:
            return try webAuthnSetup(binding: binding, flow: flow, plan: &plan, input: input, context: context)
        case .authenticatorValidate(let config):
            return try authenticatorValidate(config, binding: binding, flow: flow, plan: &plan, input: input, context: context)
        }
    }

    // MARK: identification

    private func identification(fields: [UIDField], flow: Flow, plan: inout FlowPlan,
                                input: FlowInput) throws(StoreError) -> StageResult {
        let challenge = Challenge.identification(fields: fields, flowTitle: flow.title)
        guard case .identification(let raw) = input else {
            return .stop(FlowOutcome(step: .challenge(challenge, errors: []), plan: plan))
        }
        let uid = raw.trimmingWhitespace
        guard !uid.isEmpty else {
            let error = FieldError(field: "uid_field", message: Self.requiredMessage, code: "required")
            return .stop(FlowOutcome(step: .challenge(challenge, errors: [error]), plan: plan))
        }
        // Whether or not anyone matches, the flow goes on to the password stage, which
        // answers both cases alike (authentik's `pretend_user_exists`).
        plan.pendingUser = try lookUp(uid, fields: fields)?.id
        // The plan is stored (PostgreSQL refuses NUL in text and JSON) and shown again: keep a
        // printable, bounded copy of what was typed.
        plan.uid = String(String.UnicodeScalarView(uid.unicodeScalars.prefix(Self.maxIdentifierLength).map {
            $0.properties.generalCategory == .control ? "\u{FFFD}" : $0
        }))
        return .advance
    }

    /// Longer identifiers name nobody (usernames and addresses are far shorter).
    static let maxIdentifierLength = 320

    /// The account an identifier names: an exact username match first, then an e-mail
    /// address held by exactly one active account. Inactive accounts never shadow active
    /// ones, and an address that several accounts share names none of them (a provisioning
    /// source must not be able to take over, or block, someone else's sign-in by e-mail).
    /// An identifier with control characters (NUL among them) names nobody.
    private func lookUp(_ uid: String, fields: [UIDField]) throws(StoreError) -> User? {
        guard uid.utf8.count <= Self.maxIdentifierLength,
              !uid.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return nil }
        if fields.contains(.username), let user = try users.user(username: uid), user.isActive { return user }
        if fields.contains(.email), uid.contains("@") {
            let matches = try users.users(email: uid).filter(\.isActive)
            if matches.count == 1 { return matches[0] }
        }
        return nil
    }

    /// What an audit event keeps of the identifier typed: the account's username when it
    /// names one, otherwise a short hash (an unknown identifier is often a password typed
    /// into the wrong field, and must not sit in the audit trail in the clear).
    static func auditIdentifier(_ plan: FlowPlan, user: User?) -> (String, String) {
        if let user { return ("username", user.username) }
        let typed = (plan.uid ?? "").lowercased()
        return ("uid_sha256", String(Hex.encode(Digest.sha256(typed)).prefix(16)))
    }

    // MARK: password

    private func password(binding: StageBinding, flow: Flow, plan: inout FlowPlan, input: FlowInput,
                          context: FlowContext) throws(StoreError) -> StageResult {
        let challenge = Challenge.password(pendingUser: plan.uid ?? "", flowTitle: flow.title)
        guard case .password(let password) = input else {
            return .stop(FlowOutcome(step: .challenge(challenge, errors: []), plan: plan))
        }
        let account = Self.throttleKey(plan)
        func refuse(_ message: String, code: String) -> StageResult {
            .stop(FlowOutcome(step: .challenge(challenge, errors: [FieldError(field: "password", message: message,
                                                                                  code: code)]), plan: plan))
        }
        var eventFields = ["flow": flow.slug, "stage": binding.name]
        let user = try plan.pendingUser.flatMap { id throws(StoreError) in try users.user(id: id) }
        let (uidKey, uidValue) = Self.auditIdentifier(plan, user: user)
        eventFields[uidKey] = uidValue

        let verified: User
        switch try PasswordCheck(users: users, hasher: hasher, throttle: throttle)
            .check(user, password: password, account: account, clientIP: context.clientIP, at: context.now) {
        case .throttled:
            eventFields["reason"] = "throttled"
            try events.appendEvent(NewAuditEvent(
                actorUserID: plan.pendingUser, action: "login_failed", clientIP: context.clientIP, outcome: "denied",
                context: Self.eventContext(eventFields)))
            return refuse(Self.throttledMessage, code: "throttled")
        case .refused:
            eventFields["reason"] = "invalid_credentials"
            try events.appendEvent(NewAuditEvent(
                actorUserID: user?.id, action: "login_failed", clientIP: context.clientIP, outcome: "failure",
                context: Self.eventContext(eventFields)))
            return refuse(Self.invalidCredentialsMessage, code: "invalid")
        case .verified(let found, let rehashed):
            verified = found
            if rehashed { eventFields["rehashed"] = "true" }
        }
        plan.pendingUser = verified.id
        if !plan.methods.contains("pwd") { plan.methods.append("pwd") }
        if eventFields["rehashed"] != nil {
            try events.appendEvent(NewAuditEvent(
                actorUserID: verified.id, action: "password_rehashed", clientIP: context.clientIP, outcome: "success",
                context: Self.eventContext(["flow": flow.slug, "stage": binding.name])))
        }
        return .advance
    }

    /// Known users are counted by id (however they typed their name), others by the
    /// identifier as typed, folded to lower case.
    static func throttleKey(_ plan: FlowPlan) -> String {
        if let id = plan.pendingUserID { return "user:" + id }
        return "uid:" + (plan.uid ?? "").lowercased()
    }

    // MARK: user-login, user-logout

    private func userLogin(lifetime: SessionLifetime, flow: Flow, plan: FlowPlan,
                           context: FlowContext) throws(StoreError) -> StageResult {
        guard let id = plan.pendingUser, let user = try users.user(id: id), user.isActive,
              !plan.methods.isEmpty else {
            try events.appendEvent(NewAuditEvent(
                actorUserID: plan.pendingUser, action: "login_failed", clientIP: context.clientIP, outcome: "denied",
                context: Self.eventContext(["flow": flow.slug, "reason": "no_authenticated_user"])))
            return .stop(FlowOutcome(step: .challenge(.accessDenied(message: Self.noUserMessage), errors: []),
                                     plan: nil))
        }
        let token = SecureRandom.token(byteCount: 32)
        let now = context.now
        let session = Session(
            idHash: Digest.sha256(token), userID: user.id, createdAt: now, lastSeenAt: now,
            expiresAt: now.adding(seconds: Int64(lifetime.absoluteSeconds)), idleTimeoutSeconds: lifetime.idleSeconds,
            clientIP: context.clientIP, userAgent: context.userAgent, authTime: now, authMethods: plan.methods,
            upstreamAMR: plan.upstreamAMR ?? [])
        try sessions.createSession(session)
        if plan.methods.contains("mfa"), let authenticators {
            try authenticators.recordMFA(sessionIDHash: session.idHash, at: now, methods: plan.methods)
        }
        // A new token at every login: the pre-login session (and its cookie) are dropped.
        var replaced = false
        if let old = context.currentSessionIDHash, old != session.idHash {
            try sessions.deleteSession(idHash: old)
            replaced = true
        }
        try users.recordLogin(userID: user.id, at: now)
        try events.appendEvent(NewAuditEvent(
            actorUserID: user.id, action: "login", clientIP: context.clientIP, outcome: "success",
            context: Self.eventContext(["flow": flow.slug, "methods": plan.methods.joined(separator: " ")])))
        let done = FlowCompletion(redirect: plan.next, issued: IssuedSession(token: token, session: session),
                                  endedCurrentSession: replaced)
        return .stop(FlowOutcome(step: .completed(done), plan: nil))
    }

    private func userLogout(flow: Flow, plan: FlowPlan, context: FlowContext) throws(StoreError) -> StageResult {
        var ended = false
        if let hash = context.currentSessionIDHash {
            let current = try sessions.session(idHash: hash, at: context.now)
            try sessions.deleteSession(idHash: hash)
            ended = true
            try events.appendEvent(NewAuditEvent(
                actorUserID: current?.userID, action: "logout", clientIP: context.clientIP, outcome: "success",
                context: Self.eventContext(["flow": flow.slug])))
        }
        return .stop(FlowOutcome(step: .completed(FlowCompletion(redirect: plan.next, endedCurrentSession: ended)),
                                 plan: nil))
    }

    // MARK: upstream sources

    /// The method recorded for a sign-in through an upstream source (the upstream's own `amr`
    /// is kept apart, in `upstreamAMR`).
    public static let upstreamMethod = "ext"

    /// After an upstream source vouched for `user`: the plan skips the stages that identify
    /// and check a password, and goes on with the rest (policies, MFA, consent, user-login).
    public func continueAfterUpstream(_ plan: FlowPlan, user: UserID, amr: [String]) throws(FlowError) -> FlowPlan {
        guard let flow = flows[plan.flowSlug] else { throw .unknownFlow(plan.flowSlug) }
        var plan = plan
        var index = 0
        for (i, binding) in flow.bindings.enumerated() {
            switch binding.stage {
            case .identification, .password: index = i + 1
            default: break
            }
        }
        plan.stageIndex = index
        plan.pendingUser = user
        plan.uid = nil
        plan.methods = [Self.upstreamMethod]
        plan.upstreamAMR = amr
        plan.upstreamLogin = nil
        return plan
    }

    // MARK: helpers

    /// A flat JSON object of strings, keys sorted.
    static func eventContext(_ fields: [String: String]) -> JSONText {
        JSONText(.object(JSONObject(fields.mapValues(JSONValue.string))))
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
