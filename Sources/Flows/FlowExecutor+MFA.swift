import Crypto
import JSON
import Store

/// The second-factor stages: `authenticator-validate` and `authenticator-totp-setup`.
extension FlowExecutor {
    public static let invalidCodeMessage = "Invalid code."
    public static let mfaLockedMessage = "Too many wrong codes. Sign in again."
    public static let mfaNotConfiguredMessage = "No authenticator is set up for this account."
    public static let signInFirstMessage = "Sign in first."
    /// Recovery codes made at enrolment.
    public static let recoveryCodeCount = 10

    /// Failed codes are counted per user under this key (five in a row: the session ends).
    static func mfaThrottleKey(_ user: UserID) -> String { "mfa:user:" + user.rawValue }

    /// The user a second-factor stage acts for: the one the password stage verified in this
    /// flow, else the signed-in user of the session. Never an unverified identifier.
    func verifiedUser(_ plan: inout FlowPlan, _ context: FlowContext) throws(StoreError) -> User? {
        var id: UserID?
        if let pending = plan.pendingUser, !plan.methods.isEmpty {
            id = pending
        } else if let current = context.currentUserID {
            id = current
            plan.pendingUser = current
        }
        guard let id, let user = try users.user(id: id), user.isActive else { return nil }
        if plan.uid == nil { plan.uid = user.username }
        return user
    }

    // MARK: authenticator-validate

    func authenticatorValidate(_ config: AuthenticatorValidation, binding: StageBinding, flow: Flow, plan: inout FlowPlan,
                               input: FlowInput, context: FlowContext) throws(StoreError) -> StageResult {
        func deny(_ message: String) -> StageResult {
            .stop(FlowOutcome(step: .challenge(.accessDenied(message: message), errors: []), plan: nil))
        }
        guard let user = try verifiedUser(&plan, context) else { return deny(Self.signInFirstMessage) }
        let now = context.now
        let signedInAsUser = context.currentUserID == user.id ? context.currentSessionIDHash : nil

        if let threshold = config.lastAuthThresholdSeconds, let session = signedInAsUser, let authenticators,
           let last = try authenticators.sessionMFA(sessionIDHash: session),
           last.verifiedAt.adding(seconds: Int64(threshold)) > now {
            addMethods(&plan, last.methods)
            return .advance
        }

        let devices = config.deviceClasses.contains("totp")
            ? try authenticators?.totpDevices(ofUser: user.id).filter(\.confirmed) ?? [] : []
        let keys = config.deviceClasses.contains("webauthn") && webAuthn != nil
            ? try authenticators?.webAuthnDevices(ofUser: user.id) ?? [] : []
        let recovery = config.deviceClasses.contains("static") ? try authenticators?.recoveryCodeCount(userID: user.id) ?? 0 : 0
        if devices.isEmpty && keys.isEmpty && recovery == 0 {
            switch config.notConfigured {
            case .skip: return .advance
            case .deny: return deny(Self.mfaNotConfiguredMessage)
            }
        }
        let account = Self.mfaThrottleKey(user.id)
        var eventFields = ["flow": flow.slug, "stage": binding.name]
        if throttle.isBlocked(account: account, ip: nil, at: now) {
            return try lockOut(user, eventFields, context)
        }
        // A WebAuthn challenge is used once: whatever comes back, the next prompt gets a new one.
        let issuedChallenge = plan.webAuthnChallenge.flatMap(Base64URL.decode)
        plan.webAuthnChallenge = nil
        func challenge(_ plan: inout FlowPlan) -> Challenge {
            var options: JSONValue?
            if let webAuthn, !keys.isEmpty {
                let fresh = SecureRandom.bytes(32)
                plan.webAuthnChallenge = Base64URL.encode(fresh)
                options = Self.requestOptions(challenge: fresh, relyingParty: webAuthn, keys: keys)
            }
            return .authenticatorValidate(deviceClasses: config.deviceClasses, flowTitle: flow.title, webAuthnOptions: options)
        }
        func refuse(_ plan: inout FlowPlan, _ error: FieldError) -> StageResult {
            .stop(FlowOutcome(step: .challenge(challenge(&plan), errors: [error]), plan: plan))
        }

        var verifiedWith: String?
        var field = "code"
        switch input {
        case .authenticatorCode(let raw):
            let code = String(raw.unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "-" }.prefix(64))
            guard !code.isEmpty else {
                return refuse(&plan, FieldError(field: "code", message: Self.requiredMessage, code: "required"))
            }
            if code.utf8.count == 6, code.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                let seconds = now.microsecondsSince1970 / 1_000_000
                for device in devices {
                    guard let step = TOTP(secret: device.secret).matchingStep(code, at: seconds) else { continue }
                    // A code is accepted once: the store refuses a step at or below the last one used.
                    if try authenticators?.useTOTPStep(deviceID: device.id, step: step, at: now) == true {
                        verifiedWith = "totp"
                    } else {
                        eventFields["reason"] = "replayed"
                    }
                    break
                }
            } else if recovery > 0, let authenticators,
                      try authenticators.useRecoveryCode(userID: user.id, hash: Self.recoveryCodeHash(code), at: now) {
                verifiedWith = "static"
            }
        case .webAuthnAssertion(let credentialID, let clientDataJSON, let authenticatorData, let signature):
            field = "webauthn"
            var verifiedCount: UInt32?
            guard let webAuthn, let authenticators, let issuedChallenge,
                  let key = keys.first(where: { $0.credentialID == credentialID }) else {
                eventFields["reason"] = issuedChallenge == nil ? "no_challenge" : "unknown_credential"
                break
            }
            let credential = WebAuthn.Credential(id: key.credentialID, publicKeyCOSE: key.publicKeyCOSE, algorithm: key.algorithm,
                                                 signCount: key.signCount)
            do throws(WebAuthn.Failure) {
                let count = try WebAuthn.verifyAssertion(
                    clientDataJSON: clientDataJSON, authenticatorData: authenticatorData, signature: signature,
                    challenge: issuedChallenge, credential: credential, relyingParty: webAuthn)
                verifiedCount = count
            } catch {
                if case .signCountRegressed = error {
                    eventFields["reason"] = "sign_count_regressed"
                    eventFields["device"] = key.id
                    try events.appendEvent(NewAuditEvent(
                        actorUserID: user.id, action: "mfa_clone_suspected", clientIP: context.clientIP, outcome: "denied",
                        context: Self.eventContext(eventFields)))
                } else {
                    eventFields["reason"] = "webauthn_refused"
                    eventFields["detail"] = String(error.description.prefix(200))
                }
            }
            if let verifiedCount {
                if try authenticators.advanceSignCount(deviceID: key.id, from: key.signCount, to: verifiedCount, at: now) {
                    verifiedWith = "webauthn"
                } else {
                    eventFields["reason"] = "sign_count_raced"
                }
            }
        default:
            return .stop(FlowOutcome(step: .challenge(challenge(&plan), errors: []), plan: plan))
        }

        guard let verifiedWith else {
            throttle.recordFailure(account: account, ip: nil, at: now)
            eventFields["reason"] = eventFields["reason"] ?? "invalid_code"
            try events.appendEvent(NewAuditEvent(actorUserID: user.id, action: "mfa_failed", clientIP: context.clientIP,
                                                 outcome: "failure", context: Self.eventContext(eventFields)))
            if throttle.isBlocked(account: account, ip: nil, at: now) { return try lockOut(user, eventFields, context) }
            return refuse(&plan, FieldError(field: field, message: Self.invalidCodeMessage, code: "invalid"))
        }
        if verifiedWith == "webauthn" { addMethods(&plan, ["hwk"]) }
        throttle.recordSuccess(account: account, at: now)
        addMethods(&plan, verifiedWith == "webauthn" ? ["mfa"] : ["otp", "mfa"])
        if let session = signedInAsUser {
            try authenticators?.recordMFA(sessionIDHash: session, at: now, methods: plan.methods)
        }
        eventFields["device_class"] = verifiedWith
        try events.appendEvent(NewAuditEvent(actorUserID: user.id, action: "mfa_verified", clientIP: context.clientIP,
                                             outcome: "success", context: Self.eventContext(eventFields)))
        return .advance
    }

    /// Five wrong codes in a row: the session ends and the flow stops; the user must sign in
    /// again (and stays refused until the throttle window passes).
    private func lockOut(_ user: User, _ fields: [String: String], _ context: FlowContext) throws(StoreError) -> StageResult {
        if let session = context.currentSessionIDHash { try sessions.deleteSession(idHash: session) }
        var fields = fields
        fields["reason"] = "too_many_codes"
        try events.appendEvent(NewAuditEvent(actorUserID: user.id, action: "mfa_locked", clientIP: context.clientIP,
                                             outcome: "denied", context: Self.eventContext(fields)))
        return .stop(FlowOutcome(step: .challenge(.accessDenied(message: Self.mfaLockedMessage), errors: []), plan: nil))
    }

    private func addMethods(_ plan: inout FlowPlan, _ methods: [String]) {
        for method in methods where !plan.methods.contains(method) { plan.methods.append(method) }
    }

    /// Recovery codes are compared case-insensitively, without dashes and spaces.
    public static func recoveryCodeHash(_ code: String) -> [UInt8] {
        Digest.sha256(String(code.uppercased().unicodeScalars.filter { $0 != "-" && !$0.properties.isWhitespace }))
    }

    /// Ten fresh codes like `ABCD-EFGH-IJKL` (56 random bits each).
    public static func newRecoveryCodes() -> [String] {
        (0..<recoveryCodeCount).map { _ in
            let text = Array(Base32.encode(SecureRandom.bytes(7)).prefix(12))
            return String(text[0..<4]) + "-" + String(text[4..<8]) + "-" + String(text[8..<12])
        }
    }

    // MARK: enrolment of a further authenticator

    /// How recent an MFA verification of the session must be to add, change or remove an
    /// authenticator (the own-device API uses the same window).
    public static let authenticatorChangeWindowSeconds = 1800

    /// True when the user has a second factor already: a confirmed TOTP device, a security
    /// key or passkey, or recovery codes left.
    func hasAuthenticators(_ user: User) throws(StoreError) -> Bool {
        guard let authenticators else { return false }
        if try authenticators.totpDevices(ofUser: user.id).contains(where: \.confirmed) { return true }
        if try !authenticators.webAuthnDevices(ofUser: user.id).isEmpty { return true }
        return try authenticators.recoveryCodeCount(userID: user.id) > 0
    }

    /// NIST SP 800-63B §6.1.2.1: "binding of an additional authenticator to a subscriber's
    /// account" needs authentication with an existing authenticator at the same assurance.
    /// A user who has a second factor proves it first, inside the setup stage (the validation
    /// challenge is shown there), unless this flow or a recent verification of the session
    /// did already. `nil`: go on with the setup; otherwise the result to return.
    func requireExistingFactor(_ user: User, binding: StageBinding, flow: Flow, plan: inout FlowPlan, input: inout FlowInput,
                               context: FlowContext) throws(StoreError) -> StageResult? {
        guard try hasAuthenticators(user), !plan.methods.contains("mfa") else { return nil }
        let validation = AuthenticatorValidation(lastAuthThresholdSeconds: Self.authenticatorChangeWindowSeconds, notConfigured: .deny)
        let result = try authenticatorValidate(validation, binding: binding, flow: flow, plan: &plan, input: input, context: context)
        guard case .advance = result else { return result }
        // Verified: the setup challenge comes next, for this same stage.
        input = .none
        return nil
    }

    // MARK: authenticator-totp-setup

    func totpSetup(binding: StageBinding, flow: Flow, plan: inout FlowPlan, input: FlowInput,
                   context: FlowContext) throws(StoreError) -> StageResult {
        guard let authenticators, let user = try verifiedUser(&plan, context) else {
            return .stop(FlowOutcome(step: .challenge(.accessDenied(message: Self.signInFirstMessage), errors: []), plan: nil))
        }
        var input = input
        if let stop = try requireExistingFactor(user, binding: binding, flow: flow, plan: &plan, input: &input, context: context) {
            return stop
        }
        let now = context.now
        let pending = try authenticators.totpDevices(ofUser: user.id).filter { !$0.confirmed }
        // The plan's device, else the newest one an earlier set-up left unconfirmed: starting
        // over never piles up devices (one unconfirmed device per user at most).
        var device = pending.first { $0.id == plan.setupDeviceID } ?? pending.last
        plan.setupDeviceID = device?.id
        if device == nil {
            device = try authenticators.createTOTPDevice(userID: user.id, name: "Authenticator app",
                                                         secret: TOTP.generate().secret, at: now)
            plan.setupDeviceID = device?.id
        }
        guard let device else { throw .unavailable("no device") }
        let totp = TOTP(secret: device.secret)
        let challenge = Challenge.totpSetup(
            configURL: totp.provisioningURI(issuer: totpIssuer, account: user.email ?? user.username),
            secret: Base32.encode(device.secret), flowTitle: flow.title)
        guard case .totpSetupCode(let raw) = input else {
            return .stop(FlowOutcome(step: .challenge(challenge, errors: []), plan: plan))
        }
        let code = String(raw.unicodeScalars.filter { !$0.properties.isWhitespace }.prefix(16))
        guard let step = totp.matchingStep(code, at: now.microsecondsSince1970 / 1_000_000),
              try authenticators.confirmTOTPDevice(id: device.id, userID: user.id, step: step, at: now) else {
            return .stop(FlowOutcome(step: .challenge(challenge, errors: [
                FieldError(field: "code", message: Self.invalidCodeMessage, code: "invalid")]), plan: plan))
        }
        try events.appendEvent(NewAuditEvent(actorUserID: user.id, action: "mfa_device_added", clientIP: context.clientIP,
                                             outcome: "success",
                                             context: Self.eventContext(["flow": flow.slug, "device_class": "totp"])))
        plan.setupDeviceID = nil
        // Recovery codes are made once, with the first authenticator (or when none are left):
        // adding another device leaves the ones the user wrote down working.
        guard try authenticators.recoveryCodeCount(userID: user.id) == 0 else { return .advance }
        let codes = Self.newRecoveryCodes()
        try authenticators.replaceRecoveryCodes(userID: user.id, hashes: codes.map(Self.recoveryCodeHash), at: now)
        // The codes go out in this response only; the plan moves past this stage.
        plan.stageIndex += 1
        return .stop(FlowOutcome(step: .challenge(.recoveryCodes(codes), errors: []), plan: plan))
    }
}
