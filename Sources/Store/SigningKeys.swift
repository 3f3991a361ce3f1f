// The provider's own JWT signing keys: one current key per algorithm signs; rotated keys keep
// verifying for a while. Private keys reach the store sealed with the master key (context
// `signing_keys/<id>/private_key_sealed`) and leave it sealed.

/// A key as the key ring loads it.
public struct StoredSigningKey: Sendable, Hashable {
    public let id: String
    /// The RFC 7638 thumbprint of the public key.
    public let kid: String
    /// `RS256` or `ES256` (others are the caller's to skip).
    public let algorithm: String
    public let publicJWK: String
    public let sealedPrivateKey: String
    /// Not rotated yet.
    public let isCurrent: Bool

    public init(id: String, kid: String, algorithm: String, publicJWK: String, sealedPrivateKey: String, isCurrent: Bool) {
        self.id = id
        self.kid = kid
        self.algorithm = algorithm
        self.publicJWK = publicJWK
        self.sealedPrivateKey = sealedPrivateKey
        self.isCurrent = isCurrent
    }
}

/// A key as `gatehouse keys list` shows it: no key material.
public struct SigningKeyInfo: Sendable, Equatable, CustomStringConvertible {
    public let kid: String
    public let algorithm: String
    /// UTC, ISO 8601 to the second.
    public let createdAt: String
    public let rotatedAt: String?

    public init(kid: String, algorithm: String, createdAt: String, rotatedAt: String?) {
        self.kid = kid
        self.algorithm = algorithm
        self.createdAt = createdAt
        self.rotatedAt = rotatedAt
    }

    /// `kid  algorithm  created  rotated-or-"current"`, tab-separated.
    public var description: String { [kid, algorithm, createdAt, rotatedAt ?? "current"].joined(separator: "\t") }
}

/// The signing keys, for the key ring and `gatehouse keys`.
public protocol SigningKeyStore: Sendable {
    /// The current keys and those rotated less than `retentionSeconds` ago: current keys
    /// first, then newest first.
    func signingKeys(retainedFor retentionSeconds: Int64) throws(StoreError) -> [StoredSigningKey]
    /// Every key, newest first, without key material.
    func signingKeyList() throws(StoreError) -> [SigningKeyInfo]
    /// Runs `body` in one transaction that holds the signing keys' lock, so nodes that start
    /// (or rotate) at once take turns: the second sees what the first made. Commits when `body`
    /// returns, rolls back when it throws (its error comes back as it was).
    func withSigningKeyLock<T>(_ body: (any SigningKeyChanges) throws -> T) throws -> T
}

/// What may change under that lock.
public protocol SigningKeyChanges {
    /// The algorithms that have a current key.
    func currentAlgorithms() throws(StoreError) -> Set<String>
    /// Marks the current key of `algorithm` rotated now (it then only verifies).
    func retireCurrentKey(algorithm: String) throws(StoreError)
    /// A fresh row id, drawn before the insert because the private key's seal is bound to it.
    func newKeyID() throws(StoreError) -> String
    /// Stores a new current key under `id` (from `newKeyID`).
    func insertCurrentKey(id: String, kid: String, algorithm: String, publicJWK: String,
                          sealedPrivateKey: String) throws(StoreError) -> SigningKeyInfo
}
