import Federation
import Foundation
import Store
import XCTest

/// Matching modes, enrollment and group sync; every refusal leaves the stores untouched.
final class AccountLinkerTests: XCTestCase {
    var users: FakeUserStore!
    var groups: FakeGroupStore!
    var connections: FakeConnections!
    var linker: AccountLinker!

    override func setUp() {
        users = FakeUserStore()
        groups = FakeGroupStore()
        connections = FakeConnections(groups: groups)
        linker = AccountLinker(users: users, groups: groups, connections: connections)
    }

    func source(_ mode: UserMatchingMode, enrollment: Bool = true) -> OAuthSourceConfig {
        OAuthSourceConfig(slug: "entra", name: "Entra", providerType: .entraID, clientID: "c", clientSecret: "s",
                          matchingMode: mode, enrollment: enrollment, groupSync: true)
    }

    func identity(groups: [UpstreamGroup]? = nil) -> UpstreamIdentity {
        UpstreamIdentity(identifier: "oid-1", username: "somchai@contoso.test", email: "somchai@contoso.test", emailVerified: true,
                         name: "Somchai", groups: groups, amr: ["mfa"], tenant: "t")
    }

    func signIn(_ source: OAuthSourceConfig, _ identity: UpstreamIdentity) throws(FederationError) -> User {
        try linker.apply(try linker.decide(identity, source: source), identity, source: source)
    }

    func testIdentifierModeEnrollsThenReusesTheConnection() throws {
        let first = try signIn(source(.identifier), identity())
        XCTAssertEqual(first.username, "somchai@contoso.test")
        XCTAssertEqual(first.email, "somchai@contoso.test")
        let again = try signIn(source(.identifier), identity())
        XCTAssertEqual(again.id, first.id)
        XCTAssertEqual(users.count, 1)
        XCTAssertEqual(connections.count, 1)
    }

    /// SCIM provisioned this person with `externalId` = their Entra object id: signing in
    /// through Entra ID lands in that account, even in identifier mode with enrollment off.
    func testTheAccountProvisionedOverSCIMIsTheSamePerson() throws {
        struct Provisioned: ProvisionedAccounts {
            let map: [String: UserID]
            func user(externalID: String, provisionedBy slug: String) throws -> UserID? { slug == "entra-scim" ? map[externalID] : nil }
        }
        let scimUser = try users.createUser(NewUser(username: "somchai.p@contoso.test", email: "other@contoso.test"))
        linker = AccountLinker(users: users, groups: groups, connections: connections,
                               provisioned: Provisioned(map: ["oid-1": scimUser.id]))
        // Another tenant's object id (or an issuer that is not our Entra ID) is not a match.
        XCTAssertThrowsError(try signIn(source(.identifier, enrollment: false), identity())) {
            XCTAssertEqual($0 as? FederationError, .enrollmentDisabled)
        }
        var home = OAuthSourceConfig(slug: "entra", name: "Entra", providerType: .entraID, clientID: "c", clientSecret: "s",
                                     tenant: "t", matchingMode: .identifier, enrollment: false, groupSync: true)
        // Not tied to a SCIM source: no match by object id (security round 2, finding 5).
        XCTAssertThrowsError(try signIn(home, identity())) { XCTAssertEqual($0 as? FederationError, .enrollmentDisabled) }
        home.provisioningSource = "entra-scim"
        let user = try signIn(home, identity())
        XCTAssertEqual(user.id, scimUser.id)
        XCTAssertEqual(users.count, 1, "no second account")
        XCTAssertEqual(try connections.connectedUser(source: "entra", identifier: "oid-1"), scimUser.id)
        // The SCIM source re-points the account at a second identity: that one is refused, it
        // does not join the account already linked to the first (security round 2, finding 5).
        linker = AccountLinker(users: users, groups: groups, connections: connections,
                               provisioned: Provisioned(map: ["oid-1": scimUser.id, "oid-2": scimUser.id]))
        var mallory = identity()
        mallory.identifier = "oid-2"
        XCTAssertThrowsError(try signIn(home, mallory)) { XCTAssertEqual($0 as? FederationError, .alreadyLinked) }
        XCTAssertNil(try connections.connectedUser(source: "entra", identifier: "oid-2"))
    }

    /// A matching address or username never takes over an administrator, a service account,
    /// or an account already linked to another identity at this source.
    func testMatchesNeverTakeOverAdminsServiceAccountsOrLinkedAccounts() throws {
        _ = try users.createUser(NewUser(username: "root", email: "somchai@contoso.test", isSuperuser: true))
        XCTAssertThrowsError(try signIn(source(.emailLink, enrollment: false), identity())) {
            XCTAssertEqual($0 as? FederationError, .emailTaken)
        }
        var svc = identity()
        svc.username = "svc-portal"
        svc.email = nil
        _ = try users.createUser(NewUser(username: "svc-portal", attributes: JSONText(#"{"service_account":true}"#)))
        XCTAssertThrowsError(try signIn(source(.usernameLink, enrollment: false), svc)) {
            XCTAssertEqual($0 as? FederationError, .usernameTaken)
        }
        XCTAssertEqual(connections.count, 0)
    }

    func testUnverifiedUpstreamAddressIsRecordedAsUnverified() throws {
        var unverified = identity()
        unverified.emailVerified = false
        let user = try signIn(source(.identifier), unverified)
        XCTAssertTrue(user.attributes.text.contains("\"email_verified\":false"), user.attributes.text)
    }

    func testEmailLinkConnectsTheExistingAccount() throws {
        let local = try users.createUser(NewUser(username: "somchai", email: "Somchai@contoso.test"))
        let user = try signIn(source(.emailLink), identity())
        XCTAssertEqual(user.id, local.id)
        XCTAssertEqual(try connections.connectedUser(source: "entra", identifier: "oid-1"), local.id)
        // An unverified address never takes over an account: a new one would be made instead,
        // and here its username is taken, so nothing at all.
        var unverified = identity()
        unverified.identifier = "oid-2"
        unverified.emailVerified = false
        unverified.username = "somchai"
        XCTAssertThrowsError(try signIn(source(.emailLink), unverified)) { XCTAssertEqual($0 as? FederationError, .usernameTaken) }
    }

    func testDenyModesAndEnrollmentOffCreateNothing() throws {
        _ = try users.createUser(NewUser(username: "somchai@contoso.test", email: "somchai@contoso.test"))
        for (mode, expected) in [(UserMatchingMode.emailDeny, FederationError.emailTaken), (.usernameDeny, .usernameTaken)] {
            XCTAssertThrowsError(try signIn(source(mode), identity(groups: [UpstreamGroup(id: "g", name: "G")]))) {
                XCTAssertEqual($0 as? FederationError, expected)
            }
        }
        var stranger = identity(groups: [UpstreamGroup(id: "g", name: "G")])
        stranger.identifier = "oid-9"
        stranger.username = "nobody@contoso.test"
        stranger.email = "nobody@contoso.test"
        XCTAssertThrowsError(try signIn(source(.identifier, enrollment: false), stranger)) {
            XCTAssertEqual($0 as? FederationError, .enrollmentDisabled)
        }
        XCTAssertEqual(users.count, 1)
        XCTAssertEqual(connections.count, 0)
        XCTAssertEqual(groups.groups.withLock { $0.count }, 0)
    }

    func testUsernameLinkAndDeactivatedAccount() throws {
        let local = try users.createUser(NewUser(username: "somchai@contoso.test"))
        try users.deactivateUser(local.id, at: Timestamp(secondsSince1970: 0))
        XCTAssertThrowsError(try signIn(source(.usernameLink), identity())) { XCTAssertEqual($0 as? FederationError, .userInactive) }
        XCTAssertEqual(connections.count, 0)
    }

    func testGroupSyncCreatesLinksByUpstreamIDAndRemovesStaleMemberships() throws {
        _ = try groups.createGroup(NewGroup(name: "Finance"))   // a local group of the same name
        let user = try signIn(source(.identifier), identity(groups: [UpstreamGroup(id: "g-1", name: "Finance"),
                                                                     UpstreamGroup(id: "g-2", name: "AR Clerks")]))
        XCTAssertEqual(groups.groupNames(of: user.id), ["AR Clerks", "Finance (entra)"])
        // Renamed upstream, still the same group; g-2 dropped.
        _ = try signIn(source(.identifier), identity(groups: [UpstreamGroup(id: "g-1", name: "Finance Team")]))
        XCTAssertEqual(groups.groupNames(of: user.id), ["Finance (entra)"])
        // Unknown groups (overage without Graph): memberships stay.
        _ = try signIn(source(.identifier), identity(groups: nil))
        XCTAssertEqual(groups.groupNames(of: user.id), ["Finance (entra)"])
        XCTAssertEqual(groups.groups.withLock { $0.count }, 3)
    }

    /// Security round 2, findings 4 and 8: a name clash never fails the sign-in, and upstream
    /// names are normalised like SCIM's (look-alikes folded, invisible or mixed-script ones skipped).
    func testGroupNameClashesAndLookAlikesNeverFailTheSignIn() throws {
        _ = try groups.createGroup(NewGroup(name: "it"))
        _ = try groups.createGroup(NewGroup(name: "it (entra)"))   // squatted by another upstream group
        let user = try signIn(source(.identifier), identity(groups: [
            UpstreamGroup(id: "g-real-it", name: "it"), UpstreamGroup(id: "g-wide", name: "ｆｉｎａｎｃｅ"),
            UpstreamGroup(id: "g-zw", name: "admins\u{200B}"), UpstreamGroup(id: "g-cyr", name: "fin\u{0430}nce"),
            UpstreamGroup(id: "g-bidi", name: "\u{202E}ecnanif"),
        ]))
        // A trailing zero-width space is trimmed away ("admins"); one inside a name, or mixed scripts, refuse it.
        XCTAssertEqual(groups.groupNames(of: user.id), ["admins", "finance", "it (entra grealit)"])
    }
}

/// attribute_mapping and group_mapping (CEL subset) before anything is written.
final class IdentityMappingTests: XCTestCase {
    func testMappingsSetAttributesAndChooseGroups() throws {
        var config = OAuthSourceConfig(slug: "entra", name: "E", providerType: .entraID, clientID: "c", clientSecret: "s",
                                       groupSync: true)
        config.attributeMapping = #"{"department": upstream.dept, "tenant": profile.tenant, "mfa": "mfa" in profile.amr}"#
        config.groupMapping = #"profile.groups.filter(g, g.startsWith("GH-")) + ["Staff"]"#
        let identity = UpstreamIdentity(
            identifier: "oid", username: "u@x", email: "u@x", emailVerified: true, name: "U",
            groups: [UpstreamGroup(id: "g1", name: "GH-Finance"), UpstreamGroup(id: "g2", name: "Other")], amr: ["mfa"],
            tenant: "t1", claimsJSON: #"{"dept":"AR","sub":"x"}"#)
        let mapped = try IdentityMapping.apply(config, to: identity)
        XCTAssertEqual(mapped.groups, [UpstreamGroup(id: "g1", name: "GH-Finance"), UpstreamGroup(id: "Staff", name: "Staff")])

        let users = FakeUserStore(), groups = FakeGroupStore()
        let linker = AccountLinker(users: users, groups: groups, connections: FakeConnections(groups: groups))
        let user = try linker.apply(try linker.decide(mapped, source: config), mapped, source: config)
        let attributes = try JSONSerialization.jsonObject(with: Data(user.attributes.text.utf8)) as? [String: Any]
        XCTAssertEqual(attributes?["department"] as? String, "AR")
        XCTAssertEqual(attributes?["tenant"] as? String, "t1")
        XCTAssertEqual(attributes?["mfa"] as? Bool, true)
        XCTAssertEqual(attributes?["source"] as? String, "entra")
        XCTAssertEqual(groups.groupNames(of: user.id), ["GH-Finance", "Staff"])

        // A mapping of the wrong type refuses the sign-in (nothing is written by then).
        config.attributeMapping = #"["not", "a", "map"]"#
        XCTAssertThrowsError(try IdentityMapping.apply(config, to: identity)) {
            guard case .mappingFailed = $0 as? FederationError else { return XCTFail("\($0)") }
        }
    }
}
