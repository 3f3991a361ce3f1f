public import Store

/// What the conformance suite needs to arrange and observe beyond `ProvisioningStore`: sources
/// (blueprints make them), accounts nobody provisioned, sessions and tokens, and the account,
/// group and audit rows as the rest of Gatehouse reads them. Each backend's test provides it
/// over the same data its store uses.
public protocol ProvisioningFixtures {
    func addSource(slug: String, tokenSHA256: [UInt8]?, purgeOnDelete: Bool, enabled: Bool) throws
    /// An account no source provisioned (a blueprint's, or made on the command line).
    func addLocalAccount(username: String, email: String?) throws -> UserID
    /// One live session and one live refresh token of the user.
    func addSessionAndToken(for user: UserID) throws
    /// The user's sessions, and their tokens not revoked.
    func liveSessionsAndTokens(of user: UserID) throws -> (sessions: Int, tokens: Int)
    /// The account as the rest of Gatehouse reads it (nil: there is none).
    func account(_ id: UserID) throws -> User?
    func parent(of group: GroupID) throws -> GroupID?
    /// Every audit event, oldest first.
    func auditTrail() throws -> [AuditEvent]
}
