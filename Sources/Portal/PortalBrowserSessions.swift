import Crypto
import Identity
import Store

/// The signed-in sessions as every browser protocol (OIDC, SAML) sees them: the session the
/// cookie's token names, its user, and its MFA record.
public struct PortalBrowserSessions: BrowserSessions {
    let services: LoginServices

    public init(services: LoginServices) { self.services = services }

    public func session(token: String) throws -> BrowserSession? {
        let hash = Digest.sha256(token)
        guard let session = try services.sessions.session(idHash: hash, at: Timestamp.now()), let id = session.userID,
              let user = try services.users.user(id: id), user.isActive else { return nil }
        let mfa = try services.authenticators?.sessionMFA(sessionIDHash: session.idHash)
        return BrowserSession(user: user, sessionIDHash: session.idHash, authTime: session.authTime ?? session.createdAt,
                              authMethods: session.authMethods, upstreamAMR: session.upstreamAMR,
                              lastMFAAt: mfa?.verifiedAt, mfaMethods: mfa.map { $0.methods.filter { $0 != "pwd" } } ?? [])
    }

    public func end(token: String, clientIP: String?) throws {
        let hash = Digest.sha256(token)
        guard let session = try services.sessions.session(idHash: hash, at: Timestamp.now()) else { return }
        try services.sessions.deleteSession(idHash: hash)
        if let user = session.userID {
            _ = try? services.events.appendEvent(NewAuditEvent(actorUserID: user, action: "logout", clientIP: clientIP,
                                                               outcome: "success"))
        }
    }
}
