// Second factors: TOTP devices, recovery codes, and when a session last passed MFA.
// Secrets reach these records unsealed (the App room seals them with the master key).

/// An authenticator app enrolled by a user. Unconfirmed devices (enrolment started, no code
/// entered yet) never count for sign-in.
public struct TOTPDevice: Hashable, Sendable, CustomStringConvertible {
    public let id: String
    public let userID: UserID
    public var name: String
    /// The shared secret (20 bytes).
    public var secret: [UInt8]
    public var confirmed: Bool
    /// The highest time step accepted so far; a code of this step or an earlier one is refused.
    public var lastStep: Int64?
    public let createdAt: Timestamp
    public var lastUsedAt: Timestamp?

    public init(id: String, userID: UserID, name: String, secret: [UInt8], confirmed: Bool, lastStep: Int64?,
                createdAt: Timestamp, lastUsedAt: Timestamp?) {
        self.id = id
        self.userID = userID
        self.name = name
        self.secret = secret
        self.confirmed = confirmed
        self.lastStep = lastStep
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    public var description: String { "TOTPDevice(\(id), user: \(userID.rawValue), \(name), secret: <redacted>)" }
}

/// A WebAuthn credential (passkey or security key) registered by a user.
public struct WebAuthnDevice: Hashable, Sendable {
    public let id: String
    public let userID: UserID
    public var name: String
    public let credentialID: [UInt8]
    /// The COSE public key as the authenticator sent it.
    public let publicKeyCOSE: [UInt8]
    /// COSE algorithm: -7 (ES256) or -257 (RS256).
    public let algorithm: Int64
    public var signCount: UInt32
    public let createdAt: Timestamp
    public var lastUsedAt: Timestamp?

    public init(id: String, userID: UserID, name: String, credentialID: [UInt8], publicKeyCOSE: [UInt8], algorithm: Int64,
                signCount: UInt32, createdAt: Timestamp, lastUsedAt: Timestamp?) {
        self.id = id
        self.userID = userID
        self.name = name
        self.credentialID = credentialID
        self.publicKeyCOSE = publicKeyCOSE
        self.algorithm = algorithm
        self.signCount = signCount
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// The last MFA verification of a session.
public struct SessionMFA: Hashable, Sendable {
    public var verifiedAt: Timestamp
    /// The methods used then (`otp`, `mfa`, …), merged into the tokens' `amr`.
    public var methods: [String]

    public init(verifiedAt: Timestamp, methods: [String]) {
        self.verifiedAt = verifiedAt
        self.methods = methods
    }
}

/// Authenticators of users and MFA state of sessions.
public protocol AuthenticatorStore: Sendable {
    /// Starts an enrolment: an unconfirmed device. Throws `.notFound("user")`.
    func createTOTPDevice(userID: UserID, name: String, secret: [UInt8], at: Timestamp) throws(StoreError) -> TOTPDevice
    /// The user's TOTP devices, confirmed or not, oldest first.
    func totpDevices(ofUser user: UserID) throws(StoreError) -> [TOTPDevice]
    /// Confirms the user's device with the step of the code just checked (that code is used up).
    /// False when there is no such unconfirmed device of that user.
    func confirmTOTPDevice(id: String, userID: UserID, step: Int64, at: Timestamp) throws(StoreError) -> Bool
    /// Marks `step` used when it is above the device's last used step, atomically: true exactly
    /// once per step, false for a replay (also from a racing request).
    func useTOTPStep(deviceID: String, step: Int64, at: Timestamp) throws(StoreError) -> Bool
    /// Only the user's own device; false when it is not theirs or does not exist.
    func renameTOTPDevice(id: String, userID: UserID, name: String) throws(StoreError) -> Bool
    func deleteTOTPDevice(id: String, userID: UserID) throws(StoreError) -> Bool
    /// Admin reset: every device (TOTP and WebAuthn) and recovery code of the user; returns how many there were.
    @discardableResult
    func resetAuthenticators(ofUser user: UserID) throws(StoreError) -> Int
    /// Replaces the user's recovery codes with these SHA-256 hashes.
    func replaceRecoveryCodes(userID: UserID, hashes: [[UInt8]], at: Timestamp) throws(StoreError)
    /// Uses up the code with this hash: true once, false when there is none (or it was used).
    func useRecoveryCode(userID: UserID, hash: [UInt8], at: Timestamp) throws(StoreError) -> Bool
    func recoveryCodeCount(userID: UserID) throws(StoreError) -> Int
    /// Throws `.conflict(field: "credential_id")` when the credential is registered already.
    func createWebAuthnDevice(userID: UserID, name: String, credentialID: [UInt8], publicKeyCOSE: [UInt8], algorithm: Int64,
                              signCount: UInt32, at: Timestamp) throws(StoreError) -> WebAuthnDevice
    func webAuthnDevices(ofUser user: UserID) throws(StoreError) -> [WebAuthnDevice]
    /// Moves the device's counter from `expected` to `new` (greater), atomically: false when it
    /// changed meanwhile (a racing or cloned authenticator).
    func advanceSignCount(deviceID: String, from expected: UInt32, to new: UInt32, at: Timestamp) throws(StoreError) -> Bool
    func renameWebAuthnDevice(id: String, userID: UserID, name: String) throws(StoreError) -> Bool
    func deleteWebAuthnDevice(id: String, userID: UserID) throws(StoreError) -> Bool
    /// Records an MFA verification of the session (a session that ended is not an error).
    func recordMFA(sessionIDHash: [UInt8], at: Timestamp, methods: [String]) throws(StoreError)
    func sessionMFA(sessionIDHash: [UInt8]) throws(StoreError) -> SessionMFA?
}
