/// Links between local users and their identities at upstream sources (`source_connections`),
/// and the groups synced from those sources.
public protocol SourceConnectionStore: Sendable {
    /// The user linked to `identifier` at the source with slug `source`.
    func connectedUser(source: String, identifier: String) throws(StoreError) -> UserID?
    /// Throws `.conflict(field: "identifier")` when the identifier is linked already,
    /// `.notFound("source")` when there is no such source.
    func connect(source: String, identifier: String, user: UserID) throws(StoreError)
    /// Whether the user is linked to any identifier at the source.
    func isConnected(source: String, user: UserID) throws(StoreError) -> Bool
    /// The group synced from the upstream group `upstreamID` of `source`, if one exists
    /// (groups carry `{"source": slug, "upstream_id": id}` in their attributes).
    func syncedGroup(source: String, upstreamID: String) throws(StoreError) -> Group?
    /// The groups of `source` the user is a direct member of.
    func syncedGroups(source: String, user: UserID) throws(StoreError) -> [Group]
}
