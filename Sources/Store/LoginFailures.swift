/// Failed sign-ins counted per account key and per client address in fixed windows, kept where
/// every node sees them. A window starts at its key's first failure; one that started at or
/// before `windowStart` has passed and counts for nothing. Account keys are opaque (the caller
/// hashes the account name, so none is stored in clear).
public protocol LoginFailureStore: Sendable {
    /// Counts one failure for `accountKey` and, when given, for `ip`: a key whose window has
    /// passed starts over at 1 from `now`.
    func recordFailure(accountKey: String, ip: String?, at now: Timestamp, windowStart: Timestamp) throws(StoreError)
    /// The failures of `accountKey` and `ip` in windows still open (0 for a key without one).
    func failures(accountKey: String, ip: String?, windowStart: Timestamp) throws(StoreError) -> LoginFailureCounts
    /// Forgets the account's failures, and with them every window that has passed.
    func clearFailures(accountKey: String, windowStart: Timestamp) throws(StoreError)
}

public struct LoginFailureCounts: Hashable, Sendable {
    public var account: Int
    public var ip: Int

    public init(account: Int = 0, ip: Int = 0) {
        self.account = account
        self.ip = ip
    }
}
