import Identity
import Store
import Web

extension AccessAttempt {
    /// An attempt through `client`'s application; nil when the client has none (it may not be used).
    init?(_ kind: Kind, user: User, client: OAuthClient, request: Request, session: BrowserSession?) {
        guard let application = client.application else { return nil }
        self.init(kind: kind, user: user, application: application, clientIP: request.clientIP,
                  userAgent: request.headers["User-Agent"].map { String($0.prefix(512)) }, session: session)
    }
}

extension ApplicationAccess {
    /// True when `user` may use `client`'s application (never a client without one).
    func allows(_ kind: AccessAttempt.Kind, user: User, client: OAuthClient, request: Request,
                session: BrowserSession?) throws -> Bool {
        guard let attempt = AccessAttempt(kind, user: user, client: client, request: request, session: session) else { return false }
        return try allows(attempt)
    }

    func stepUp(for client: OAuthClient) throws -> StepUpRequirement? {
        guard let application = client.application else { return nil }
        return try stepUp(for: application)
    }
}
