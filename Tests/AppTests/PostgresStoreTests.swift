import XCTest
@testable import App
import Postgres
import Store

/// The store conformance suite and PostgreSQL-only guarantees, on a scratch database of its
/// own per test (skipped without GATEHOUSE_TEST_DATABASE_URL).
final class PostgresStoreTests: XCTestCase {
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

    var conformance: StoreConformance {
        StoreConformance(users: PostgresUserStore(pool: pool), groups: PostgresGroupStore(pool: pool),
                         sessions: PostgresSessionStore(pool: pool), events: PostgresEventStore(pool: pool))
    }

    func testUsers() throws { try conformance.usersCreateFindAndConflict() }
    func testNestedGroups() throws { try conformance.nestedGroupMembership() }
    func testSessions() throws { try conformance.sessionLifetimes() }
    func testPreLoginSessionsAreBounded() throws { try conformance.preLoginSessionsAreBoundedPerAddress() }
    func testEvents() throws { try conformance.eventsAppendAndList() }

    func testMigrationsCreateTheTablesAndRerunIsANoOp() throws {
        try pool.withConnection { connection in
            XCTAssertEqual(try Migrator().migrate(on: connection), [], "already migrated in setUp")
            let status = try Migrator().status(on: connection)
            XCTAssertEqual(status.databaseVersion, 11)
            XCTAssertEqual(status.applied.map(\.name), ["meta", "core tables", "login failures", "oauth provider", "scim", "mfa",
                                                       "policy change notices", "one identifier, one account", "oauth subjects",
                                                       "scim external ids", "saml"])
            let tables = ["users", "groups", "group_memberships", "sessions", "tokens", "signing_keys", "applications",
                          "providers", "sources", "source_connections", "flows", "stages", "flow_stage_bindings",
                          "policies", "policy_bindings", "events", "login_failures", "scope_mappings",
                          "application_groups", "oauth_consents", "oauth_revocations", "scim_resources",
                          "saml_request_ids", "saml_session_participants"]
            for table in tables {
                XCTAssertEqual(try connection.query("SELECT to_regclass($1) IS NOT NULL", [.text(table)]).scalar, "t", table)
            }
        }
    }

    func testEventsAreAppendOnly() throws {
        let event = try PostgresEventStore(pool: pool).appendEvent(NewAuditEvent(action: "login", outcome: "success"))
        try pool.withConnection { connection in
            for statement in ["UPDATE events SET outcome = 'failure' WHERE id = $1", "DELETE FROM events WHERE id = $1"] {
                XCTAssertThrowsError(try connection.query(statement, [.int(Int(event.id))]), statement) { error in
                    XCTAssertEqual((error as? PGError)?.sqlState, "42501", "\(error)")
                }
            }
            XCTAssertThrowsError(try connection.query("TRUNCATE events"))
            XCTAssertEqual(try connection.query("SELECT outcome FROM events WHERE id = $1", [.int(Int(event.id))]).scalar,
                           "success")
        }
        // Deleting a user keeps the events that name them.
        let users = PostgresUserStore(pool: pool)
        let user = try users.createUser(NewUser(username: "leaver"))
        try PostgresEventStore(pool: pool).appendEvent(NewAuditEvent(actorUserID: user.id, action: "logout", outcome: "success"))
        try pool.withConnection { try $0.query("DELETE FROM users WHERE id = $1", [.uuid(user.id.rawValue)]) }
        XCTAssertEqual(try PostgresEventStore(pool: pool).recentEvents(limit: 1).first?.actorUserID, user.id)
    }

    /// Even a session that survived deactivation (written by a node that had not yet seen it)
    /// is refused while its user is inactive: the lookup itself checks the user.
    func testSessionOfInactiveUserIsNotReturned() throws {
        let user = try PostgresUserStore(pool: pool).createUser(NewUser(username: "sleeper"))
        let sessions = PostgresSessionStore(pool: pool)
        let now = Timestamp.now()
        let session = Session(idHash: [UInt8](repeating: 7, count: 32), userID: user.id, createdAt: now, lastSeenAt: now,
                              expiresAt: now.adding(seconds: 60), idleTimeoutSeconds: 60)
        try sessions.createSession(session)
        XCTAssertNotNil(try sessions.session(idHash: session.idHash, at: now))
        try pool.withConnection { try $0.query("UPDATE users SET is_active = false WHERE id = $1", [.uuid(user.id.rawValue)]) }
        XCTAssertNil(try sessions.session(idHash: session.idHash, at: now))
        try pool.withConnection { try $0.query("UPDATE users SET is_active = true WHERE id = $1", [.uuid(user.id.rawValue)]) }
        XCTAssertNotNil(try sessions.session(idHash: session.idHash, at: now))
    }

    func testSessionHashMustBeSHA256Sized() throws {
        let now = Timestamp.now()
        let session = Session(idHash: [1, 2, 3], userID: nil, createdAt: now, lastSeenAt: now,
                              expiresAt: now.adding(seconds: 60), idleTimeoutSeconds: 60)
        XCTAssertThrowsError(try PostgresSessionStore(pool: pool).createSession(session)) { error in
            guard case .invalid = error as? StoreError else { return XCTFail("\(error)") }
        }
    }
}

/// Migration 8 on a database that already holds accounts sharing an address (written before
/// the rule): it applies, the old pair stays readable and editable, and new clashes are refused.
final class IdentifierMigrationTests: XCTestCase {
    func testSharedAddressesFromBeforeTheRuleDoNotBlockTheMigrationOrOtherChanges() throws {
        let scratch = try ScratchDatabase()
        defer { scratch.drop() }
        let pool = PGPool(url: scratch.url)
        defer { pool.close() }
        try pool.withConnection { connection in
            _ = try Migrator(migrations: Array(GatehouseMigrations.all.prefix(7))).migrate(on: connection)
            try connection.query("INSERT INTO users (username, email) VALUES ('a', 'shared@example.com'), ('b', 'SHARED@example.com')")
            try connection.query("INSERT INTO users (username, email) VALUES ('gone~deleted~1', 'mine@example.com')")
            XCTAssertEqual(try Migrator().migrate(on: connection).map(\.version).first, 8)
            XCTAssertNil(try connection.query("SELECT email FROM users WHERE username = 'gone~deleted~1'").scalar,
                         "a SCIM-deleted account gives its address up")
        }
        let users = PostgresUserStore(pool: pool)
        var b = try XCTUnwrap(users.user(username: "b"))
        b.name = "Bee"
        XCTAssertEqual(try users.updateUser(b).name, "Bee", "an unrelated change of a legacy pair is allowed")
        XCTAssertThrowsError(try users.createUser(NewUser(username: "c", email: "shared@EXAMPLE.com")))
        XCTAssertNoThrow(try users.createUser(NewUser(username: "d", email: "mine@example.com")))
    }
}
