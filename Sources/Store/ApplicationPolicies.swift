/// What decides access to one application, as stored: its `meta` (policy engine mode,
/// attributes, sensitivity) and its policy bindings. The Identity room turns it into rules.
public struct ApplicationPolicyRecord: Sendable, Hashable {
    /// `applications.meta` (JSON object).
    public var meta: JSONText
    public var bindings: [PolicyBindingRecord]

    public init(meta: JSONText, bindings: [PolicyBindingRecord]) {
        self.meta = meta
        self.bindings = bindings
    }
}

/// One policy bound to an application, as stored.
public struct PolicyBindingRecord: Sendable, Hashable {
    public var policyName: String
    public var kind: String
    /// The policy's configuration (JSON object).
    public var configJSON: String
    public var position: Int
    public var negate: Bool
    public var failureResult: Bool

    public init(policyName: String, kind: String, configJSON: String, position: Int, negate: Bool, failureResult: Bool) {
        self.policyName = policyName
        self.kind = kind
        self.configJSON = configJSON
        self.position = position
        self.negate = negate
        self.failureResult = failureResult
    }
}

/// Access rules and failed-login counts, for the access decision.
public protocol ApplicationPolicyStore: Sendable {
    /// nil when no application has the slug.
    func policyRecord(applicationSlug: String) throws(StoreError) -> ApplicationPolicyRecord?
    /// Failed logins of the user (its throttle key `user:<id>`), or from the IP, counted in a
    /// window that started after `since` (the larger of the two).
    func recentLoginFailures(userID: UserID, ip: String?, since: Timestamp) throws(StoreError) -> Int
}
