// SAML 2.0 identity provider records and the store protocols the SAML room uses. A
// `saml-provider` is a row of `providers` (kind `saml`) bound to an application like an
// `oauth2-provider`; certificates are public and kept as configuration (PEM text).

/// How Gatehouse sends a message to the service provider where the profile leaves a choice
/// (a LogoutResponse). Single sign-on responses always use HTTP-POST (SAML profiles §4.1.2).
public enum SAMLBinding: String, Sendable, Hashable, CaseIterable {
    case post, redirect
}

/// One `<saml:Attribute>` of the assertion: `expression` (CEL) gives its value(s).
public struct SAMLAttributeMapping: Sendable, Hashable {
    public var name: String
    /// nil: `uri` for a name that looks like a URI, `basic` otherwise.
    public var nameFormat: String?
    public var friendlyName: String?
    public var expression: String
    public init(name: String, nameFormat: String? = nil, friendlyName: String? = nil, expression: String) {
        self.name = name
        self.nameFormat = nameFormat
        self.friendlyName = friendlyName
        self.expression = expression
    }
}

/// One `saml-provider` with its application, as the SAML endpoints need it.
public struct SAMLServiceProvider: Sendable, Hashable {
    public var providerName: String
    /// nil while no application points at this provider (then it cannot be used).
    public var application: Application?
    /// The SP's entity ID: the Audience of every assertion and the Issuer its requests carry.
    public var audience: String
    /// Registered AssertionConsumerService URLs, the default first. Nothing is ever posted elsewhere.
    public var acsURLs: [String]
    /// The binding of LogoutResponses to the SP.
    public var binding: SAMLBinding
    public var signResponse: Bool
    public var signAssertion: Bool
    /// `rsa-sha256`, `rsa-sha512` or `ecdsa-sha256`.
    public var signatureAlgorithm: String
    public var nameIDFormat: String
    /// CEL giving the NameID (nil: the format's default).
    public var nameIDExpression: String?
    public var attributeMappings: [SAMLAttributeMapping]
    /// PEM: when set, the assertion is encrypted to it.
    public var encryptionCertificatePEM: String?
    /// PEM (one or more certificates): when set, AuthnRequests and LogoutRequests must be signed by it.
    public var verificationCertificatePEM: String?
    /// RelayState of IdP-initiated sign-ins.
    public var defaultRelayState: String?
    /// `SessionNotOnOrAfter` of the AuthnStatement, seconds after the sign-in (nil: none).
    public var sessionValidSeconds: Int?
    /// The SP's SingleLogoutService (from its metadata or `slo_url`): where LogoutResponses
    /// go, and later logout propagation.
    public var sloURL: String?
    public var sloBinding: SAMLBinding
    /// Whether the metadata document carries an enveloped signature (default true).
    public var signMetadata: Bool

    public init(providerName: String, application: Application?, audience: String, acsURLs: [String],
                binding: SAMLBinding = .post, signResponse: Bool = true, signAssertion: Bool = true,
                signatureAlgorithm: String = "rsa-sha256",
                nameIDFormat: String = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                nameIDExpression: String? = nil, attributeMappings: [SAMLAttributeMapping] = [],
                encryptionCertificatePEM: String? = nil, verificationCertificatePEM: String? = nil,
                defaultRelayState: String? = nil, sessionValidSeconds: Int? = nil, sloURL: String? = nil,
                sloBinding: SAMLBinding = .redirect, signMetadata: Bool = true) {
        self.providerName = providerName
        self.application = application
        self.audience = audience
        self.acsURLs = acsURLs
        self.binding = binding
        self.signResponse = signResponse
        self.signAssertion = signAssertion
        self.signatureAlgorithm = signatureAlgorithm
        self.nameIDFormat = nameIDFormat
        self.nameIDExpression = nameIDExpression
        self.attributeMappings = attributeMappings
        self.encryptionCertificatePEM = encryptionCertificatePEM
        self.verificationCertificatePEM = verificationCertificatePEM
        self.defaultRelayState = defaultRelayState
        self.sessionValidSeconds = sessionValidSeconds
        self.sloURL = sloURL
        self.sloBinding = sloBinding
        self.signMetadata = signMetadata
    }
}

/// The SAML providers, by their application's slug. The server's implementation reads
/// `providers` (kind `saml`) and keeps them in memory until a change is announced.
public protocol SAMLProviderDirectory: Sendable {
    func serviceProvider(applicationSlug: String) throws(StoreError) -> SAMLServiceProvider?
}

/// Request IDs already seen, so a captured AuthnRequest or LogoutRequest cannot be replayed.
/// Shared by every node (PostgreSQL): a request is answered once, whichever node it reaches.
public protocol SAMLRequestLedger: Sendable {
    /// Records `requestID` from `issuer` until `expiresAt`; true when it was not recorded
    /// before (the first sight), false for a replay. Expired records may be dropped.
    func recordFirstUse(issuer: String, requestID: String, expiresAt: Timestamp, at now: Timestamp) throws(StoreError) -> Bool
}

/// A service provider a browser session signed in to: what logout propagation needs to send
/// it a LogoutRequest when the Gatehouse session ends.
public struct SAMLSessionParticipant: Sendable, Hashable {
    /// The session's public id (`BrowserSession.sid`, the assertion's SessionIndex).
    public var sessionID: String
    public var providerName: String
    public var nameID: String
    public var nameIDFormat: String
    /// The SP's SingleLogoutService, nil when it registered none.
    public var sloURL: String?
    public var sloBinding: SAMLBinding
    public var signedInAt: Timestamp
    public init(sessionID: String, providerName: String, nameID: String, nameIDFormat: String, sloURL: String?,
                sloBinding: SAMLBinding, signedInAt: Timestamp) {
        self.sessionID = sessionID
        self.providerName = providerName
        self.nameID = nameID
        self.nameIDFormat = nameIDFormat
        self.sloURL = sloURL
        self.sloBinding = sloBinding
        self.signedInAt = signedInAt
    }
}

/// Which SPs each session signed in to (recorded at every SSO response; read by logout propagation).
public protocol SAMLSessionParticipants: Sendable {
    func record(_ participant: SAMLSessionParticipant, expiresAt: Timestamp) throws(StoreError)
    func participants(sessionID: String) throws(StoreError) -> [SAMLSessionParticipant]
    /// Forgets a session's participants (after it ended and every SP was told).
    func forget(sessionID: String) throws(StoreError)
}

/// The certificate beside one of the server's signing keys (`signing_keys`), as SAML
/// metadata publishes it. No key material.
public struct SigningKeyCertificate: Sendable, Hashable {
    public var kid: String
    /// `RS256` or `ES256`: the key pair's algorithm in the JWT key ring.
    public var algorithm: String
    /// PEM; nil until the key first signed a SAML message.
    public var certificatePEM: String?
    /// The key that signs now (not rotated).
    public var isCurrent: Bool
    public init(kid: String, algorithm: String, certificatePEM: String?, isCurrent: Bool) {
        self.kid = kid
        self.algorithm = algorithm
        self.certificatePEM = certificatePEM
        self.isCurrent = isCurrent
    }
}

/// The certificates of the server's signing keys.
public protocol SigningKeyCertificateStore: Sendable {
    /// Current keys and keys rotated less than `retentionSeconds` ago, current first, newest first.
    func certificates(retentionSeconds: Int64) throws(StoreError) -> [SigningKeyCertificate]
    /// Stores `pem` for `kid` unless it already has one; returns the one stored (so every node
    /// that races here ends up publishing the same certificate).
    func setCertificateIfMissing(kid: String, pem: String) throws(StoreError) -> String
}
