import XCTest
import Dispatch
import App
import Postgres
import Store

/// `PostgresBlueprintStore` and the records of one apply, on a scratch database: what the
/// blueprint writer relies on besides the user, group and event stores. (Applying whole
/// blueprints is `BlueprintApplyTests`, `OAuthBlueprintTests` and `SourceBlueprintTests`.)
final class PostgresBlueprintStoreTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var store: PostgresBlueprintStore!

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        store = PostgresBlueprintStore(pool: pool)
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    func apply<T>(_ body: (any BlueprintRecords) throws -> T) throws -> T { try store.withBlueprintLock(body) }

    func count(_ table: String) throws -> Int {
        // Table names come from the test's own literals.
        try pool.withConnection { Int(try $0.query("SELECT count(*) FROM \(table)").scalar ?? "") ?? -1 }
    }

    func testAFailingApplyWritesNothingAndASavepointUndoesOnlyItsPart() throws {
        struct Stop: Error {}
        XCTAssertThrowsError(try apply { records in
            _ = try records.groups.createGroup(NewGroup(name: "kept-for-a-moment"))
            throw Stop()
        }) { XCTAssertTrue($0 is Stop, "the caller's error comes back as it was") }
        XCTAssertEqual(try count("groups"), 0)

        try apply { records in
            _ = try records.groups.createGroup(NewGroup(name: "outer"))
            XCTAssertThrowsError(try records.savepoint {
                _ = try records.groups.createGroup(NewGroup(name: "inner"))
                throw Stop()
            }) { XCTAssertTrue($0 is Stop) }
            XCTAssertNil(try records.groups.group(name: "inner"), "reads see the savepoint undone")
        }
        XCTAssertEqual(try count("groups"), 1)
    }

    func testAppliesTakeTurns() throws {
        // Each apply makes the group only when it is missing: with the lock exactly one does.
        let made = Locked(0)
        let url = scratch.url
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let created = try? PostgresBlueprintStore(url: url).withBlueprintLock { records -> Bool in
                guard try records.groups.group(name: "once") == nil else { return false }
                _ = try records.groups.createGroup(NewGroup(name: "once"))
                return true
            }
            if created == true { made.withLock { $0 += 1 } }
        }
        XCTAssertEqual(made.withLock { $0 }, 1)
        XCTAssertEqual(try count("groups"), 1)
    }

    func testDirectoryRecords() throws {
        try apply { records in
            let user = try records.users.createUser(NewUser(username: "Somchai"))
            let finance = try records.groups.createGroup(NewGroup(name: "finance"))
            let audit = try records.groups.createGroup(NewGroup(name: "audit"))
            try records.groups.addMember(user.id, to: finance.id)
            try records.groups.addMember(user.id, to: audit.id)
            XCTAssertEqual(try records.directory.directGroupNames(ofUser: user.id), ["audit", "finance"])

            let app = try records.applications.createApplication(slug: "ar", name: "AR", providerID: nil, launchURL: nil)
            try records.applications.addGroup(finance.id, toApplication: app)
            XCTAssertThrowsError(try records.savepoint { try records.directory.deleteGroup(named: "finance") }) {
                guard case .invalid(let why) = $0 as? StoreError else { return XCTFail("\($0)") }
                XCTAssertTrue(why.contains("still limits who may use an application"), why)
            }
            try records.directory.deleteGroup(named: "audit")
            XCTAssertThrowsError(try records.directory.deleteGroup(named: "audit")) { XCTAssertEqual($0 as? StoreError, .notFound("group")) }
            try records.directory.deleteUser(username: "SOMCHAI")
            XCTAssertThrowsError(try records.directory.deleteUser(username: "somchai")) { XCTAssertEqual($0 as? StoreError, .notFound("user")) }
        }
    }

    func testScopeMappingsAndProviders() throws {
        try apply { records in
            let mappings = records.scopeMappings
            try mappings.createScopeMapping(OAuthScopeMapping(name: "erp", scopeName: "erp", description: "", expression: "{}"))
            try mappings.updateScopeMapping(named: "erp", scopeName: nil, description: "ERP roles", expression: nil)
            XCTAssertEqual(try mappings.scopeMapping(named: "erp"),
                           OAuthScopeMapping(name: "erp", scopeName: "erp", description: "ERP roles", expression: "{}"))
            XCTAssertThrowsError(try mappings.updateScopeMapping(named: "nope", scopeName: "x", description: nil, expression: nil)) {
                XCTAssertEqual($0 as? StoreError, .notFound("scope-mapping nope"))
            }
            XCTAssertTrue(try mappings.deleteScopeMapping(named: "erp"))
            XCTAssertFalse(try mappings.deleteScopeMapping(named: "erp"))

            let providers = records.oauthProviders
            let id = try providers.newProviderID()
            let provider = StoredOAuthProvider(id: id, name: "ar", clientID: "ar-client", config: JSONText(#"{"a": 1}"#),
                                               sealedClientSecret: "sealed-1")
            try providers.createProvider(provider)
            XCTAssertEqual(try providers.provider(named: "ar"), provider)
            XCTAssertEqual(try providers.providerName(usingClientID: "ar-client", except: "other"), "ar")
            XCTAssertNil(try providers.providerName(usingClientID: "ar-client", except: "ar"))
            try providers.updateProvider(id: id, clientID: "ar-2", config: JSONText(#"{"b": 2}"#))
            try providers.setClientSecret(providerID: id, sealed: "sealed-2")
            XCTAssertEqual(try providers.provider(named: "ar"),
                           StoredOAuthProvider(id: id, name: "ar", clientID: "ar-2", config: JSONText(#"{"b": 2}"#),
                                               sealedClientSecret: "sealed-2"))
            try providers.setClientSecret(providerID: id, sealed: nil)
            XCTAssertNil(try providers.provider(named: "ar")?.sealedClientSecret)
        }
    }

    func testDeletingAProviderRevokesItsTokensAndKeepsItsApplication() throws {
        try apply { records in
            let id = try records.oauthProviders.newProviderID()
            try records.oauthProviders.createProvider(StoredOAuthProvider(id: id, name: "ar", clientID: "ar", config: .emptyObject,
                                                                          sealedClientSecret: nil))
            _ = try records.applications.createApplication(slug: "ar", name: "AR", providerID: id, launchURL: nil)
        }
        let user = try PostgresUserStore(pool: pool).createUser(NewUser(username: "somchai"))
        let now = Timestamp.now()
        try PostgresOAuthGrantStore(pool: pool).storeRefreshToken(OAuthRefreshToken(
            tokenHash: [UInt8](repeating: 1, count: 32), grantID: UUID().uuidString.lowercased(), clientID: "ar", userID: user.id,
            scopes: ["openid"], authTime: now, authMethods: ["pwd"], acr: nil, sessionID: nil, expiresAt: now.adding(seconds: 600)))
        try apply { records in
            try records.oauthProviders.deleteProvider(named: "ar")
            try records.oauthProviders.deleteProvider(named: "ar")  // none left: nothing to do
            XCTAssertNil(try records.oauthProviders.provider(named: "ar"))
            XCTAssertNil(try records.applications.application(slug: "ar")?.providerName)
        }
        XCTAssertNil(try PostgresOAuthGrantStore(pool: pool).refreshToken(hash: [UInt8](repeating: 1, count: 32), at: now))
    }

    func testApplicationsAndTheirPolicies() throws {
        try apply { records in
            let applications = records.applications, policies = records.policies
            let providerID = try records.oauthProviders.newProviderID()
            try records.oauthProviders.createProvider(StoredOAuthProvider(id: providerID, name: "p", clientID: "p",
                                                                          config: .emptyObject, sealedClientSecret: nil))
            let id = try applications.createApplication(slug: "ar", name: "AR", providerID: providerID, launchURL: "https://ar/")
            XCTAssertEqual(try applications.applicationSlug(servedBy: providerID, except: "other"), "ar")
            XCTAssertNil(try applications.applicationSlug(servedBy: providerID, except: "ar"))
            try applications.updateApplication(id: id, name: "A/R", launchURL: nil)
            try applications.mergeMeta(ofApplication: id, JSONText(#"{"sensitive": true}"#))
            try applications.mergeMeta(ofApplication: id, JSONText(#"{"mfa_window": "hours=1"}"#))
            XCTAssertEqual(try applications.application(slug: "ar"),
                           StoredApplication(id: id, slug: "ar", name: "A/R", providerName: "p", launchURL: "https://ar/",
                                             meta: JSONText(#"{"sensitive": true, "mfa_window": "hours=1"}"#)))

            try policies.createPolicy(StoredPolicy(name: "office", kind: "source_ip", config: JSONText(#"{"cidrs": []}"#)))
            try policies.createPolicy(StoredPolicy(name: "staff", kind: "group", config: .emptyObject))
            try policies.updatePolicy(StoredPolicy(name: "staff", kind: "expression", config: JSONText(#"{"expression": "true"}"#)))
            XCTAssertEqual(try policies.policy(named: "staff"),
                           StoredPolicy(name: "staff", kind: "expression", config: JSONText(#"{"expression": "true"}"#)))
            try applications.addPolicyBinding(StoredPolicyBinding(policyName: "staff", negate: true, failureResult: false),
                                              toApplication: id, position: 1)
            try applications.addPolicyBinding(StoredPolicyBinding(policyName: "office", negate: false, failureResult: true),
                                              toApplication: id, position: 0)
            XCTAssertThrowsError(try records.savepoint {
                try applications.addPolicyBinding(StoredPolicyBinding(policyName: "nope", negate: false, failureResult: false),
                                                  toApplication: id, position: 2)
            }) { XCTAssertEqual($0 as? StoreError, .notFound("policy nope")) }
            XCTAssertEqual(try applications.policyBindings(ofApplication: id).map(\.policyName), ["office", "staff"], "by position")
            XCTAssertEqual(try policies.applicationSlugs(binding: "staff"), ["ar"])

            try applications.removePolicyBindings(ofApplication: id)
            XCTAssertEqual(try applications.policyBindings(ofApplication: id), [])
            try applications.addPolicyBinding(StoredPolicyBinding(policyName: "staff", negate: false, failureResult: false),
                                              toApplication: id, position: 0)
            XCTAssertTrue(try applications.deleteApplication(slug: "ar"))
            XCTAssertFalse(try applications.deleteApplication(slug: "ar"))
            XCTAssertEqual(try policies.applicationSlugs(binding: "staff"), [], "its bindings went with it")
            XCTAssertTrue(try policies.deletePolicy(named: "staff"))
            XCTAssertFalse(try policies.deletePolicy(named: "staff"))
        }
        XCTAssertEqual(try count("policy_bindings"), 0)
    }

    func testSources() throws {
        try apply { records in
            let scim = records.scimSources
            try scim.createSCIMSource(StoredSCIMSource(slug: "entra", name: "Entra", purgeOnDelete: false, tokenSHA256: nil))
            XCTAssertEqual(try scim.scimSource(slug: "entra"),
                           StoredSCIMSource(slug: "entra", name: "Entra", purgeOnDelete: false, tokenSHA256: nil))
            try scim.updateSCIMSource(slug: "entra", name: nil, purgeOnDelete: true, tokenSHA256: "ab12")
            XCTAssertEqual(try scim.scimSource(slug: "entra"),
                           StoredSCIMSource(slug: "entra", name: "Entra", purgeOnDelete: true, tokenSHA256: "ab12"))
            XCTAssertNil(try records.oauthSources.oauthSource(slug: "entra"), "a SCIM source is not an OAuth source")

            let oauth = records.oauthSources
            let id = try oauth.newSourceID()
            let source = StoredOAuthSource(id: id, slug: "google", name: "Google", enabled: true,
                                           config: JSONText(#"{"provider_type": "google"}"#), sealedClientSecret: "sealed-1")
            try oauth.createOAuthSource(source)
            XCTAssertEqual(try oauth.oauthSource(slug: "google"), source)
            try oauth.updateOAuthSource(id: id, name: "Google Workspace", enabled: false, config: .emptyObject)
            try oauth.setClientSecret(sourceID: id, sealed: "sealed-2")
            XCTAssertEqual(try oauth.oauthSource(slug: "google"),
                           StoredOAuthSource(id: id, slug: "google", name: "Google Workspace", enabled: false, config: .emptyObject,
                                             sealedClientSecret: "sealed-2"))
            XCTAssertNil(try scim.scimSource(slug: "google"))
            XCTAssertTrue(try oauth.deleteOAuthSource(slug: "google"))
            XCTAssertFalse(try oauth.deleteOAuthSource(slug: "entra"), "not of its kind")
            XCTAssertTrue(try scim.deleteSCIMSource(slug: "entra"))
            XCTAssertFalse(try scim.deleteSCIMSource(slug: "entra"))
        }
    }
}
