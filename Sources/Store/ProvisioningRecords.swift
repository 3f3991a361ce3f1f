/// A source that provisions accounts and groups into Gatehouse from outside (a SCIM client
/// such as Entra ID's provisioning service).
public struct ProvisioningSource: Hashable, Sendable {
    /// The store's id of the source (a UUID's text form).
    public let id: String
    public let slug: String
    public let name: String
    /// Deleting a user removes the account instead of deactivating it and marking it deleted.
    public let purgeOnDelete: Bool
    /// SHA-256 of the source's bearer token; nil while it has none (then no token is good).
    public let tokenSHA256: [UInt8]?

    public init(id: String, slug: String, name: String, purgeOnDelete: Bool, tokenSHA256: [UInt8]?) {
        self.id = id
        self.slug = slug
        self.name = name
        self.purgeOnDelete = purgeOnDelete
        self.tokenSHA256 = tokenSHA256
    }
}

/// An account a source provisioned, as the source sees it.
public struct ProvisionedUser: Hashable, Sendable {
    public let id: UserID
    public let username: String
    public let isActive: Bool
    public let externalID: String?
    /// The resource as the source last sent it (a JSON object; its keys are the source's business).
    public let document: JSONText
    /// When the source created it.
    public let createdAt: Timestamp
    /// The later of the last change through the source and the last change of the account.
    public let updatedAt: Timestamp

    public init(id: UserID, username: String, isActive: Bool, externalID: String?, document: JSONText,
                createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id
        self.username = username
        self.isActive = isActive
        self.externalID = externalID
        self.document = document
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What creating or changing a provisioned account writes.
public struct ProvisionedUserFields: Hashable, Sendable {
    public var username: String
    public var email: String?
    /// The display name.
    public var name: String
    public var isActive: Bool
    /// Profile attributes the source manages, kept in the account's attributes under these
    /// keys (one of `profileKeys`; a key the source did not send is removed): the name parts
    /// (OIDC `given_name`/`family_name`) and what ERPs need from the directory (department,
    /// company, cost center…), so mappings read them from `user.attributes`.
    public var profile: [String: String]
    public var externalID: String?
    public var document: JSONText

    /// Every attribute key a provisioning source manages.
    public static let profileKeys = ["given_name", "family_name", "title", "department", "employee_number", "cost_center",
                                     "organization", "division", "manager", "phone_number"]

    public init(username: String, email: String? = nil, name: String = "", isActive: Bool = true,
                profile: [String: String] = [:], externalID: String? = nil, document: JSONText = .emptyObject) {
        self.username = username
        self.email = email
        self.name = name
        self.isActive = isActive
        self.profile = profile.filter { Self.profileKeys.contains($0.key) }
        self.externalID = externalID
        self.document = document
    }
}

/// A group a source provisioned, as the source sees it (members apart: `members(of:in:)`).
public struct ProvisionedGroup: Hashable, Sendable {
    public let id: GroupID
    public let name: String
    public let externalID: String?
    /// The resource as the source last sent it, without its name and members.
    public let document: JSONText
    public let createdAt: Timestamp
    public let updatedAt: Timestamp

    public init(id: GroupID, name: String, externalID: String?, document: JSONText, createdAt: Timestamp,
                updatedAt: Timestamp) {
        self.id = id
        self.name = name
        self.externalID = externalID
        self.document = document
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What creating or changing a provisioned group writes.
public struct ProvisionedGroupFields: Hashable, Sendable {
    public var name: String
    public var externalID: String?
    public var document: JSONText
    /// The ids of the users (memberships) and groups (nested: children of this one) the group
    /// is to have, among the source's resources. Other ids are ignored, not refused.
    public var members: Set<String>

    public init(name: String, externalID: String? = nil, document: JSONText = .emptyObject, members: Set<String> = []) {
        self.name = name
        self.externalID = externalID
        self.document = document
        self.members = members
    }
}

/// A member of a provisioned group: a user of the source, or a group of the source nested in it.
public struct ProvisionedMember: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case user, group }

    public let id: String
    /// The username or the group name.
    public let name: String
    public let kind: Kind

    public init(id: String, name: String, kind: Kind) {
        self.id = id
        self.name = name
        self.kind = kind
    }
}

/// A group of the source a user is a direct member of.
public struct ProvisionedGroupLink: Hashable, Sendable {
    public let id: GroupID
    public let name: String

    public init(id: GroupID, name: String) {
        self.id = id
        self.name = name
    }
}

/// One key every match of a query must have, so a store can narrow a listing with an index
/// before the caller applies its full filter. Text matches ignore case, except `externalID`.
public enum ProvisioningKey: Hashable, Sendable {
    case username(String)
    case externalID(String)
    /// The account's display name, or the group's name.
    case name(String)
    /// Some `value` in the `emails` list of the stored document.
    case email(String)
}

/// The audit event a change appends in its own transaction: `action`, and a context made of
/// the source's slug (`source`), the `user_id` or `group_id` changed, and `details` (a JSON
/// object whose members win over those).
public struct ProvisioningAudit: Hashable, Sendable {
    public var action: String
    public var details: JSONText

    public init(action: String, details: JSONText = .emptyObject) {
        self.action = action
        self.details = details
    }
}

/// What a lock-and-update computes from the current resource: the new fields and the audit
/// event to append with them.
public struct ProvisioningChange<Fields: Hashable & Sendable>: Hashable, Sendable {
    public var fields: Fields
    public var audit: ProvisioningAudit

    public init(fields: Fields, audit: ProvisioningAudit) {
        self.fields = fields
        self.audit = audit
    }
}

/// Why a lock-and-update wrote nothing: the caller's change refused the resource, or the store failed.
public enum ProvisioningFailure<Refusal: Error>: Error {
    case refused(Refusal)
    case store(StoreError)
}
