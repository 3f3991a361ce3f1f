import Crypto
import JSON
import Store

/// `authenticator-webauthn-setup`, and the WebAuthn options both ceremonies send. Options are
/// JSON with binary members in base64url (as WebAuthn's `parseCreationOptionsFromJSON` reads them).
extension FlowExecutor {
    public static let webAuthnTimeoutMilliseconds = 120_000

    /// PublicKeyCredentialRequestOptions, members in the order the WebAuthn specification lists them.
    static func requestOptions(challenge: [UInt8], relyingParty: WebAuthn.RelyingParty, keys: [WebAuthnDevice]) -> JSONValue {
        [
            "challenge": .string(Base64URL.encode(challenge)),
            "rpId": .string(relyingParty.id),
            "allowCredentials": .array(keys.map(credentialDescriptor)),
            "userVerification": "preferred",
            "timeout": .int(webAuthnTimeoutMilliseconds),
        ]
    }

    /// PublicKeyCredentialCreationOptions (ES256, then RS256; no attestation).
    static func creationOptions(challenge: [UInt8], relyingParty: WebAuthn.RelyingParty, rpName: String, user: User,
                                existing: [WebAuthnDevice]) -> JSONValue {
        [
            "challenge": .string(Base64URL.encode(challenge)),
            "rp": ["id": .string(relyingParty.id), "name": .string(rpName)],
            "user": [
                "id": .string(Base64URL.encode(Array(user.id.rawValue.utf8))),
                "name": .string(user.username),
                "displayName": .string(user.name.isEmpty ? user.username : user.name),
            ],
            "pubKeyCredParams": [["type": "public-key", "alg": -7], ["type": "public-key", "alg": -257]],
            "timeout": .int(webAuthnTimeoutMilliseconds),
            "attestation": "none",
            "excludeCredentials": .array(existing.map(credentialDescriptor)),
            "authenticatorSelection": ["residentKey": "preferred", "userVerification": "preferred"],
        ]
    }

    private static func credentialDescriptor(_ device: WebAuthnDevice) -> JSONValue {
        ["type": "public-key", "id": .string(Base64URL.encode(device.credentialID))]
    }

    func webAuthnSetup(binding: StageBinding, flow: Flow, plan: inout FlowPlan, input: FlowInput,
                       context: FlowContext) throws(StoreError) -> StageResult {
        guard let authenticators, let webAuthn, let user = try verifiedUser(&plan, context) else {
            return .stop(FlowOutcome(step: .challenge(.accessDenied(message: Self.signInFirstMessage), errors: []), plan: nil))
        }
        var input = input
        if let stop = try requireExistingFactor(user, binding: binding, flow: flow, plan: &plan, input: &input, context: context) {
            return stop
        }
        let existing = try authenticators.webAuthnDevices(ofUser: user.id)
        let issued = plan.webAuthnChallenge.flatMap(Base64URL.decode)
        plan.webAuthnChallenge = nil
        func challenge(_ plan: inout FlowPlan) -> Challenge {
            let fresh = SecureRandom.bytes(32)
            plan.webAuthnChallenge = Base64URL.encode(fresh)
            return .webAuthnSetup(options: Self.creationOptions(challenge: fresh, relyingParty: webAuthn, rpName: totpIssuer,
                                                                user: user, existing: existing), flowTitle: flow.title)
        }
        guard case .webAuthnRegistration(let clientDataJSON, let attestationObject) = input else {
            return .stop(FlowOutcome(step: .challenge(challenge(&plan), errors: []), plan: plan))
        }
        func refuse(_ why: String, _ plan: inout FlowPlan) throws(StoreError) -> StageResult {
            try events.appendEvent(NewAuditEvent(actorUserID: user.id, action: "mfa_device_refused", clientIP: context.clientIP,
                                                 outcome: "failure",
                                                 context: Self.eventContext(["flow": flow.slug, "reason": String(why.prefix(200))])))
            return .stop(FlowOutcome(step: .challenge(challenge(&plan), errors: [
                FieldError(field: "response", message: why, code: "invalid")]), plan: plan))
        }
        guard let issued else { return try refuse("no registration was started", &plan) }
        let credential: WebAuthn.Credential
        do {
            credential = try WebAuthn.verifyRegistration(clientDataJSON: clientDataJSON, attestationObject: attestationObject,
                                                         challenge: issued, relyingParty: webAuthn)
        } catch {
            return try refuse(error.description, &plan)
        }
        do {
            _ = try authenticators.createWebAuthnDevice(
                userID: user.id, name: "Security key", credentialID: credential.id, publicKeyCOSE: credential.publicKeyCOSE,
                algorithm: credential.algorithm, signCount: credential.signCount, at: context.now)
        } catch .conflict {
            return try refuse("this credential is registered already", &plan)
        }
        try events.appendEvent(NewAuditEvent(actorUserID: user.id, action: "mfa_device_added", clientIP: context.clientIP,
                                             outcome: "success",
                                             context: Self.eventContext(["flow": flow.slug, "device_class": "webauthn"])))
        return .advance
    }
}
