import Crypto
import Store

/// Checks a password for an account under the login throttle: what the sign-in flow's password
/// stage and an LDAP bind both do, the same way. Unknown, inactive and password-less accounts
/// cost what a real check costs and get the same answer as a wrong password.
public struct PasswordCheck: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The password is right; `rehashed` when the stored hash was upgraded on the way.
        case verified(User, rehashed: Bool)
        /// The account or the address is throttled: nothing was checked.
        case throttled
        /// Wrong password, or no such (active, password-holding) account: counted.
        case refused
    }

    public let users: any UserStore
    public let hasher: PasswordHasher
    public let throttle: any LoginThrottle

    public init(users: any UserStore, hasher: PasswordHasher, throttle: any LoginThrottle) {
        self.users = users
        self.hasher = hasher
        self.throttle = throttle
    }

    /// `account` is the throttle key (`user:<id>` for a known account, the identifier as
    /// typed otherwise); `user` the account the identifier named, if any.
    public func check(_ user: User?, password: String, account: String, clientIP: String?,
                      at now: Timestamp) throws(StoreError) -> Outcome {
        if throttle.isBlocked(account: account, ip: clientIP, at: now) { return .throttled }
        var outcome = Outcome.refused
        if let user, user.isActive, let stored = user.passwordHash {
            switch hasher.verify(password, against: stored) {
            case .valid(let needsRehash):
                var rehashed = false
                if needsRehash, let fresh = try? hasher.hash(password) {
                    try users.setPassword(userID: user.id, hash: fresh, at: now)
                    rehashed = true
                }
                outcome = .verified(user, rehashed: rehashed)
            case .invalid:
                break
            case .unsupported:
                hasher.burnVerificationTime()
            }
        } else {
            // Unknown, inactive or password-less: spend what a real check costs.
            hasher.burnVerificationTime()
        }
        if case .verified = outcome {
            throttle.recordSuccess(account: account, at: now)
        } else {
            throttle.recordFailure(account: account, ip: clientIP, at: now)
        }
        return outcome
    }
}
