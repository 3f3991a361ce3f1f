import Crypto
import HTTP
import Identity
import Store
import Web

/// Single logout from the SP (profiles §4.4): a LogoutRequest over HTTP-Redirect or HTTP-POST
/// ends the Gatehouse session it names and is answered with a LogoutResponse to the SP's
/// SingleLogoutService.
struct SLOEndpoint: Sendable {
    let provider: SAMLProvider

    func redirectBinding(_ request: Request) throws -> Response { try intake(request, redirect: true) }
    func postBinding(_ request: Request) throws -> Response { try intake(request, redirect: false) }

    private func intake(_ request: Request, redirect: Bool) throws -> Response {
        let (slug, sp) = try provider.serviceProvider(request)
        let now = provider.clock()
        do {
            let message = redirect ? try SAMLBindingIntake.redirect(request, parameter: "SAMLRequest")
                                   : try SAMLBindingIntake.post(request, parameter: "SAMLRequest")
            let logout = try LogoutRequestMessage.read(message.root)
            let signed = try RequestSignatureCheck.verify(message, from: sp)
            try logout.header.check(for: sp, endpoint: redirect ? provider.sloRedirectURL(slug) : provider.sloPostURL(slug),
                                    signed: signed, now: now)
            // Core §3.7.1: NotOnOrAfter, "the time at which the request expires".
            if let end = logout.notOnOrAfter, now > end.adding(seconds: SAMLTime.skewSeconds) {
                throw SAMLRequestError("expired", "The sign-out request has expired.")
            }
            guard sp.sloURL != nil else {
                throw SAMLRequestError("no_slo_endpoint", "This application registered no SingleLogoutService to answer.")
            }
            guard try provider.ledger.recordFirstUse(issuer: sp.audience, requestID: logout.header.id,
                                                     expiresAt: logout.header.replayHorizon, at: now) else {
                throw SAMLRequestError("replayed", "This sign-out request was already used.")
            }
            let pending = PendingRequest(kind: .logout, slug: slug, requestID: logout.header.id, acsURL: "",
                                         relayState: message.relayState, forceAuthn: false, isPassive: false,
                                         wantsMultiFactor: false, nameIDFormat: nil, nameID: logout.nameID,
                                         sessionIndexes: logout.sessionIndexes, createdAt: now)
            guard redirect else {
                let path = SAMLProvider.base(slug) + "slo/continue/?request=" + PercentEncoding.encode(pending.sealed(with: provider.sealer))
                return Response.redirect(to: path, status: .seeOther)
            }
            return try finish(request, sp: sp, pending: pending)
        } catch let error as SAMLRequestError {
            provider.audit(request, "saml.slo", outcome: error.code, provider: sp.providerName, user: nil, detail: error.detail)
            return SAMLPages.error(request, error)
        }
    }

    func continuation(_ request: Request) throws -> Response {
        let (slug, sp) = try provider.serviceProvider(request)
        do {
            let pending = try PendingRequest.open(request.query("request") ?? "", slug: slug, with: provider.sealer,
                                                  now: provider.clock())
            guard pending.kind == .logout, sp.sloURL != nil else {
                throw SAMLRequestError("invalid_continuation", "This sign-out link is not valid.")
            }
            return try finish(request, sp: sp, pending: pending)
        } catch let error as SAMLRequestError {
            provider.audit(request, "saml.slo", outcome: error.code, provider: sp.providerName, user: nil, detail: error.detail)
            return SAMLPages.error(request, error)
        }
    }

    /// Ends the browser's session when it is the one the SP names (its NameID for this SP and,
    /// if given, its SessionIndex); answers Success also when no session is left. A request
    /// naming someone else ends nothing (status Requester / UnknownPrincipal).
    private func finish(_ request: Request, sp: SAMLServiceProvider, pending: PendingRequest) throws -> Response {
        let now = provider.clock()
        var failure: SAMLStatusError?
        var cookies: [SetCookie] = []
        if let token = SessionCookie.token(in: request), let session = try provider.sessions.session(token: token) {
            let groups = try provider.users.groups(ofUser: session.user.id).map(\.name)
            let context = MappingContext(user: session.user, groups: groups, application: sp.application,
                                         extra: ["saml": .map(["audience": .string(sp.audience)])])
            let expected = try? NameIDMaker(key: provider.nameIDKey, mapper: provider.mapper)
                .nameID(for: session.user, session: session, provider: sp, context: context)
            let indexMatches = pending.sessionIndexes.isEmpty || pending.sessionIndexes.contains(session.sid)
            if let expected, expected.value == pending.nameID, indexMatches {
                try provider.sessions.end(token: token, clientIP: request.clientIP)
                cookies.append(SessionCookie.clear(for: request))
                try? provider.participants.forget(sessionID: session.sid)
                provider.recentParticipants.forget(sessionID: session.sid)
                provider.audit(request, "saml.slo", outcome: "signed_out", provider: sp.providerName, user: session.user.id)
            } else {
                failure = SAMLStatusError(topLevel: SAMLStatus.requester, secondLevel: SAMLStatus.unknownPrincipal,
                                          message: "The request does not name this browser's session.")
                provider.audit(request, "saml.slo", outcome: "unknown_principal", provider: sp.providerName, user: session.user.id)
            }
        } else {
            provider.audit(request, "saml.slo", outcome: "no_session", provider: sp.providerName, user: nil)
        }
        guard let destination = sp.sloURL else { throw WebError.notFound }
        let content = LogoutResponseBuilder.Content(issuer: provider.entityID(slug: pending.slug), destination: destination,
                                                    inResponseTo: pending.requestID, status: failure, now: now)
        let builder = LogoutResponseBuilder(keys: provider.keys)
        let choice = sp.signResponse ? SAMLSignatureChoice(name: sp.signatureAlgorithm) : nil
        var response: Response
        switch sp.sloBinding {
        case .post:
            let xml = try builder.xml(content, signWith: choice)
            var fields = [("SAMLResponse", Base64.encode(xml))]
            if let relayState = pending.relayState { fields.append(("RelayState", relayState)) }
            response = SAMLPages.autoPost(request, to: destination, fields: fields)
        case .redirect:
            let xml = try builder.xml(content, signWith: nil)
            response = Response.redirect(to: try builder.redirectURL(to: destination, xml: xml, relayState: pending.relayState,
                                                                     signWith: choice), status: .found)
            response.headers.set("Cache-Control", "no-store")
        }
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }
}
