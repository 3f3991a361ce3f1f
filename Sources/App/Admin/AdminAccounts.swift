public import Crypto
import JSON
public import Store

/// What `gatehouse create-admin` and `gatehouse users …` do, over the store protocols (the
/// command line only adds prompting and printing).
public struct AdminAccounts: Sendable {
    /// Passwords shorter than this (in characters) are refused.
    public static let minimumPasswordLength = 12

    public let users: any UserStore
    public let events: any EventStore
    public let hasher: PasswordHasher

    public init(users: any UserStore, events: any EventStore, hasher: PasswordHasher = PasswordHasher()) {
        self.users = users
        self.events = events
        self.hasher = hasher
    }

    /// A strong random password: 24 base64url characters (144 bits).
    public static func generatePassword() -> String { SecureRandom.token(byteCount: 18) }

    /// Nil when `password` is acceptable, else the one-line reason (never containing it).
    public static func passwordProblem(_ password: String) -> String? {
        if password.count < minimumPasswordLength {
            return "password is too short: at least \(minimumPasswordLength) characters are required"
        }
        if password.utf8.count > PasswordHasher.maximumPasswordLength {
            return "password is too long: at most \(PasswordHasher.maximumPasswordLength) bytes"
        }
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "password must not contain control characters"
        }
        return nil
    }

    public struct Outcome: Sendable, Equatable {
        public let user: User
        /// False when an existing user was updated (`update: true`).
        public let created: Bool
    }

    /// Creates an active superuser with an argon2id hash of `password`; with `update`, an
    /// existing user of that username (any case) is made an active superuser with the new
    /// password, e-mail and (when given) name instead. Records `user.create_admin`.
    public func createAdmin(username: String, email: String, name: String?, password: String,
                            update: Bool, at now: Timestamp = .now()) throws(AdminError) -> Outcome {
        let username = username.trimmingWhitespaceAndNewlines()
        let email = email.trimmingWhitespaceAndNewlines()
        guard !username.isEmpty, username.count <= 150,
              !username.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { throw AdminError("username must be 1 to 150 characters without spaces or control characters") }
        guard email.count <= 254, email.split(separator: "@", omittingEmptySubsequences: false).count == 2,
              !email.hasPrefix("@"), !email.hasSuffix("@"),
              !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { throw AdminError("email must look like name@example.com") }
        if let problem = Self.passwordProblem(password) { throw AdminError(problem) }
        let hash: String
        do { hash = try hasher.hash(password) } catch { throw AdminError("cannot hash the password: \(error)") }

        let outcome: Outcome
        do {
            if let existing = try users.user(username: username) {
                guard update else {
                    throw AdminError("user \(JSONWriter.quoted(existing.username)) already exists (use --update to make it a superuser with this password)")
                }
                var changed = existing
                changed.email = email
                if let name { changed.name = name }
                changed.isSuperuser = true
                let stored = try users.updateUser(changed)
                try users.setPassword(userID: stored.id, hash: hash, at: now)
                if !stored.isActive { try users.activateUser(stored.id) }
                guard let reread = try users.user(id: stored.id) else { throw AdminError("user vanished while updating") }
                outcome = Outcome(user: reread, created: false)
            } else {
                let user = try users.createUser(NewUser(username: username, email: email, name: name ?? "",
                                                        isActive: true, isSuperuser: true, passwordHash: hash))
                outcome = Outcome(user: user, created: true)
            }
        } catch let error as AdminError {
            throw error
        } catch StoreError.conflict {
            throw AdminError("user \(JSONWriter.quoted(username)) already exists (use --update to make it a superuser with this password)")
        } catch {
            throw AdminError("cannot store the user: \(error)")
        }
        record(action: "user.create_admin", user: outcome.user,
               extra: ["created": .bool(outcome.created), "via": "cli"])
        return outcome
    }

    /// Deactivates the user and ends all their sessions (one transaction); records `user.deactivate`.
    public func deactivate(username: String, at now: Timestamp = .now()) throws(AdminError) -> User {
        do {
            guard let user = try users.user(username: username) else {
                throw AdminError("no user named \(JSONWriter.quoted(username))")
            }
            try users.deactivateUser(user.id, at: now)
            record(action: "user.deactivate", user: user, extra: ["via": "cli"])
            return user
        } catch let error as AdminError {
            throw error
        } catch {
            throw AdminError("cannot deactivate: \(error)")
        }
    }

    /// Removes every authenticator and recovery code of the user (a lost phone); records
    /// `user.mfa_reset`. Their sessions stay; their next step-up asks them to enrol again.
    public func resetMFA(username: String, authenticators: any AuthenticatorStore) throws(AdminError) -> (User, Int) {
        do {
            guard let user = try users.user(username: username) else {
                throw AdminError("no user named \(JSONWriter.quoted(username))")
            }
            let removed = try authenticators.resetAuthenticators(ofUser: user.id)
            record(action: "user.mfa_reset", user: user, extra: ["via": "cli", "removed": .int(removed)])
            return (user, removed)
        } catch let error as AdminError {
            throw error
        } catch {
            throw AdminError("cannot reset: \(error)")
        }
    }

    /// `username<TAB>email<TAB>active<TAB>superuser`, tabs and newlines in values replaced by spaces.
    public static func listLine(_ user: User) -> String {
        func clean(_ text: String) -> String {
            String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
        }
        return [clean(user.username), clean(user.email ?? ""), user.isActive ? "true" : "false",
                user.isSuperuser ? "true" : "false"].joined(separator: "\t")
    }

    /// Audit trail; a failure to record is reported on stderr but does not undo the change.
    private func record(action: String, user: User, extra: JSONObject) {
        var fields: JSONObject = ["username": .string(user.username), "user_id": .string(user.id.rawValue)]
        fields.merge(extra) { _, new in new }
        let context = JSONText(.object(fields))
        do {
            try events.appendEvent(NewAuditEvent(actorUserID: nil, action: action, outcome: "success", context: context))
        } catch {
            printError("warning: could not record audit event \(action): \(error)")
        }
    }
}

/// A one-line problem for the command line (never contains a password).
public struct AdminError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension String {
    func trimmingWhitespaceAndNewlines() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
