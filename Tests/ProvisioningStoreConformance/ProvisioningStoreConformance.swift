public import Store

/// What every `ProvisioningStore` must do, written against the protocol and the fixtures
/// only: the in-memory store (SCIMTests) and PostgreSQL (AppTests) run the same assertions.
/// Each check wants an empty store of its own.
public struct ProvisioningStoreConformance {
    public let store: any ProvisioningStore
    public let fixtures: any ProvisioningFixtures

    public init(store: any ProvisioningStore, fixtures: any ProvisioningFixtures) {
        self.store = store
        self.fixtures = fixtures
    }

    static let digestA = [UInt8](repeating: 0xA1, count: 32)
    static let digestB = [UInt8](repeating: 0xB2, count: 32)

    /// A source the store reads back, made enabled by the fixtures.
    func source(_ slug: String, purge: Bool = false) throws -> ProvisioningSource {
        try fixtures.addSource(slug: slug, tokenSHA256: Self.digestA, purgeOnDelete: purge, enabled: true)
        return try unwrap(store.source(slug: slug), slug)
    }

    func audit(_ action: String, _ details: String = "{}") -> ProvisioningAudit {
        ProvisioningAudit(action: action, details: JSONText(details))
    }

    func createUser(_ username: String, email: String? = nil, name: String = "", active: Bool = true,
                    externalID: String? = nil, document: String? = nil, in source: ProvisioningSource) throws(StoreError) -> ProvisionedUser {
        let fields = ProvisionedUserFields(username: username, email: email, name: name, isActive: active, externalID: externalID,
                                           document: JSONText(document ?? #"{"userName":"\#(username)"}"#))
        return try store.createUser(fields, in: source, audit: audit("test.user.create"))
    }

    func createGroup(_ name: String, members: [String] = [], externalID: String? = nil,
                     in source: ProvisioningSource) throws(StoreError) -> ProvisionedGroup {
        try store.createGroup(ProvisionedGroupFields(name: name, externalID: externalID, members: Set(members)), in: source,
                              audit: audit("test.group.create"))
    }

    /// A change to `fields`, whatever the user was.
    func keep(_ fields: ProvisionedUserFields) -> (ProvisionedUser) throws(Refusal) -> ProvisioningChange<ProvisionedUserFields> {
        { _ throws(Refusal) in ProvisioningChange(fields: fields, audit: audit("test.user.update")) }
    }

    func lastEvent() throws -> AuditEvent { try unwrap(fixtures.auditTrail().last, "an audit event") }

    // MARK: - sources

    public func sourcesAndTokens() throws {
        try fixtures.addSource(slug: "entra", tokenSHA256: Self.digestA, purgeOnDelete: false, enabled: true)
        try fixtures.addSource(slug: "purging", tokenSHA256: nil, purgeOnDelete: true, enabled: true)
        try fixtures.addSource(slug: "off", tokenSHA256: Self.digestA, purgeOnDelete: false, enabled: false)
        let entra = try unwrap(store.source(slug: "entra"))
        try expectEqual(entra.slug, "entra")
        try expectEqual(entra.tokenSHA256, Self.digestA)
        try expect(!entra.purgeOnDelete)
        let purging = try unwrap(store.source(slug: "purging"))
        try expect(purging.purgeOnDelete)
        try expectEqual(purging.tokenSHA256, nil, "a source without a token")
        try expect(purging.id != entra.id)
        try expectEqual(try store.source(slug: "off"), nil, "a disabled source is not served")
        try expectEqual(try store.source(slug: "nosuch"), nil)

        try expect(try store.replaceToken(ofSource: "entra", sha256: Self.digestB, audit: audit("test.token", #"{"via":"test"}"#)))
        try expectEqual(try store.source(slug: "entra")?.tokenSHA256, Self.digestB)
        let event = try lastEvent()
        try expectEqual(event.action, "test.token")
        try expectEqual(event.outcome, "success")
        try expectEqual(event.actorUserID, nil)
        try expectSameJSON(event.context, #"{"source":"entra","via":"test"}"#)
        try expect(try store.replaceToken(ofSource: "off", sha256: Self.digestB, audit: audit("test.token")), "disabled sources too")
        let count = try fixtures.auditTrail().count
        try expect(!(try store.replaceToken(ofSource: "nosuch", sha256: Self.digestB, audit: audit("test.token"))))
        try expectEqual(try fixtures.auditTrail().count, count, "nothing audited for no source")
    }

    // MARK: - users

    public func usersCreateReadAndConflict() throws {
        let entra = try source("entra"), other = try source("other")
        let document = #"{"userName":"somchai@contoso.com","emails":[{"value":"Somchai@Contoso.com","primary":true}]}"#
        let fields = ProvisionedUserFields(username: "somchai@contoso.com", email: "Somchai@Contoso.com", name: "Somchai P",
                                           isActive: true, profile: ["given_name": "Somchai", "family_name": "Prasert"], externalID: "ext-1",
                                           document: JSONText(document))
        let created = try store.createUser(fields, in: entra, audit: audit("test.user.create", #"{"note":"first"}"#))
        try expectEqual(created.username, "somchai@contoso.com")
        try expect(created.isActive)
        try expectEqual(created.externalID, "ext-1")
        try expectSameJSON(created.document, document)
        try expectEqual(created.id.rawValue.count, 36)
        try expectEqual(created.id.rawValue, created.id.rawValue.lowercased())
        try expect(created.createdAt <= created.updatedAt)

        try expectEqual(try store.user(created.id, in: entra), created)
        try expectEqual(try store.user(UserID(created.id.rawValue.uppercased()), in: entra), created, "ids in any case")
        try expectEqual(try store.user(created.id, in: other), nil, "another source's user is not found")
        try expectEqual(try store.user(UserID("not-a-uuid"), in: entra), nil)
        try expectEqual(try store.user(UserID("00000000-0000-4000-8000-000000000000"), in: entra), nil)

        let account = try unwrap(fixtures.account(created.id))
        try expectEqual(account.username, "somchai@contoso.com")
        try expectEqual(account.email, "Somchai@Contoso.com")
        try expectEqual(account.name, "Somchai P")
        try expect(account.isActive && account.deactivatedAt == nil)
        try expectSameJSON(account.attributes, #"{"given_name":"Somchai","family_name":"Prasert"}"#)
        let event = try lastEvent()
        try expectEqual(event.action, "test.user.create")
        try expectEqual(event.actorUserID, created.id)
        try expectSameJSON(event.context, #"{"source":"entra","user_id":"\#(created.id.rawValue)","note":"first"}"#)

        let inactive = try createUser("off@contoso.com", active: false, in: entra)
        try expect(!inactive.isActive)
        let off = try unwrap(fixtures.account(inactive.id))
        try expect(!off.isActive && off.deactivatedAt != nil, "inactive from the start")
        try expectSameJSON(off.attributes, "{}", "no name parts, no attributes")

        // One identifier, one account, whoever holds it.
        _ = try fixtures.addLocalAccount(username: "admin", email: "admin@contoso.com")
        let before = try fixtures.auditTrail().count
        let clashes: [(String, String?, ProvisioningSource)] = [
            ("SOMCHAI@contoso.com", nil, other),        // a username, in any case, in another source
            ("Admin", nil, entra),                      // a local account's username
            ("malee", "ADMIN", entra),                  // an address that is someone's username
            ("admin@CONTOSO.com", nil, entra),          // a username that is someone's address
            ("malee", "somchai@contoso.COM", entra),    // someone's address
        ]
        for (username, email, source) in clashes {
            try expectStoreError(.conflict(field: ""), username) { () throws(StoreError) in
                try store.createUser(ProvisionedUserFields(username: username, email: email), in: source, audit: audit("test.user.create"))
            }
        }
        try expectEqual(try fixtures.auditTrail().count, before, "a refused create writes nothing")
        try expectEqual(try store.users(in: other, narrowedBy: nil), [])
    }

    public func userListingsNarrowAndPage() throws {
        let entra = try source("entra"), other = try source("other")
        let kanya = try createUser("kanya@contoso.com", name: "Kanya S", externalID: "ext-k", document: """
            {"userName":"kanya@contoso.com","emails":[{"type":"home","value":"kanya@home.example"},{"type":"work","value":"Kanya.S@contoso.com"}]}
            """, in: entra)
        let niran = try createUser("niran@contoso.com", name: "Niran", externalID: "EXT-K", document: #"{"emails":[]}"#, in: entra)
        let malee = try createUser("malee@contoso.com", name: "malee", document: #"{"emails":"not a list"}"#, in: entra)
        _ = try createUser("kanya2@contoso.com", name: "Kanya S", externalID: "ext-k", in: other)

        func ids(_ key: ProvisioningKey?) throws -> [UserID] { try store.users(in: entra, narrowedBy: key).map(\.id) }
        try expectEqual(try ids(nil), [kanya.id, niran.id, malee.id], "creation order")
        try expectEqual(try store.users(in: entra, narrowedBy: nil).first, kanya)
        try expectEqual(try ids(.username("KANYA@contoso.com")), [kanya.id])
        try expectEqual(try ids(.externalID("ext-k")), [kanya.id], "external ids are exact")
        try expectEqual(try ids(.externalID("EXT-K")), [niran.id])
        try expectEqual(try ids(.name("kanya s")), [kanya.id])
        try expectEqual(try ids(.email("kanya.s@CONTOSO.com")), [kanya.id])
        try expectEqual(try ids(.email("KANYA@home.example")), [kanya.id])
        try expectEqual(try ids(.email("not a list")), [])
        try expectEqual(try ids(.username("nobody")), [])

        let page = try store.users(in: entra, offset: 1, limit: 1)
        try expectEqual(page.total, 3)
        try expectEqual(page.page.map(\.id), [niran.id])
        try expectEqual(try store.users(in: entra, offset: 0, limit: 0).page, [])
        try expectEqual(try store.users(in: entra, offset: 0, limit: 0).total, 3)
        try expectEqual(try store.users(in: entra, offset: 5, limit: 10).page, [])
        try expectEqual(try store.users(in: entra, offset: 0, limit: 10).page, try store.users(in: entra, narrowedBy: nil))

        try store.deleteUser(niran.id, in: entra) { _ in audit("test.user.delete") }
        try expectEqual(try ids(nil), [kanya.id, malee.id], "deleted users are gone from the source")
        try expectEqual(try store.users(in: entra, offset: 0, limit: 10).total, 2)
        try expectEqual(try ids(.externalID("EXT-K")), [])
    }

    public func userUpdatesLockRefuseAndDeactivate() throws {
        let entra = try source("entra"), other = try source("other")
        let original = try store.createUser(ProvisionedUserFields(
            username: "niran@contoso.com", email: "niran@contoso.com", name: "Niran", profile: ["given_name": "Niran", "family_name": "K", "department": "AR"],
            externalID: "ext-n", document: JSONText(#"{"userName":"niran@contoso.com"}"#)), in: entra, audit: audit("test.user.create"))
        try fixtures.addSessionAndToken(for: original.id)
        _ = try fixtures.addLocalAccount(username: "admin", email: nil)
        let events = try fixtures.auditTrail().count

        // A refusal writes nothing.
        try expectUpdateFailure(nil) { () throws(ProvisioningFailure<Refusal>) in
            try store.updateUser(original.id, in: entra) { _ throws(Refusal) in throw Refusal() }
        }
        try expectEqual(try store.user(original.id, in: entra), original)
        try expectEqual(try fixtures.auditTrail().count, events)

        // The change sees the current record; what it returns is written.
        var seen: ProvisionedUser?
        let renamed = try store.updateUser(original.id, in: entra) { current throws(Refusal) in
            seen = current
            return ProvisioningChange(fields: ProvisionedUserFields(
                username: "niran.k@contoso.com", email: nil, name: "Niran K", isActive: true, profile: ["family_name": "Khun"],
                externalID: "ext-n2", document: JSONText(#"{"userName":"niran.k@contoso.com","title":"Clerk"}"#)),
                audit: audit("test.user.update", #"{"why":"rename"}"#))
        }
        try expectEqual(seen, original)
        try expectEqual(renamed.id, original.id)
        try expectEqual(renamed.username, "niran.k@contoso.com")
        try expectEqual(renamed.externalID, "ext-n2")
        try expectSameJSON(renamed.document, #"{"userName":"niran.k@contoso.com","title":"Clerk"}"#)
        try expect(renamed.updatedAt >= original.updatedAt && renamed.createdAt == original.createdAt)
        try expectEqual(try store.user(original.id, in: entra), renamed)
        let account = try unwrap(fixtures.account(original.id))
        try expectEqual(account.username, "niran.k@contoso.com")
        try expectEqual(account.email, nil)
        try expectEqual(account.name, "Niran K")
        try expectSameJSON(account.attributes, #"{"family_name":"Khun"}"#, "name parts replaced, a missing one removed")
        try expect(try fixtures.liveSessionsAndTokens(of: original.id) == (1, 1), "a change that keeps the user active ends nothing")
        let event = try lastEvent()
        try expectEqual(event.action, "test.user.update")
        try expectEqual(event.actorUserID, original.id)
        try expectSameJSON(event.context, #"{"source":"entra","user_id":"\#(original.id.rawValue)","why":"rename"}"#)

        // Taken identifiers, unknown users: nothing written.
        try expectUpdateFailure(.conflict(field: "")) { () throws(ProvisioningFailure<Refusal>) in
            try store.updateUser(original.id, in: entra, keep(ProvisionedUserFields(username: "ADMIN")))
        }
        try expectEqual(try store.user(original.id, in: entra), renamed)
        for (id, source) in [(original.id, other), (UserID("not-a-uuid"), entra), (UserID("00000000-0000-4000-8000-000000000000"), entra)] {
            try expectUpdateFailure(.notFound("")) { () throws(ProvisioningFailure<Refusal>) in
                try store.updateUser(id, in: source, keep(ProvisionedUserFields(username: "someone")))
            }
        }

        // Active to inactive: the account is disabled, its sessions and tokens end with it.
        var fields = ProvisionedUserFields(username: "niran.k@contoso.com", name: "Niran K", isActive: false,
                                           document: JSONText(#"{"active":false}"#))
        let disabled = try store.updateUser(original.id, in: entra, keep(fields))
        try expect(!disabled.isActive)
        let off = try unwrap(fixtures.account(original.id))
        try expect(!off.isActive && off.deactivatedAt != nil)
        try expect(try fixtures.liveSessionsAndTokens(of: original.id) == (0, 0), "sessions ended, tokens revoked")
        // And back: the account may sign in again (with new sessions).
        fields.isActive = true
        let enabled = try store.updateUser(original.id, in: entra, keep(fields))
        try expect(enabled.isActive)
        let on = try unwrap(fixtures.account(original.id))
        try expect(on.isActive && on.deactivatedAt == nil)
    }

    public func userDeletionKeepsOrPurges() throws {
        let entra = try source("entra"), purging = try source("purging", purge: true)
        let leaver = try createUser("leaver@contoso.com", email: "leaver@contoso.com", externalID: "oid-leaver", in: entra)
        let group = try createGroup("finance", members: [leaver.id.rawValue], in: entra)
        try fixtures.addSessionAndToken(for: leaver.id)

        var seen: ProvisionedUser?
        try store.deleteUser(leaver.id, in: entra) { user in
            seen = user
            return audit("test.user.delete", #"{"username":"\#(user.username)"}"#)
        }
        try expectEqual(seen, leaver, "the audit sees the user as it was")
        try expectEqual(try store.user(leaver.id, in: entra), nil)
        try expectEqual(try store.user(externalID: "oid-leaver", provisionedBy: "entra"), nil)
        let kept = try unwrap(fixtures.account(leaver.id), "kept for the audit trail")
        try expect(!kept.isActive && kept.deactivatedAt != nil)
        try expectEqual(kept.username, "leaver@contoso.com~deleted~" + leaver.id.rawValue)
        try expectEqual(kept.email, nil, "the address is given up")
        try expect(try fixtures.liveSessionsAndTokens(of: leaver.id) == (0, 0))
        try expectEqual(try store.members(of: group.id, in: entra), [], "it left its groups")
        let event = try lastEvent()
        try expectEqual(event.action, "test.user.delete")
        try expectEqual(event.actorUserID, leaver.id)
        try expectSameJSON(event.context, #"{"source":"entra","user_id":"\#(leaver.id.rawValue)","username":"leaver@contoso.com"}"#)
        try expectStoreError(.notFound("")) { () throws(StoreError) in
            try store.deleteUser(leaver.id, in: entra) { _ in audit("test.user.delete") }
        }
        let again = try createUser("leaver@contoso.com", email: "leaver@contoso.com", in: entra)
        try expect(again.id != leaver.id, "the username and address can be provisioned again")

        let temp = try createUser("temp@contoso.com", in: purging)
        try fixtures.addSessionAndToken(for: temp.id)
        try expectStoreError(.notFound(""), "another source's user") { () throws(StoreError) in
            try store.deleteUser(temp.id, in: entra) { _ in audit("test.user.delete") }
        }
        try store.deleteUser(temp.id, in: purging) { _ in audit("test.user.purge") }
        try expectEqual(try fixtures.account(temp.id), nil, "purged")
        try expect(try fixtures.liveSessionsAndTokens(of: temp.id) == (0, 0))
        try expectEqual(try lastEvent().actorUserID, temp.id, "the event outlives the account")
    }

    /// Security round 2, finding 5: an `externalId` names an account only within the SCIM
    /// source an upstream sign-in source is tied to, never across sources.
    public func userFoundByExternalIDWithinItsSource() throws {
        let entra = try source("entra"), other = try source("other")
        let first = try createUser("a@contoso.com", externalID: "oid-1", in: entra)
        let second = try createUser("b@contoso.com", externalID: "oid-1", in: other)
        try expectEqual(try store.user(externalID: "oid-1", provisionedBy: "entra"), first.id)
        try expectEqual(try store.user(externalID: "oid-1", provisionedBy: "other"), second.id)
        try expectEqual(try store.user(externalID: "OID-1", provisionedBy: "entra"), nil, "exact")
        try expectEqual(try store.user(externalID: "oid-1", provisionedBy: "nosuch"), nil)
        // Within a source an externalId names one live user: a second one is a conflict.
        try expectStoreError(.conflict(field: "externalId"), "a second user with the same externalId in one source") { () throws(StoreError) in
            _ = try createUser("c@contoso.com", externalID: "oid-1", in: entra)
        }
        try store.deleteUser(first.id, in: entra) { _ in audit("test.user.delete") }
        try expectEqual(try store.user(externalID: "oid-1", provisionedBy: "entra"), nil, "deleted ones do not count")
    }

    // MARK: - groups

    public func groupsMembersAndNesting() throws {
        let entra = try source("entra"), other = try source("other")
        let anan = try createUser("anan@contoso.com", in: entra), boon = try createUser("boon@contoso.com", in: entra)
        let stranger = try createUser("xander@contoso.com", in: other)
        let finance = try store.createGroup(ProvisionedGroupFields(
            name: "finance", externalID: "g-1", document: JSONText(#"{"note":"kept"}"#),
            members: [anan.id.rawValue, boon.id.rawValue.uppercased(), stranger.id.rawValue, "not-a-uuid",
                      "00000000-0000-4000-8000-000000000000"]), in: entra, audit: audit("test.group.create", #"{"n":1}"#))
        try expectEqual(finance.name, "finance")
        try expectEqual(finance.externalID, "g-1")
        try expectSameJSON(finance.document, #"{"note":"kept"}"#)
        try expect(finance.createdAt <= finance.updatedAt)
        try expectEqual(try store.group(finance.id, in: entra), finance)
        try expectEqual(try store.group(GroupID(finance.id.rawValue.uppercased()), in: entra), finance)
        try expectEqual(try store.group(finance.id, in: other), nil)
        try expectEqual(try store.group(GroupID("not-a-uuid"), in: entra), nil)
        let event = try lastEvent()
        try expectEqual(event.action, "test.group.create")
        try expectEqual(event.actorUserID, nil)
        try expectSameJSON(event.context, #"{"source":"entra","group_id":"\#(finance.id.rawValue)","n":1}"#)

        let user = ProvisionedMember.Kind.user, group = ProvisionedMember.Kind.group
        try expectEqual(try store.members(of: finance.id, in: entra), [
            ProvisionedMember(id: anan.id.rawValue, name: "anan@contoso.com", kind: user),
            ProvisionedMember(id: boon.id.rawValue, name: "boon@contoso.com", kind: user),
        ], "only the source's users; unknown ids ignored")
        try expectEqual(try store.members(of: finance.id, in: other), [])
        try expectEqual(try store.groups(ofUsers: [anan.id, boon.id, stranger.id], in: entra), [
            anan.id: [ProvisionedGroupLink(id: finance.id, name: "finance")],
            boon.id: [ProvisionedGroupLink(id: finance.id, name: "finance")],
        ])

        // A member group becomes a child: a member of the child counts as one of the parent.
        let clerks = try createGroup("ar-clerks", members: [anan.id.rawValue], in: entra)
        var seen: [ProvisionedMember] = []
        _ = try store.updateGroup(finance.id, in: entra) { current, members throws(Refusal) in
            seen = members
            return ProvisioningChange(fields: ProvisionedGroupFields(
                name: current.name, externalID: current.externalID, document: current.document,
                members: [anan.id.rawValue, boon.id.rawValue, clerks.id.rawValue]), audit: audit("test.group.update"))
        }
        try expectEqual(seen.map(\.name), ["anan@contoso.com", "boon@contoso.com"], "the change sees the current members")
        try expectEqual(try store.members(of: finance.id, in: entra), [
            ProvisionedMember(id: anan.id.rawValue, name: "anan@contoso.com", kind: user),
            ProvisionedMember(id: clerks.id.rawValue, name: "ar-clerks", kind: group),
            ProvisionedMember(id: boon.id.rawValue, name: "boon@contoso.com", kind: user),
        ], "by name")
        try expectEqual(try fixtures.parent(of: clerks.id), finance.id)
        try expectEqual(try store.groups(ofUsers: [anan.id], in: entra)[anan.id]?.map(\.name), ["ar-clerks", "finance"])
        let theirs = try createGroup("theirs", members: [finance.id.rawValue], in: other)
        try expectEqual(try store.members(of: theirs.id, in: other), [], "another source's group is not nested")
        try expectEqual(try fixtures.parent(of: finance.id), nil)

        // The parent as a member of its own child: refused, and the rename with it is not written.
        let events = try fixtures.auditTrail().count
        try expectUpdateFailure(.invalid("")) { () throws(ProvisioningFailure<Refusal>) in
            try store.updateGroup(clerks.id, in: entra) { _, _ throws(Refusal) in
                ProvisioningChange(fields: ProvisionedGroupFields(name: "renamed", members: [finance.id.rawValue]),
                                   audit: audit("test.group.update"))
            }
        }
        try expectEqual(try store.group(clerks.id, in: entra)?.name, "ar-clerks")
        try expectEqual(try store.members(of: clerks.id, in: entra).map(\.id), [anan.id.rawValue])
        try expectEqual(try fixtures.parent(of: clerks.id), finance.id)
        try expectEqual(try fixtures.auditTrail().count, events)

        // Group names are unique in any case, across sources and everyone else's groups.
        try expectStoreError(.conflict(field: "")) { () throws(StoreError) in try createGroup("FINANCE", in: other) }
        try expectUpdateFailure(.conflict(field: "")) { () throws(ProvisioningFailure<Refusal>) in
            try store.updateGroup(clerks.id, in: entra) { _, _ throws(Refusal) in
                ProvisioningChange(fields: ProvisionedGroupFields(name: "Finance"), audit: audit("test.group.update"))
            }
        }

        func ids(_ key: ProvisioningKey?) throws -> [GroupID] { try store.groups(in: entra, narrowedBy: key).map(\.id) }
        try expectEqual(try ids(nil), [finance.id, clerks.id], "creation order")
        try expectEqual(try ids(.name("FINANCE")), [finance.id])
        try expectEqual(try ids(.externalID("g-1")), [finance.id])
        try expectEqual(try ids(.externalID("G-1")), [])
    }

    public func groupUpdatesAndDeletion() throws {
        let entra = try source("entra"), other = try source("other")
        let anan = try createUser("anan@contoso.com", in: entra), boon = try createUser("boon@contoso.com", in: entra)
        let clerks = try createGroup("ar-clerks", in: entra)
        let finance = try createGroup("finance", members: [anan.id.rawValue, boon.id.rawValue, clerks.id.rawValue], in: entra)
        try expectEqual(try fixtures.parent(of: clerks.id), finance.id)

        // Members not listed leave; a child group not listed moves to the top.
        let updated = try store.updateGroup(finance.id, in: entra) { current, _ throws(Refusal) in
            ProvisioningChange(fields: ProvisionedGroupFields(name: "Finance Team", externalID: "g-2",
                                                              document: JSONText(#"{"x":1}"#), members: [boon.id.rawValue]),
                               audit: audit("test.group.update"))
        }
        try expectEqual(updated.name, "Finance Team")
        try expectEqual(updated.externalID, "g-2")
        try expectSameJSON(updated.document, #"{"x":1}"#)
        try expect(updated.updatedAt >= finance.updatedAt && updated.createdAt == finance.createdAt)
        try expectEqual(try store.members(of: finance.id, in: entra).map(\.id), [boon.id.rawValue])
        try expectEqual(try fixtures.parent(of: clerks.id), nil)
        let event = try lastEvent()
        try expectEqual(event.action, "test.group.update")
        try expectSameJSON(event.context, #"{"source":"entra","group_id":"\#(finance.id.rawValue)"}"#)

        let events = try fixtures.auditTrail().count
        try expectUpdateFailure(nil) { () throws(ProvisioningFailure<Refusal>) in
            try store.updateGroup(finance.id, in: entra) { _, _ throws(Refusal) in throw Refusal() }
        }
        try expectEqual(try store.group(finance.id, in: entra), updated)
        try expectEqual(try fixtures.auditTrail().count, events)
        for (id, source) in [(finance.id, other), (GroupID("not-a-uuid"), entra)] {
            try expectUpdateFailure(.notFound("")) { () throws(ProvisioningFailure<Refusal>) in
                try store.updateGroup(id, in: source) { _, _ throws(Refusal) in
                    ProvisioningChange(fields: ProvisionedGroupFields(name: "x"), audit: audit("test.group.update"))
                }
            }
        }

        // Deleting a group: its memberships go, its children move to the top, its users stay.
        _ = try store.updateGroup(finance.id, in: entra) { current, _ throws(Refusal) in
            ProvisioningChange(fields: ProvisionedGroupFields(name: current.name, members: [boon.id.rawValue, clerks.id.rawValue]),
                               audit: audit("test.group.update"))
        }
        try expectStoreError(.notFound(""), "another source's group") { () throws(StoreError) in
            try store.deleteGroup(finance.id, in: other, audit: audit("test.group.delete"))
        }
        try store.deleteGroup(finance.id, in: entra, audit: audit("test.group.delete", #"{"why":"gone"}"#))
        try expectEqual(try store.group(finance.id, in: entra), nil)
        try expectEqual(try fixtures.parent(of: clerks.id), nil)
        try expectEqual(try store.group(clerks.id, in: entra)?.name, "ar-clerks")
        try expectEqual(try store.groups(ofUsers: [boon.id], in: entra), [:])
        try expect(try store.user(boon.id, in: entra) != nil)
        let deleted = try lastEvent()
        try expectEqual(deleted.action, "test.group.delete")
        try expectSameJSON(deleted.context, #"{"source":"entra","group_id":"\#(finance.id.rawValue)","why":"gone"}"#)
        try expectStoreError(.notFound("")) { () throws(StoreError) in
            try store.deleteGroup(finance.id, in: entra, audit: audit("test.group.delete"))
        }
        try expectEqual(try createGroup("finance team", in: entra).name, "finance team", "the name is free again")
    }
}

/// The refusal the suite's changes throw.
struct Refusal: Error, Equatable {}

/// `body` fails: with the change's refusal when `expected` is nil, else with a store error of its kind.
func expectUpdateFailure<T>(_ expected: StoreError?, _ message: @autoclosure () -> String = "", file: StaticString = #filePath,
                            line: UInt = #line, _ body: () throws(ProvisioningFailure<Refusal>) -> T) throws(ConformanceFailure) {
    switch (Result(catching: body), expected) {
    case (.success, _):
        throw ConformanceFailure("no failure \(message())", file: file, line: line)
    case (.failure(.refused), nil):
        return
    case (.failure(.store(let error)), let expected?) where sameKind(error, expected):
        return
    case (.failure(let failure), _):
        throw ConformanceFailure("\(failure) is not \(expected.map { "\($0)" } ?? "the refusal") \(message())", file: file, line: line)
    }
}
