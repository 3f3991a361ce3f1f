/// The accounts and groups a provisioning source manages, for the room that speaks its
/// protocol (SCIM). A source sees only what it created: every other account or group (another
/// source's, a blueprint's, a local one) is not found to it. Ids are the text form of a UUID,
/// matched in any case; any other text names nothing.
///
/// Every change is one transaction, which also appends the change's audit event. Accounts and
/// groups obey the store's identifier rules (`UserStore`, `GroupStore`): a username or e-mail
/// address another account holds (in any case) and a group name another group has (in any case)
/// are `.conflict`, and nothing is written. A deactivation (a change to inactive, or a delete)
/// ends the user's sessions and revokes their OAuth codes and refresh tokens in the same
/// transaction; voiding caches of them is the caller's job, after the call returns.
///
/// Listings are in creation order. Members and groups are by name.
public protocol ProvisioningStore: Sendable {
    // MARK: sources

    /// The enabled source `slug`, or nil.
    func source(slug: String) throws(StoreError) -> ProvisioningSource?

    /// Replaces the token of the source `slug` (enabled or not) by one with this SHA-256 and
    /// appends `audit` (its context names the source), in one transaction. False when no
    /// provisioning source has that slug.
    func replaceToken(ofSource slug: String, sha256: [UInt8], audit: ProvisioningAudit) throws(StoreError) -> Bool

    // MARK: users

    /// Creates the account and the source's resource for it. A new inactive account is
    /// inactive from the start.
    func createUser(_ fields: ProvisionedUserFields, in source: ProvisioningSource,
                    audit: ProvisioningAudit) throws(StoreError) -> ProvisionedUser

    func user(_ id: UserID, in source: ProvisioningSource) throws(StoreError) -> ProvisionedUser?

    /// The source's users; with a `key`, only those it matches (`ProvisioningKey`), so that a
    /// store can use an index before the caller applies its whole filter.
    func users(in source: ProvisioningSource, narrowedBy key: ProvisioningKey?) throws(StoreError) -> [ProvisionedUser]

    /// One page of the source's users (`offset` from 0) and how many it has in all.
    func users(in source: ProvisioningSource, offset: Int, limit: Int) throws(StoreError) -> (total: Int, page: [ProvisionedUser])

    /// The source's groups each user is a direct member of; users in none are left out.
    func groups(ofUsers users: [UserID], in source: ProvisioningSource) throws(StoreError) -> [UserID: [ProvisionedGroupLink]]

    /// Locks the user, computes the change from it and writes it with its audit event, in one
    /// transaction. Active to inactive deactivates; inactive to active lets the account sign in
    /// again. A refusal (`change` throwing) or a failure writes nothing. `.store(.notFound("user"))`
    /// when the source has no such user.
    func updateUser<Refusal: Error>(
        _ id: UserID, in source: ProvisioningSource,
        _ change: (ProvisionedUser) throws(Refusal) -> ProvisioningChange<ProvisionedUserFields>
    ) throws(ProvisioningFailure<Refusal>) -> ProvisionedUser

    /// Deletes the user from the source. With `purgeOnDelete` the account goes (its sessions,
    /// tokens and memberships with it). Otherwise it is deactivated, leaves every group, gives
    /// its username and e-mail address up (the username gets `~deleted~<id>` appended, the
    /// address is cleared) and is kept, out of the source's sight, for the audit trail. `audit`
    /// gets the user as it was. Throws `.notFound("user")`.
    func deleteUser(_ id: UserID, in source: ProvisioningSource,
                    audit: (ProvisionedUser) -> ProvisioningAudit) throws(StoreError)

    /// The live account the SCIM source `slug` provisioned with this `externalId` (exact).
    func user(externalID: String, provisionedBy slug: String) throws(StoreError) -> UserID?

    // MARK: groups

    /// Creates the group with its members (see `ProvisionedGroupFields.members`).
    func createGroup(_ fields: ProvisionedGroupFields, in source: ProvisioningSource,
                     audit: ProvisioningAudit) throws(StoreError) -> ProvisionedGroup

    func group(_ id: GroupID, in source: ProvisioningSource) throws(StoreError) -> ProvisionedGroup?

    /// The source's groups; with a `.name` or `.externalID` key only those it matches (other
    /// keys narrow nothing).
    func groups(in source: ProvisioningSource, narrowedBy key: ProvisioningKey?) throws(StoreError) -> [ProvisionedGroup]

    /// The group's members that are the source's: its users, and its child groups.
    func members(of group: GroupID, in source: ProvisioningSource) throws(StoreError) -> [ProvisionedMember]

    /// Locks the group, computes the change from it and its members, and writes name, document
    /// and members (exactly those of the source listed: missing ones leave, child groups not
    /// listed move to the top) with the audit event, in one transaction. A member group that
    /// contains this one, at any depth, is refused with `.store(.invalid)`. A refusal or a
    /// failure writes nothing. `.store(.notFound("group"))` when the source has no such group.
    func updateGroup<Refusal: Error>(
        _ id: GroupID, in source: ProvisioningSource,
        _ change: (ProvisionedGroup, [ProvisionedMember]) throws(Refusal) -> ProvisioningChange<ProvisionedGroupFields>
    ) throws(ProvisioningFailure<Refusal>) -> ProvisionedGroup

    /// Removes the group and its memberships; its child groups move to the top. Throws `.notFound("group")`.
    func deleteGroup(_ id: GroupID, in source: ProvisioningSource, audit: ProvisioningAudit) throws(StoreError)
}
