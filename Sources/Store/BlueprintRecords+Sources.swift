/// A SCIM source (Entra ID provisioning into Gatehouse) as stored: only the SHA-256 of its
/// bearer token, never the token.
public struct StoredSCIMSource: Sendable, Hashable {
    public let slug: String
    public var name: String
    /// Whether a DELETE from the client removes the user (otherwise it deactivates).
    public var purgeOnDelete: Bool
    /// Lower-case hex SHA-256 of the bearer token; nil until one is set.
    public var tokenSHA256: String?

    public init(slug: String, name: String, purgeOnDelete: Bool, tokenSHA256: String?) {
        self.slug = slug
        self.name = name
        self.purgeOnDelete = purgeOnDelete
        self.tokenSHA256 = tokenSHA256
    }
}

public protocol SCIMSourceRecords {
    func scimSource(slug: String) throws(StoreError) -> StoredSCIMSource?
    func createSCIMSource(_ source: StoredSCIMSource) throws(StoreError)
    /// Sets the fields given (nil leaves one as it is).
    func updateSCIMSource(slug: String, name: String?, purgeOnDelete: Bool?, tokenSHA256: String?) throws(StoreError)
    /// What it provisioned stays. False when there was none.
    func deleteSCIMSource(slug: String) throws(StoreError) -> Bool
}

/// Upstream OAuth/OIDC sources (see `StoredOAuthSource`).
public protocol OAuthSourceRecords {
    /// The source of `slug`, enabled or not.
    func oauthSource(slug: String) throws(StoreError) -> StoredOAuthSource?
    /// A fresh row id, drawn before the insert because the client secret's seal is bound to it.
    func newSourceID() throws(StoreError) -> String
    /// Stores the source under its id (from `newSourceID`).
    func createOAuthSource(_ source: StoredOAuthSource) throws(StoreError)
    /// Writes name, enabled and config (not the secret).
    func updateOAuthSource(id: String, name: String, enabled: Bool, config: JSONText) throws(StoreError)
    func setClientSecret(sourceID: String, sealed: String) throws(StoreError)
    /// Links to users go with it; the users and the groups it synced stay. False when there was none.
    func deleteOAuthSource(slug: String) throws(StoreError) -> Bool
}
