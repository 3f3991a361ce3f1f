import XCTest
import Foundation
import App
import Postgres
import Store

/// What the OAuth client directory reads, on a scratch database: `PostgresOAuthProviderStore`
/// and the `PGConfigurationChangeFeed` that tells it to read again.
final class PostgresOAuthProviderStoreTests: XCTestCase {
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

    @discardableResult
    func sql(_ statement: String, _ params: [PGValue?] = []) throws -> PGResult {
        try pool.withConnection { try $0.query(statement, params) }
    }

    func testTheCatalogHoldsEveryClientWithItsApplicationAndAllMappings() throws {
        try sql("INSERT INTO groups (name) VALUES ('finance'), ('audit')")
        let ar = try XCTUnwrap(try sql("""
            INSERT INTO providers (name, kind, client_id, config, secrets)
            VALUES ('ar', 'oauth2', 'ar-client', '{"scopes": ["openid"]}', '{"client_secret": "sealed"}') RETURNING id::text
            """).scalar)
        let bare = try XCTUnwrap(try sql("INSERT INTO providers (name, kind, client_id) VALUES ('bare', 'oauth2', 'bare') RETURNING id::text").scalar)
        try sql("INSERT INTO providers (name, kind) VALUES ('no-client', 'oauth2')")
        try sql("INSERT INTO providers (name, kind, client_id) VALUES ('saml', 'saml', 'x')")
        let app = try XCTUnwrap(try sql("""
            INSERT INTO applications (slug, name, provider_id, launch_url) VALUES ('ar', 'A/R', $1, 'https://ar/') RETURNING id::text
            """, [.uuid(ar)]).scalar)
        try sql("INSERT INTO application_groups (application_id, group_id) SELECT $1, id FROM groups", [.uuid(app)])
        try sql("INSERT INTO scope_mappings (name, scope_name, expression) VALUES ('z', 'erp', '{}'), ('a', 'hr', '{}')")

        let catalog = try PostgresOAuthProviderStore(pool: pool).oauthProviderCatalog()
        let entries = catalog.entries.sorted { $0.provider.name < $1.provider.name }
        XCTAssertEqual(entries.map(\.provider), [
            StoredOAuthProvider(id: ar, name: "ar", clientID: "ar-client", config: JSONText(#"{"scopes": ["openid"]}"#),
                                sealedClientSecret: "sealed"),
            StoredOAuthProvider(id: bare, name: "bare", clientID: "bare", config: .emptyObject, sealedClientSecret: nil),
        ], "only oauth2 providers that have a client id")
        XCTAssertEqual(entries[0].application,
                       OAuthApplication(slug: "ar", name: "A/R", launchURL: "https://ar/", groups: ["audit", "finance"]))
        XCTAssertNil(entries[1].application)
        XCTAssertEqual(catalog.scopeMappings.map(\.name), ["a", "z"])
    }

    func testTheFeedReportsChangesAndReconnects() throws {
        let seen = Locked([ConfigurationChange]())
        let feed = PGConfigurationChangeFeed(url: scratch.url)
        feed.start { change in seen.withLock { $0.append(change) } }
        defer { feed.stop() }
        try waitUntil("listening") { seen.withLock { $0.contains(.listening) } }
        try sql("INSERT INTO scope_mappings (name, scope_name, expression) VALUES ('m', 'erp', '{}')")
        try waitUntil("the change is reported") { seen.withLock { $0.contains(.changed) } }

        try sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gatehouse-listener' AND datname = current_database()")
        try waitUntil("lost and listening again") {
            seen.withLock { changes in
                guard let lost = changes.firstIndex(where: { if case .lost = $0 { true } else { false } }) else { return false }
                return changes[lost...].contains(.listening)
            }
        }
        feed.stop()
        let count = seen.withLock { $0.count }
        // stop() returns once the listening thread has ended: nothing can be reported after it.
        try sql("UPDATE scope_mappings SET description = 'after stop'")
        XCTAssertEqual(seen.withLock { $0.count }, count)
    }

    func waitUntil(_ what: String, within seconds: Double = 10, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTFail("not within \(seconds) s: \(what)")
    }
}
