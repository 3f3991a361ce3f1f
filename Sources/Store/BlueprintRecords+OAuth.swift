// The OAuth provider's configuration as blueprints write it: scope mappings, `oauth2`
// providers (see `StoredOAuthProvider`) and the applications they serve.

public protocol ScopeMappingRecords {
    func scopeMapping(named name: String) throws(StoreError) -> OAuthScopeMapping?
    func createScopeMapping(_ mapping: OAuthScopeMapping) throws(StoreError)
    /// Sets the fields given (nil leaves one as it is). Throws `.notFound("scope-mapping <name>")`.
    func updateScopeMapping(named name: String, scopeName: String?, description: String?, expression: String?) throws(StoreError)
    /// False when there was none.
    func deleteScopeMapping(named name: String) throws(StoreError) -> Bool
}

public protocol OAuthProviderRecords {
    func provider(named name: String) throws(StoreError) -> StoredOAuthProvider?
    /// The name of a provider other than `name` that answers to `clientID`, if any.
    func providerName(usingClientID clientID: String, except name: String) throws(StoreError) -> String?
    /// A fresh row id, drawn before the insert because the client secret's seal is bound to it.
    func newProviderID() throws(StoreError) -> String
    /// Stores the provider under its id (from `newProviderID`), with its sealed secret if any.
    func createProvider(_ provider: StoredOAuthProvider) throws(StoreError)
    /// Writes the client id and the settings (not the name, not the secret).
    func updateProvider(id: String, clientID: String, config: JSONText) throws(StoreError)
    /// Stores a new sealed client secret, or removes it (nil).
    func setClientSecret(providerID: String, sealed: String?) throws(StoreError)
    /// Deletes the provider and, with it, every code and refresh token issued to its client;
    /// its application stays, without a provider. Nothing to do when there is none.
    func deleteProvider(named name: String) throws(StoreError)
}

/// An application as stored.
public struct StoredApplication: Sendable, Hashable {
    public let id: String
    public let slug: String
    public var name: String
    /// The name of the provider that serves it.
    public var providerName: String?
    public var launchURL: String?
    /// Settings kept with it (`policy_engine_mode`, `sensitive`, `mfa_window`, …), a JSON object.
    public var meta: JSONText

    public init(id: String, slug: String, name: String, providerName: String?, launchURL: String?, meta: JSONText) {
        self.id = id
        self.slug = slug
        self.name = name
        self.providerName = providerName
        self.launchURL = launchURL
        self.meta = meta
    }
}

/// A policy bound to an application.
public struct StoredPolicyBinding: Sendable, Hashable {
    public var policyName: String
    public var negate: Bool
    public var failureResult: Bool

    public init(policyName: String, negate: Bool, failureResult: Bool) {
        self.policyName = policyName
        self.negate = negate
        self.failureResult = failureResult
    }
}

public protocol ApplicationRecords {
    func application(slug: String) throws(StoreError) -> StoredApplication?
    /// The names of the groups allowed in, sorted (none: everyone).
    func groupNames(ofApplication id: String) throws(StoreError) -> [String]
    /// The slug of an application other than `slug` that the provider serves, if any (a
    /// provider serves one application only).
    func applicationSlug(servedBy providerID: String, except slug: String) throws(StoreError) -> String?
    /// Returns the new application's id.
    func createApplication(slug: String, name: String, providerID: String?, launchURL: String?) throws(StoreError) -> String
    func setProvider(ofApplication id: String, to providerID: String) throws(StoreError)
    /// Sets the fields given (nil leaves one as it is).
    func updateApplication(id: String, name: String?, launchURL: String?) throws(StoreError)
    func addGroup(_ group: GroupID, toApplication id: String) throws(StoreError)
    func removeGroup(_ group: GroupID, fromApplication id: String) throws(StoreError)
    /// Merges the members of `patch` (a JSON object) into the application's `meta`.
    func mergeMeta(ofApplication id: String, _ patch: JSONText) throws(StoreError)
    /// In order of position.
    func policyBindings(ofApplication id: String) throws(StoreError) -> [StoredPolicyBinding]
    func removePolicyBindings(ofApplication id: String) throws(StoreError)
    /// Throws `.notFound("policy <name>")` when there is no such policy.
    func addPolicyBinding(_ binding: StoredPolicyBinding, toApplication id: String, position: Int) throws(StoreError)
    /// Deletes the application and its policy bindings (they name it without a foreign key).
    /// False when there was none.
    func deleteApplication(slug: String) throws(StoreError) -> Bool
}
