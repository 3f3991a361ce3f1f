import Flows
import OIDC
import Store
import Web

/// The OIDC room's view of the login side: the session cookie, signing out, and where the
/// authentication flow starts.
struct LoginBrowserSessions: BrowserSessions {
    let services: LoginServices

    func current(_ request: Request) throws -> BrowserSession? {
        guard let current = try services.resolver.current(request), let user = current.user else { return nil }
        let session = current.session
        let mfa = try services.authenticators?.sessionMFA(sessionIDHash: session.idHash)
        return BrowserSession(user: user, sessionIDHash: session.idHash, authTime: session.authTime ?? session.createdAt,
                              authMethods: session.authMethods, upstreamAMR: session.upstreamAMR,
                              lastMFAAt: mfa?.verifiedAt, mfaMethods: mfa.map { $0.methods.filter { $0 != "pwd" } } ?? [])
    }

    func end(_ request: Request) throws -> [SetCookie] {
        guard let current = try services.resolver.current(request) else { return [] }
        try services.sessions.deleteSession(idHash: current.session.idHash)
        services.resolver.forget(request)
        if let user = current.user {
            _ = try? services.events.appendEvent(NewAuditEvent(actorUserID: user.id, action: "logout",
                                                               clientIP: request.clientIP, outcome: "success"))
        }
        return [SessionCookie.clear(for: request)]
    }

    func stepUpLocation(returnTo: String) -> String {
        "/if/flow/\(Flow.mfaValidation.slug)/?next=" + queryEscape(returnTo)
    }

    func loginLocation(returnTo: String, loginHint: String?) -> String {
        var location = services.signInPath + "?restart=1&next=" + queryEscape(returnTo)
        if let loginHint { location += "&login_hint=" + queryEscape(loginHint) }
        return location
    }
}
