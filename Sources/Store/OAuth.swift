// OAuth 2.0 / OIDC provider records and the store protocols the OIDC room uses.
// Secrets reach these records already unsealed (the App room opens them with the master key);
// token values never do: codes and refresh tokens are kept as SHA-256 hashes only.

public enum OAuthClientType: String, Sendable, Hashable {
    case confidential, `public`
}

/// What the ID token's `sub` is made of.
public enum OAuthSubjectMode: String, Sendable, Hashable {
    /// SHA-256 of the user id and the client id (stable, not correlatable across apps' data).
    case hashedUserID = "hashed_user_id"
    case username = "user_username"
    case email = "user_email"
    case uuid = "user_uuid"
}

public enum OAuthConsentMode: String, Sendable, Hashable {
    /// Never ask.
    case implicit
    /// Ask the first time (and when the requested scopes grow).
    case once
    /// Ask every time.
    case always
}

public struct OAuthRedirectURI: Sendable, Hashable {
    public enum Matching: String, Sendable, Hashable { case strict, regex }
    public var matching: Matching
    public var url: String
    public init(matching: Matching, url: String) {
        self.matching = matching
        self.url = url
    }
}

/// A custom scope: when `scopeName` is granted, `expression` (CEL subset) yields a map of claims.
public struct OAuthScopeMapping: Sendable, Hashable {
    public var name: String
    public var scopeName: String
    public var description: String
    public var expression: String
    public init(name: String, scopeName: String, description: String, expression: String) {
        self.name = name
        self.scopeName = scopeName
        self.description = description
        self.expression = expression
    }
}

/// The OAuth2 provider's view of its application (the provider-agnostic `Application`).
public typealias OAuthApplication = Application

/// One OAuth2 provider (a client) with its application, as the OIDC endpoints need it.
public struct OAuthClient: Sendable, Hashable {
    public var providerName: String
    public var clientID: String
    public var clientType: OAuthClientType
    /// Plain text in memory only; nil for public clients.
    public var clientSecret: String?
    public var redirectURIs: [OAuthRedirectURI]
    /// "RS256" or "ES256".
    public var signingAlgorithm: String
    /// Scope names this client may ask for (`openid`, `email`, `profile`, `offline_access`, custom).
    public var scopes: [String]
    /// The custom scope mappings whose `scopeName` is in `scopes`.
    public var scopeMappings: [OAuthScopeMapping]
    public var subjectMode: OAuthSubjectMode
    public var consentMode: OAuthConsentMode
    public var codeLifetimeSeconds: Int
    public var accessTokenLifetimeSeconds: Int
    public var refreshTokenLifetimeSeconds: Int
    /// PKCE `plain` is refused unless the provider opts in.
    public var allowPlainPKCE: Bool
    /// The user `client_credentials` tokens are issued for (`svc-<client_id>` by default).
    public var serviceAccountUsername: String?
    /// nil while no application points at this provider (then it cannot be used).
    public var application: OAuthApplication?
    /// Slugs of the upstream sources whose JWTs this client may present as `client_assertion`
    /// (machine-to-machine: an Entra ID app-only token exchanged for ours).
    public var jwtFederationSources: [String] = []
    /// The upstream applications (`azp` / `appid` of their tokens: an Entra app's client id)
    /// that may authenticate as this client with such an assertion. Empty: none may.
    public var jwtFederationSubjects: [String] = []

    public init(providerName: String, clientID: String, clientType: OAuthClientType, clientSecret: String?,
                redirectURIs: [OAuthRedirectURI], signingAlgorithm: String = "RS256", scopes: [String],
                scopeMappings: [OAuthScopeMapping] = [], subjectMode: OAuthSubjectMode = .hashedUserID,
                consentMode: OAuthConsentMode = .implicit, codeLifetimeSeconds: Int = 60,
                accessTokenLifetimeSeconds: Int = 3600, refreshTokenLifetimeSeconds: Int = 30 * 86400,
                allowPlainPKCE: Bool = false, serviceAccountUsername: String? = nil, application: OAuthApplication?) {
        self.providerName = providerName
        self.clientID = clientID
        self.clientType = clientType
        self.clientSecret = clientSecret
        self.redirectURIs = redirectURIs
        self.signingAlgorithm = signingAlgorithm
        self.scopes = scopes
        self.scopeMappings = scopeMappings
        self.subjectMode = subjectMode
        self.consentMode = consentMode
        self.codeLifetimeSeconds = codeLifetimeSeconds
        self.accessTokenLifetimeSeconds = accessTokenLifetimeSeconds
        self.refreshTokenLifetimeSeconds = refreshTokenLifetimeSeconds
        self.allowPlainPKCE = allowPlainPKCE
        self.serviceAccountUsername = serviceAccountUsername
        self.application = application
    }
}

/// Reads clients. Implementations cache in memory and drop the cache when any node changes
/// providers, applications or scope mappings.
public protocol OAuthClientDirectory: Sendable {
    func client(clientID: String) throws(StoreError) -> OAuthClient?
    /// The client of the application with this slug (issuer `…/application/o/<slug>/`).
    func client(applicationSlug: String) throws(StoreError) -> OAuthClient?
}

/// An authorization code between /authorize and /token.
public struct OAuthAuthorizationCode: Sendable, Hashable {
    /// SHA-256 of the code handed to the client.
    public var codeHash: [UInt8]
    /// Ties the code to what it issues: redeeming it twice revokes the grant.
    public var grantID: String
    public var clientID: String
    public var userID: UserID
    public var redirectURI: String
    public var scopes: [String]
    public var nonce: String?
    public var codeChallenge: String?
    /// "S256" or "plain"; nil when no challenge was sent.
    public var codeChallengeMethod: String?
    public var authTime: Timestamp
    public var authMethods: [String]
    public var acr: String?
    /// The browser session's `sid` claim value (not the cookie, not its hash).
    public var sessionID: String?
    public var expiresAt: Timestamp

    public init(codeHash: [UInt8], grantID: String, clientID: String, userID: UserID, redirectURI: String,
                scopes: [String], nonce: String?, codeChallenge: String?, codeChallengeMethod: String?,
                authTime: Timestamp, authMethods: [String], acr: String?, sessionID: String?, expiresAt: Timestamp) {
        self.codeHash = codeHash
        self.grantID = grantID
        self.clientID = clientID
        self.userID = userID
        self.redirectURI = redirectURI
        self.scopes = scopes
        self.nonce = nonce
        self.codeChallenge = codeChallenge
        self.codeChallengeMethod = codeChallengeMethod
        self.authTime = authTime
        self.authMethods = authMethods
        self.acr = acr
        self.sessionID = sessionID
        self.expiresAt = expiresAt
    }
}

public enum OAuthCodeRedemption: Sendable, Hashable {
    /// First use, before expiry: the code is now spent.
    case redeemed(OAuthAuthorizationCode)
    /// Spent already: the caller must revoke `grantID` (RFC 6749 §4.1.2).
    case replayed(grantID: String)
    /// Unknown, expired, or issued to another client.
    case invalid
}

/// A refresh token. A family (`grantID`) is every token rotated from one code.
public struct OAuthRefreshToken: Sendable, Hashable {
    public var tokenHash: [UInt8]
    public var grantID: String
    public var clientID: String
    public var userID: UserID
    public var scopes: [String]
    public var authTime: Timestamp
    public var authMethods: [String]
    public var acr: String?
    public var sessionID: String?
    public var expiresAt: Timestamp
    public init(tokenHash: [UInt8], grantID: String, clientID: String, userID: UserID, scopes: [String],
                authTime: Timestamp, authMethods: [String], acr: String?, sessionID: String?, expiresAt: Timestamp) {
        self.tokenHash = tokenHash
        self.grantID = grantID
        self.clientID = clientID
        self.userID = userID
        self.scopes = scopes
        self.authTime = authTime
        self.authMethods = authMethods
        self.acr = acr
        self.sessionID = sessionID
        self.expiresAt = expiresAt
    }
}

public enum OAuthRefreshRotation: Sendable, Hashable {
    /// The old token is now spent and `replacement` is stored, in one transaction.
    case rotated(old: OAuthRefreshToken)
    /// The token was spent before: its whole family (grant) is now revoked.
    case reused(grantID: String)
    /// Unknown, expired, revoked, or belonging to an inactive user.
    case invalid
}

/// Codes, refresh tokens, revocations and consents.
public protocol OAuthGrantStore: Sendable {
    func storeCode(_ code: OAuthAuthorizationCode) throws(StoreError)
    /// Spends the code atomically (two racing redemptions: one wins, the other sees `.replayed`).
    /// Only for the client it was issued to: any other client gets `.invalid` and changes
    /// nothing (it must neither burn a fresh code nor revoke what a spent one issued).
    func redeemCode(hash: [UInt8], clientID: String, at now: Timestamp) throws(StoreError) -> OAuthCodeRedemption

    func storeRefreshToken(_ token: OAuthRefreshToken) throws(StoreError)
    /// Spends `hash` (which must belong to `clientID`) and stores `replacement` in the same family.
    func rotateRefreshToken(hash: [UInt8], clientID: String, replacement: OAuthRefreshToken,
                            at now: Timestamp) throws(StoreError) -> OAuthRefreshRotation
    /// The refresh token if it is live (not spent, not revoked, not expired, user active).
    func refreshToken(hash: [UInt8], at now: Timestamp) throws(StoreError) -> OAuthRefreshToken?

    /// Revokes every refresh token of the grant and marks the grant revoked, so its access
    /// tokens (JWTs carrying the grant id) are refused at userinfo and introspection.
    /// `until` is when its last token would expire anyway (the mark can be dropped then).
    func revokeGrant(_ grantID: String, until: Timestamp, at now: Timestamp) throws(StoreError)
    /// Revokes one access token by its `jti`.
    func revokeAccessToken(jti: String, until: Timestamp, at now: Timestamp) throws(StoreError)
    /// True when the grant or the `jti` was revoked.
    func isRevoked(grantID: String, jti: String) throws(StoreError) -> Bool

    /// Reserves `subject` for `userID` at this client, for good: true when it is (now) theirs,
    /// false when another account held it first (OIDC Core §2: a `sub` is never reassigned).
    func holdSubject(clientID: String, subject: String, userID: UserID) throws(StoreError) -> Bool

    /// Scopes the user consented to for this client, nil if never.
    func consentedScopes(userID: UserID, clientID: String) throws(StoreError) -> [String]?
    func recordConsent(userID: UserID, clientID: String, scopes: [String], at now: Timestamp) throws(StoreError)
}
