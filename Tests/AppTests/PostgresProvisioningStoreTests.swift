import Postgres
import ProvisioningStoreConformance
import Store
import XCTest

/// The provisioning store conformance suite on PostgreSQL, on a scratch database of its own
/// per test (skipped without GATEHOUSE_TEST_DATABASE_URL). SCIMTests runs the same suite on
/// the in-memory store.
final class PostgresProvisioningStoreTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    var conformance: ProvisioningStoreConformance {
        ProvisioningStoreConformance(store: PostgresProvisioningStore(pool: pool), fixtures: PostgresProvisioningFixtures(pool: pool))
    }

    func testSourcesAndTokens() throws { try conformance.sourcesAndTokens() }
    func testUsersCreateReadAndConflict() throws { try conformance.usersCreateReadAndConflict() }
    func testUserListingsNarrowAndPage() throws { try conformance.userListingsNarrowAndPage() }
    func testUserUpdatesLockRefuseAndDeactivate() throws { try conformance.userUpdatesLockRefuseAndDeactivate() }
    func testUserDeletionKeepsOrPurges() throws { try conformance.userDeletionKeepsOrPurges() }
    func testUserFoundByExternalIDWithinItsSource() throws { try conformance.userFoundByExternalIDWithinItsSource() }
    func testGroupsMembersAndNesting() throws { try conformance.groupsMembersAndNesting() }
    func testGroupUpdatesAndDeletion() throws { try conformance.groupUpdatesAndDeletion() }

    func source(_ slug: String) throws -> ProvisioningSource {
        try PostgresProvisioningFixtures(pool: pool).addSource(slug: slug, tokenSHA256: nil, purgeOnDelete: false, enabled: true)
        return try XCTUnwrap(PostgresProvisioningStore(pool: pool).source(slug: slug))
    }

    /// Security round 2, finding 10: a group an application admits by is not deleted under it
    /// (the application would open to everyone); the refusal names the application.
    func testAGroupAnApplicationUsesIsNotDeleted() throws {
        let store = PostgresProvisioningStore(pool: pool), entra = try source("entra")
        let group = try store.createGroup(ProvisionedGroupFields(name: "payroll-admins", externalID: nil, members: []), in: entra,
                                          audit: ProvisioningAudit(action: "test.group.create", details: JSONText("{}")))
        try pool.withConnection { connection in
            let app = try connection.query("INSERT INTO applications (slug, name) VALUES ('payroll', 'Payroll') RETURNING id::text").scalar!
            try connection.query("INSERT INTO application_groups (application_id, group_id) VALUES ($1, $2)",
                                 [.uuid(app), .uuid(group.id.rawValue)])
        }
        XCTAssertThrowsError(try store.deleteGroup(group.id, in: entra, audit: ProvisioningAudit(action: "x", details: JSONText("{}")))) {
            guard case .invalid(let why)? = $0 as? StoreError else { return XCTFail("\($0)") }
            XCTAssertTrue(why.contains("payroll"), why)
        }
        XCTAssertNotNil(try store.group(group.id, in: entra), "still there")
    }

    /// Security round 2, finding 7: a deleted account's upstream links go, so the person
    /// provisioned again lands in the new account.
    func testDeletingAUserDropsItsUpstreamLinks() throws {
        let store = PostgresProvisioningStore(pool: pool), entra = try source("entra")
        let fields = ProvisionedUserFields(username: "rexa", email: nil, name: "", isActive: true, externalID: "oid-rexa",
                                           document: JSONText(#"{"userName":"rexa"}"#))
        let user = try store.createUser(fields, in: entra, audit: ProvisioningAudit(action: "test", details: JSONText("{}")))
        try pool.withConnection { try $0.query("INSERT INTO sources (slug, name, kind) VALUES ('entra-signin', 'Entra ID', 'oauth')") }
        try PostgresSourceConnectionStore(pool: pool).connect(source: "entra-signin", identifier: "oid-rexa", user: user.id)
        try store.deleteUser(user.id, in: entra) { _ in ProvisioningAudit(action: "test.delete", details: JSONText("{}")) }
        XCTAssertNil(try PostgresSourceConnectionStore(pool: pool).connectedUser(source: "entra-signin", identifier: "oid-rexa"))
        let again = try store.createUser(fields, in: entra, audit: ProvisioningAudit(action: "test", details: JSONText("{}")))
        XCTAssertEqual(try store.user(externalID: "oid-rexa", provisionedBy: "entra"), again.id)
    }
}

/// The fixtures over the tables the stores use: sources as blueprints write them, sessions and
/// refresh tokens as the login and OAuth stores do.
struct PostgresProvisioningFixtures: ProvisioningFixtures {
    let pool: PGPool

    func addSource(slug: String, tokenSHA256: [UInt8]?, purgeOnDelete: Bool, enabled: Bool) throws {
        try pool.withConnection { connection in
            try connection.query("""
                INSERT INTO sources (slug, name, kind, enabled, config, secrets)
                VALUES ($1, $1, 'scim', $2, jsonb_build_object('purge_on_delete', $3::boolean),
                        CASE WHEN $4::text IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('token_sha256', $4::text) END)
                """, [.text(slug), .bool(enabled), .bool(purgeOnDelete), tokenSHA256.map { .text(Self.hex($0)) }])
        }
    }

    func addLocalAccount(username: String, email: String?) throws -> UserID {
        try PostgresUserStore(pool: pool).createUser(NewUser(username: username, email: email)).id
    }

    func addSessionAndToken(for user: UserID) throws {
        let now = Timestamp.now()
        try PostgresSessionStore(pool: pool).createSession(Session(
            idHash: (0..<32).map { _ in UInt8.random(in: 0...255) }, userID: user, createdAt: now, lastSeenAt: now,
            expiresAt: now.adding(seconds: 3600), idleTimeoutSeconds: 3600))
        try pool.withConnection { connection in
            try connection.query("""
                INSERT INTO tokens (kind, token_hash, user_id, expires_at) VALUES ('refresh', $1, $2, now() + interval '1 hour')
                """, [.bytea((0..<32).map { _ in UInt8.random(in: 0...255) }), .uuid(user.rawValue)])
        }
    }

    func liveSessionsAndTokens(of user: UserID) throws -> (sessions: Int, tokens: Int) {
        try pool.read { connection in
            let sessions = try connection.query("SELECT count(*) FROM sessions WHERE user_id = $1", [.uuid(user.rawValue)]).scalar
            let tokens = try connection.query("SELECT count(*) FROM tokens WHERE user_id = $1 AND revoked_at IS NULL",
                                              [.uuid(user.rawValue)]).scalar
            return (Int(sessions ?? "") ?? -1, Int(tokens ?? "") ?? -1)
        }
    }

    func account(_ id: UserID) throws -> User? { try PostgresUserStore(pool: pool).user(id: id) }

    func parent(of group: GroupID) throws -> GroupID? { try PostgresGroupStore(pool: pool).group(id: group)?.parentID }

    func auditTrail() throws -> [AuditEvent] { try PostgresEventStore(pool: pool).recentEvents(limit: 10_000).reversed() }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
