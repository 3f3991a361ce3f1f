import Expressions
import Identity
import Store

/// Looks up an account another channel provisioned, by the upstream's identifier.
public protocol ProvisionedAccounts: Sendable {
    /// The live account the SCIM source `slug` provisioned with this `externalId`.
    func user(externalID: String, provisionedBy slug: String) throws -> UserID?
}

/// Finds or makes the local account of an upstream identity, by the source's matching mode,
/// and syncs its groups. `decide` only reads, so every refusal (deny modes, enrollment off,
/// a deactivated account) happens before anything is written.
public struct AccountLinker: Sendable {
    public let users: any UserStore
    public let groups: any GroupStore
    public let connections: any SourceConnectionStore
    /// Accounts provisioned for the same person by another channel (SCIM from the same
    /// directory), found by the upstream identifier: Entra's object id is SCIM's `externalId`.
    public let provisioned: (any ProvisionedAccounts)?

    public init(users: any UserStore, groups: any GroupStore, connections: any SourceConnectionStore,
                provisioned: (any ProvisionedAccounts)? = nil) {
        self.users = users
        self.groups = groups
        self.connections = connections
        self.provisioned = provisioned
    }

    public enum Decision: Sendable, Hashable {
        /// Already connected.
        case existing(User)
        /// An existing account, matched by e-mail or username: connect it.
        case link(User)
        /// A new account with this username.
        case enroll(username: String)
    }

    public func decide(_ identity: UpstreamIdentity, source: OAuthSourceConfig) throws(FederationError) -> Decision {
        do {
            if let id = try connections.connectedUser(source: source.slug, identifier: identity.identifier) {
                guard let user = try users.user(id: id), user.isActive else { throw FederationError.userInactive }
                return .existing(user)
            }
            // The directory's object id is a stronger match than any e-mail or username: the
            // account SCIM made for this person is theirs, whatever the matching mode.
            // Only for the home tenant of an Entra ID source: elsewhere the identifier is a value
            // someone else controls (another tenant's object id space, a generic issuer's `sub`).
            // Only the SCIM source this source names (`scim_source`): any other provisioning
            // feed must not decide whose account an upstream person lands in. An account already
            // linked here to another identity is never linked to a second one.
            if let provisioned, let scimSource = source.provisioningSource, source.isHomeTenant(identity.tenant),
               let id = try provisioned.user(externalID: identity.identifier, provisionedBy: scimSource) {
                guard let user = try users.user(id: id), user.isActive else { throw FederationError.userInactive }
                if try connections.isConnected(source: source.slug, user: user.id) { throw FederationError.alreadyLinked }
                return .link(user)
            }
            switch source.matchingMode {
            case .identifier:
                break
            case .emailLink, .emailDeny:
                if let email = identity.email {
                    let matches = try users.users(email: email)
                    if source.matchingMode == .emailDeny, !matches.isEmpty { throw FederationError.emailTaken }
                    // Only a verified address, naming exactly one account, may take it over.
                    if identity.emailVerified, matches.count == 1 {
                        guard matches[0].isActive else { throw FederationError.userInactive }
                        try refuseTakeover(of: matches[0], source: source, because: .emailTaken)
                        return .link(matches[0])
                    }
                }
            case .usernameLink, .usernameDeny:
                if let username = identity.username, let user = try users.user(username: username) {
                    if source.matchingMode == .usernameDeny { throw FederationError.usernameTaken }
                    guard user.isActive else { throw FederationError.userInactive }
                    try refuseTakeover(of: user, source: source, because: .usernameTaken)
                    return .link(user)
                }
            }
            guard source.enrollment else { throw FederationError.enrollmentDisabled }
            let username = identity.username ?? identity.email ?? "\(source.slug)-\(identity.identifier)"
            // Someone else holds the name: never merge silently.
            if try users.user(username: username) != nil { throw FederationError.usernameTaken }
            return .enroll(username: username)
        } catch let error as FederationError {
            throw error
        } catch let error as StoreError {
            throw .store(error.description)
        } catch {
            throw .store("\(error)")
        }
    }

    /// An e-mail or username match never takes over an administrator, a service account, or
    /// an account already linked to another identity at this source: those need an explicit
    /// link, not a matching address.
    func refuseTakeover(of user: User, source: OAuthSourceConfig, because error: FederationError) throws {
        let attributes = (try? ExprValue(jsonText: user.attributes.text)) ?? .map([:])
        var isServiceAccount = false
        if case .map(let members) = attributes, members["service_account"] == .bool(true) { isServiceAccount = true }
        let connected = try connections.isConnected(source: source.slug, user: user.id)
        if user.isSuperuser || isServiceAccount || connected {
            throw error
        }
    }

    /// Writes what `decide` chose, refreshes the profile of a linked account from the upstream,
    /// and syncs groups when the identity carries them. Returns the account to sign in.
    public func apply(_ decision: Decision, _ identity: UpstreamIdentity, source: OAuthSourceConfig) throws(FederationError) -> User {
        do {
            var user: User
            switch decision {
            case .existing(let found):
                user = found
            case .link(let found):
                try connections.connect(source: source.slug, identifier: identity.identifier, user: found.id)
                user = found
            case .enroll(let username):
                let base = JSONText("{\"source\":" + JSONText.quoted(source.slug) + ",\"email_verified\":"
                                    + (identity.emailVerified ? "true" : "false") + "}")
                user = try enroll(NewUser(username: username, email: identity.email, name: identity.name,
                                          attributes: Self.merged(base, identity.mappedAttributes)))
                try connections.connect(source: source.slug, identifier: identity.identifier, user: user.id)
            }
            if case .enroll = decision {} else if !identity.name.isEmpty || identity.email != nil || identity.mappedAttributes != nil {
                var changed = user
                if !identity.name.isEmpty { changed.name = identity.name }
                if let email = identity.email, email.lowercased() != (user.email ?? "").lowercased() {
                    // A new address from upstream carries the upstream's word on it, no more:
                    // applications see `email_verified: false` for one nobody proved.
                    changed.email = email
                    changed.attributes = Self.merged(changed.attributes, "{\"email_verified\":" + (identity.emailVerified ? "true" : "false") + "}")
                }
                changed.attributes = Self.merged(changed.attributes, identity.mappedAttributes)
                if changed != user { user = try refreshProfile(user, to: changed, identity) }
            }
            if let upstreamGroups = identity.groups { try sync(upstreamGroups, user: user.id, source: source.slug) }
            return user
        } catch let error as FederationError {
            throw error
        } catch {
            throw .store("\(error)")
        }
    }

    /// Creates the enrolled account. Another account holding the username or the address is
    /// refused (migration 8), never answered with a second, look-alike account.
    func enroll(_ user: NewUser) throws -> User {
        let result = Result { () throws(StoreError) in try users.createUser(user) }
        if case .failure(.conflict(let field)) = result {
            throw field == "username" ? FederationError.usernameTaken : FederationError.emailTaken
        }
        return try result.get()
    }

    /// Writes the refreshed profile. When the upstream's new address belongs to another
    /// account, ours is kept and the rest refreshed (the sign-in still works).
    func refreshProfile(_ user: User, to changed: User, _ identity: UpstreamIdentity) throws(StoreError) -> User {
        let result = Result { () throws(StoreError) in try users.updateUser(changed) }
        guard case .failure(.conflict) = result else { return try result.get() }
        var kept = changed
        kept.email = user.email
        kept.attributes = Self.merged(user.attributes, identity.mappedAttributes)
        return kept == user ? user : try users.updateUser(kept)
    }

    /// `attributes` with the mapped keys set (the mapping's values win).
    static func merged(_ attributes: JSONText, _ mapped: String?) -> JSONText {
        guard let mapped, case .map(let extra)? = try? ExprValue(jsonText: mapped) else { return attributes }
        guard case .map(var current)? = try? ExprValue(jsonText: attributes.text) else { return JSONText(mapped) }
        for (key, value) in extra { current[key] = value }
        return JSONText(ExprValue.map(current).jsonText())
    }

    /// Memberships in the source's groups become exactly `upstream`; groups are found by
    /// upstream id (renames follow) and created when new. A new group takes the upstream's
    /// name, normalised (`NameRules`); when a local group holds it, `<name> (<source>)`, then
    /// that with the upstream id: a name clash never fails the sign-in. A group whose name
    /// breaks the rules (invisible characters, mixed scripts) is not synced at all.
    func sync(_ upstream: [UpstreamGroup], user: UserID, source: String) throws(StoreError) {
        var wanted: Set<GroupID> = []
        for item in upstream {
            let group: Group
            if let existing = try connections.syncedGroup(source: source, upstreamID: item.id) {
                group = existing
            } else {
                guard let name = try? NameRules.normalized(item.name),
                      let made = try createSyncedGroup(name: name, upstreamID: item.id, source: source) else { continue }
                group = made
            }
            wanted.insert(group.id)
            try groups.addMember(user, to: group.id)
        }
        for group in try connections.syncedGroups(source: source, user: user) where !wanted.contains(group.id) {
            try groups.removeMember(user, from: group.id)
        }
    }

    /// The group for a new upstream group, under the first free name; nil when none is free.
    func createSyncedGroup(name: String, upstreamID: String, source: String) throws(StoreError) -> Group? {
        let attributes = JSONText("{\"source\":" + JSONText.quoted(source) + ",\"upstream_id\":" + JSONText.quoted(upstreamID) + "}")
        let suffix = String(upstreamID.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }
            .prefix(12).map(Character.init))
        for candidate in [name, "\(name) (\(source))", "\(name) (\(source) \(suffix))"] {
            guard candidate.utf8.count <= 255, try groups.group(name: candidate) == nil else { continue }
            let made = Result { () throws(StoreError) in try groups.createGroup(NewGroup(name: candidate, attributes: attributes)) }
            if case .failure(.conflict) = made { continue }   // made meanwhile by someone else
            return try made.get()
        }
        return nil
    }
}
