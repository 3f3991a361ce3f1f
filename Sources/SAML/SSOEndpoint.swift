import Crypto
import HTTP
import Identity
import Store
import Web

/// Single sign-on (profiles §4.1): AuthnRequests over the HTTP-Redirect and HTTP-POST
/// bindings, IdP-initiated sign-ins, and the continuation a browser comes back to after
/// signing in or stepping up.
struct SSOEndpoint: Sendable {
    let provider: SAMLProvider

    func redirectBinding(_ request: Request) throws -> Response { try intake(request, redirect: true) }
    func postBinding(_ request: Request) throws -> Response { try intake(request, redirect: false) }

    /// Reads and checks an AuthnRequest. Until it is verified (signature when required, our
    /// Destination, freshness, a registered ACS, a first use of its ID) nothing is sent to the
    /// SP: every refusal is our error page.
    private func intake(_ request: Request, redirect: Bool) throws -> Response {
        let (slug, sp) = try provider.serviceProvider(request)
        let now = provider.clock()
        do {
            let message = redirect ? try SAMLBindingIntake.redirect(request, parameter: "SAMLRequest")
                                   : try SAMLBindingIntake.post(request, parameter: "SAMLRequest")
            let authn = try AuthnRequestMessage.read(message.root)
            let signed = try RequestSignatureCheck.verify(message, from: sp)
            try authn.header.check(for: sp, endpoint: redirect ? provider.ssoRedirectURL(slug) : provider.ssoPostURL(slug),
                                   signed: signed, now: now)
            let acs = try Self.assertionConsumerService(for: authn, of: sp)
            // Request IDs are remembered (PostgreSQL, every node) for as long as the request
            // itself could be accepted: a captured AuthnRequest is answered once.
            guard try provider.ledger.recordFirstUse(issuer: sp.audience, requestID: authn.header.id,
                                                     expiresAt: authn.header.replayHorizon, at: now) else {
                throw SAMLRequestError("replayed", "This sign-in request was already used; start again from the application.")
            }
            let pending = PendingRequest(
                kind: .authn, slug: slug, requestID: authn.header.id, acsURL: acs, relayState: message.relayState,
                forceAuthn: authn.forceAuthn, isPassive: authn.isPassive, wantsMultiFactor: authn.wantsMultiFactor,
                nameIDFormat: authn.nameIDFormat, nameID: nil, sessionIndexes: [], createdAt: now)
            // A cross-site POST brings no SameSite=Lax cookie: continue with a GET on our site.
            guard redirect else { return Response.redirect(to: continuationPath(pending), status: .seeOther) }
            return try proceed(request, sp: sp, pending: pending, continued: false)
        } catch let error as SAMLRequestError {
            provider.audit(request, "saml.sso", outcome: error.code, provider: sp.providerName, user: nil, detail: error.detail)
            return SAMLPages.error(request, error)
        }
    }

    /// Core §3.4.1: AssertionConsumerServiceURL, or the one at AssertionConsumerServiceIndex,
    /// or the default; only ever one of the provider's registered URLs. Profiles §4.1.2: "the
    /// identity provider MUST NOT use HTTP Redirect binding" for the Response, so only
    /// HTTP-POST is offered.
    static func assertionConsumerService(for authn: AuthnRequestMessage, of sp: SAMLServiceProvider) throws(SAMLRequestError) -> String {
        if let binding = authn.protocolBinding, binding != SAMLBindingURI.post {
            throw SAMLRequestError("unsupported_binding", "Gatehouse sends sign-in responses with the HTTP-POST binding only.")
        }
        if let url = authn.acsURL {
            guard sp.acsURLs.contains(url) else {
                throw SAMLRequestError("unknown_acs", "The application asked for the answer to go to an address not registered for it.")
            }
            return url
        }
        if let index = authn.acsIndex {
            guard index < sp.acsURLs.count else {
                throw SAMLRequestError("unknown_acs", "The application asked for an AssertionConsumerServiceIndex not registered for it.")
            }
            return sp.acsURLs[index]
        }
        guard let first = sp.acsURLs.first else { throw SAMLRequestError("configuration", "No ACS URL is registered.") }
        return first
    }

    /// IdP-initiated sign-in (`…/sso/binding/init/`): an unsolicited Response to the default
    /// ACS with the provider's `default_relay_state`.
    func idpInitiated(_ request: Request) throws -> Response {
        let (slug, sp) = try provider.serviceProvider(request)
        guard let acs = sp.acsURLs.first else {
            return SAMLPages.error(request, SAMLRequestError("configuration", "No ACS URL is registered."))
        }
        let pending = PendingRequest(kind: .authn, slug: slug, requestID: "", acsURL: acs, relayState: sp.defaultRelayState,
                                     forceAuthn: false, isPassive: false, wantsMultiFactor: false, nameIDFormat: nil,
                                     nameID: nil, sessionIndexes: [], createdAt: provider.clock())
        return try proceed(request, sp: sp, pending: pending, continued: false)
    }

    /// The browser back from signing in, stepping up, or a POST-binding intake.
    func continuation(_ request: Request) throws -> Response {
        let (slug, sp) = try provider.serviceProvider(request)
        do {
            let pending = try PendingRequest.open(request.query("request") ?? "", slug: slug, with: provider.sealer,
                                                  now: provider.clock())
            // The configuration may have changed meanwhile: the ACS must still be registered.
            guard pending.kind == .authn, sp.acsURLs.contains(pending.acsURL) else {
                throw SAMLRequestError("invalid_continuation", "This sign-in link is not valid; start again from the application.")
            }
            return try proceed(request, sp: sp, pending: pending, continued: true)
        } catch let error as SAMLRequestError {
            provider.audit(request, "saml.sso", outcome: error.code, provider: sp.providerName, user: nil, detail: error.detail)
            return SAMLPages.error(request, error)
        }
    }

    func continuationPath(_ pending: PendingRequest) -> String {
        SAMLProvider.base(pending.slug) + "sso/continue/?request=" + PercentEncoding.encode(pending.sealed(with: provider.sealer))
    }

    /// The same steps as OIDC's authorize: a signed-in session (signing in first, or again for
    /// ForceAuthn), the application's access rules, step-up, then the response.
    private func proceed(_ request: Request, sp: SAMLServiceProvider, pending: PendingRequest, continued: Bool) throws -> Response {
        guard let application = sp.application else { throw WebError.notFound }
        let now = provider.clock()
        let session = try provider.browserSession(request)
        let back = pending.requestID.isEmpty ? request.rawTarget : continuationPath(pending)
        // Core §3.4.1: ForceAuthn "the identity provider MUST authenticate the presenter
        // directly rather than rely on a previous security context" — a session older than the
        // request does not count.
        guard let session, !(pending.forceAuthn && session.authTime < pending.createdAt) else {
            // IsPassive: "the identity provider ... MUST NOT visibly take control of the user interface".
            if pending.isPassive {
                return try respond(request, sp: sp, pending: pending, session: nil,
                                   failure: SAMLStatusError(topLevel: SAMLStatus.responder, secondLevel: SAMLStatus.noPassive,
                                                            message: "The user is not signed in."))
            }
            return Response.redirect(to: provider.signIn.signIn(returnTo: back), status: .found)
        }
        let attempt = AccessAttempt(kind: .samlSSO, user: session.user, application: application, clientIP: request.clientIP,
                                    userAgent: request.headers["User-Agent"].map { String($0.prefix(512)) }, session: session)
        guard try provider.access.allows(attempt) else {
            provider.audit(request, "saml.sso", outcome: "access_denied", provider: sp.providerName, user: session.user.id)
            let failure = SAMLStatusError(topLevel: SAMLStatus.responder, secondLevel: SAMLStatus.requestDenied,
                                          message: "The user may not use this application.")
            let fields = try responseFields(sp: sp, pending: pending, outcome: .failure(failure), now: now)
            return SAMLPages.denied(request, application: application.name, to: pending.acsURL, fields: fields)
        }
        // Step-up (F-06): a sensitive application, or an SP asking for the MFA class, needs a
        // recent verification; the browser passes the validation flow and comes back.
        let requirement = try provider.access.stepUp(for: application)
        if requirement != nil || pending.wantsMultiFactor,
           !StepUp.isSatisfied(by: session, requirement: requirement, maxAgeSeconds: nil, at: now) {
            if pending.isPassive {
                return try respond(request, sp: sp, pending: pending, session: session,
                                   failure: SAMLStatusError(topLevel: SAMLStatus.responder, secondLevel: SAMLStatus.noPassive,
                                                            message: "A multi-factor verification is needed."))
            }
            provider.audit(request, "saml.sso", outcome: "step_up", provider: sp.providerName, user: session.user.id)
            var response = Response.redirect(to: provider.signIn.stepUp(returnTo: back), status: .found)
            response.headers.set("Cache-Control", "no-store")
            return response
        }
        // A continuation link is answered once, whichever node it reaches.
        if continued, !pending.requestID.isEmpty,
           !(try provider.ledger.recordFirstUse(issuer: "answered " + sp.audience, requestID: pending.requestID,
                                                 expiresAt: pending.createdAt.adding(seconds: PendingRequest.lifetimeSeconds + 60),
                                                 at: now)) {
            return SAMLPages.error(request, SAMLRequestError("replayed", "This sign-in request was already answered."))
        }
        // Core §3.4.1.1: a NameIDPolicy Format we cannot honour is InvalidNameIDPolicy.
        if let format = pending.nameIDFormat, format != SAMLNameIDFormat.unspecified.rawValue, format != sp.nameIDFormat {
            return try respond(request, sp: sp, pending: pending, session: session,
                               failure: SAMLStatusError(topLevel: SAMLStatus.requester, secondLevel: SAMLStatus.invalidNameIDPolicy,
                                                        message: "This application is configured for another NameID format."))
        }
        return try respond(request, sp: sp, pending: pending, session: session, failure: nil)
    }

    /// Posts the Response (an assertion, or `failure`'s status) to the ACS.
    private func respond(_ request: Request, sp: SAMLServiceProvider, pending: PendingRequest, session: BrowserSession?,
                         failure: SAMLStatusError?) throws -> Response {
        let now = provider.clock()
        var outcome: SSOResponsePlan.Outcome
        var participant: SAMLSessionParticipant?
        if let failure {
            outcome = .failure(failure)
        } else if let session {
            do {
                let content = try assertionContent(sp: sp, session: session, now: now)
                outcome = .success(content)
                participant = SAMLSessionParticipant(sessionID: session.sid, providerName: sp.providerName, nameID: content.nameID,
                                                     nameIDFormat: content.nameIDFormat, sloURL: sp.sloURL,
                                                     sloBinding: sp.sloBinding, signedInAt: now)
            } catch let error as SAMLStatusError {
                outcome = .failure(error)
            }
        } else {
            outcome = .failure(SAMLStatusError(topLevel: SAMLStatus.responder, secondLevel: nil, message: "No session."))
        }
        let fields = try responseFields(sp: sp, pending: pending, outcome: outcome, now: now)
        if let participant, provider.recentParticipants.needsRecording(participant) {
            try provider.participants.record(participant, expiresAt: now.adding(seconds: Int64(sp.sessionValidSeconds ?? 30 * 86_400)))
        }
        let code: String = switch outcome {
        case .success: "success"
        case .failure(let error): error.secondLevel.map { String($0.split(separator: ":").last ?? "") } ?? "responder"
        }
        provider.audit(request, "saml.sso", outcome: code, provider: sp.providerName, user: session?.user.id)
        return SAMLPages.autoPost(request, to: pending.acsURL, fields: fields)
    }

    private func responseFields(sp: SAMLServiceProvider, pending: PendingRequest, outcome: SSOResponsePlan.Outcome,
                                now: Timestamp) throws -> [(String, String)] {
        let plan = SSOResponsePlan(issuer: provider.entityID(slug: pending.slug), provider: sp, destination: pending.acsURL,
                                   inResponseTo: pending.requestID.isEmpty ? nil : pending.requestID, now: now, outcome: outcome)
        let xml = try SSOResponseBuilder(keys: provider.keys).build(plan)
        var fields = [("SAMLResponse", Base64.encode(xml))]
        if let relayState = pending.relayState { fields.append(("RelayState", relayState)) }
        return fields
    }

    private func assertionContent(sp: SAMLServiceProvider, session: BrowserSession, now: Timestamp) throws -> SSOAssertionContent {
        let user = session.user
        let groups = try provider.users.groups(ofUser: user.id).map(\.name)
        let context = MappingContext(user: user, groups: groups, application: sp.application,
                                     extra: ["saml": .map(["audience": .string(sp.audience)])])
        let nameID = try NameIDMaker(key: provider.nameIDKey, mapper: provider.mapper)
            .nameID(for: user, session: session, provider: sp, context: context)
        let attributes = try AttributeStatementMaker(mapper: provider.mapper).attributes(for: sp, context: context)
        return SSOAssertionContent(
            nameID: nameID.value, nameIDFormat: nameID.format, sessionIndex: session.sid, authnInstant: session.authTime,
            authnContextClass: Self.authnContextClass(session), sessionNotOnOrAfter: sp.sessionValidSeconds.map { now.adding(seconds: Int64($0)) },
            attributes: attributes)
    }

    /// The REFEDS MFA class once the session passed a second factor (here or upstream),
    /// PasswordProtectedTransport for a password, unspecified otherwise.
    static func authnContextClass(_ session: BrowserSession) -> String {
        if StepUp.lastVerification(session, acceptsUpstream: true) != nil { return SAMLAuthnContextClass.multiFactor }
        if session.methods.contains("pwd") { return SAMLAuthnContextClass.passwordProtectedTransport }
        return SAMLAuthnContextClass.unspecified
    }
}
