/// Where blueprints are applied: everything one apply writes, in one transaction, under a lock
/// that makes a second writer (another node, another command) wait and then see what the
/// first committed.
public protocol BlueprintStore: Sendable {
    /// Runs `body` in that transaction: commits when it returns, rolls back when it throws (its
    /// error comes back as it was; the store's own failures are `StoreError`s).
    func withBlueprintLock<T>(_ body: (any BlueprintRecords) throws -> T) throws -> T
}

/// What blueprints manage, read and written inside the transaction of `withBlueprintLock`:
/// every read sees the writes before it. Secrets arrive sealed (or hashed) and leave so.
public protocol BlueprintRecords {
    var users: any UserStore { get }
    var groups: any GroupStore { get }
    var events: any EventStore { get }
    var directory: any DirectoryRecords { get }
    var scopeMappings: any ScopeMappingRecords { get }
    var oauthProviders: any OAuthProviderRecords { get }
    var samlProviders: any SAMLProviderRecords { get }
    var applications: any ApplicationRecords { get }
    var policies: any PolicyRecords { get }
    var scimSources: any SCIMSourceRecords { get }
    var oauthSources: any OAuthSourceRecords { get }
    /// Runs `body` under a savepoint: a throw undoes only its writes and comes back as it was.
    func savepoint(_ body: () throws -> Void) throws
}

/// Users and groups beyond `UserStore` and `GroupStore`: deleting them, and direct memberships
/// by group name.
public protocol DirectoryRecords {
    /// The names of the groups `user` is a direct member of, sorted.
    func directGroupNames(ofUser user: UserID) throws(StoreError) -> [String]
    /// Deletes the group; its memberships go with it and its child groups move to the top.
    /// Throws `.notFound("group")`, and `.invalid` while an application is limited to it
    /// (deleting it would open that application to everyone).
    func deleteGroup(named name: String) throws(StoreError)
    /// The SCIM source (slug) that provisioned the group, nil when none did.
    func provisioningSource(ofGroup group: GroupID) throws(StoreError) -> String?
    /// Deletes the user (any case); sessions, tokens and memberships go with it, audit events
    /// stay. Throws `.notFound("user")`.
    func deleteUser(username: String) throws(StoreError)
}
