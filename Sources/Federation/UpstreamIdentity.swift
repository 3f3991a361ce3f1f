/// A group the upstream says the person belongs to.
public struct UpstreamGroup: Sendable, Hashable {
    /// The upstream's id (Entra: the group's object id; others: the name).
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// Who signed in upstream, after verification, in Gatehouse's terms.
public struct UpstreamIdentity: Sendable, Hashable {
    /// The stable upstream identifier stored in `source_connections` (Entra: `oid`; others: `sub`).
    public var identifier: String
    public var username: String?
    public var email: String?
    /// Only a verified address may link to an existing account.
    public var emailVerified: Bool
    public var name: String
    /// nil: the upstream's groups are unknown this time (memberships are left as they are).
    public var groups: [UpstreamGroup]?
    /// The upstream's `amr` (e.g. `pwd`, `mfa`), kept in the session for step-up rules.
    public var amr: [String]
    public var tenant: String?
    /// The verified ID token payload as received (JSON), for the mapping expressions.
    public var claimsJSON: String
    /// What `attribute_mapping` produced (a JSON object), merged into the user's attributes.
    public var mappedAttributes: String?

    public init(identifier: String, username: String?, email: String?, emailVerified: Bool, name: String,
                groups: [UpstreamGroup]?, amr: [String], tenant: String?, claimsJSON: String = "{}",
                mappedAttributes: String? = nil) {
        self.identifier = identifier
        self.username = username
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.groups = groups
        self.amr = amr
        self.tenant = tenant
        self.claimsJSON = claimsJSON
        self.mappedAttributes = mappedAttributes
    }
}
