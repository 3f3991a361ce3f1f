import Crypto
import Store

/// A signed-in browser, as every protocol that serves browsers needs it (OIDC's authorize and
/// end-session, SAML's single sign-on and logout, the portal): who, since when, how.
public struct BrowserSession: Sendable {
    public let user: User
    /// SHA-256 of the session cookie (the store's key; never the cookie itself).
    public let sessionIDHash: [UInt8]
    public let authTime: Timestamp
    public let authMethods: [String]
    public let upstreamAMR: [String]
    /// When the session last passed an MFA verification (nil: never).
    public let lastMFAAt: Timestamp?
    /// The methods of that verification (`otp`, `mfa`), added to the tokens' `amr`.
    public let mfaMethods: [String]

    public init(user: User, sessionIDHash: [UInt8], authTime: Timestamp, authMethods: [String], upstreamAMR: [String],
                lastMFAAt: Timestamp? = nil, mfaMethods: [String] = []) {
        self.user = user
        self.sessionIDHash = sessionIDHash
        self.authTime = authTime
        self.authMethods = authMethods
        self.upstreamAMR = upstreamAMR
        self.lastMFAAt = lastMFAAt
        self.mfaMethods = mfaMethods
    }

    /// The session's public id (OIDC `sid`, SAML `SessionIndex`): derived from the store key,
    /// so it names the session without being usable as (or leading back to) the cookie.
    public var sid: String { Self.sessionID(forIDHash: sessionIDHash) }

    public static func sessionID(forIDHash hash: [UInt8]) -> String {
        Base64URL.encode(Array(Digest.sha256(Array("gatehouse/oidc/sid/v1:".utf8) + hash).prefix(18)))
    }

    /// The methods of this sign-in for `amr`: how it signed in, plus its MFA verification and
    /// an upstream's `mfa`.
    public var methods: [String] {
        var methods = authMethods.isEmpty ? ["pwd"] : authMethods
        var extra = mfaMethods
        if upstreamAMR.contains("mfa") { extra.append("mfa") }
        for method in extra where !methods.contains(method) { methods.append(method) }
        return methods
    }
}

/// The signed-in sessions, keyed by the session cookie's token (the web layer reads the
/// cookie; `Web.SessionCookie`). The portal implements it over the session store.
public protocol BrowserSessions: Sendable {
    /// The signed-in session `token` names; nil when there is none, it ended, or it belongs to
    /// a flow that has not signed anyone in yet.
    func session(token: String) throws -> BrowserSession?
    /// Ends the session `token` names (audited as a logout); nothing when there is none.
    func end(token: String, clientIP: String?) throws
}
