import XCTest
import Postgres
import Store

/// `PostgresOAuthSourceStore` on a scratch database: the sources the sign-in page offers.
final class PostgresOAuthSourceStoreTests: XCTestCase {
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

    func testEnabledOAuthSourcesOnly() throws {
        try sql("""
            INSERT INTO sources (slug, name, kind, config, secrets, enabled) VALUES
              ('okta', 'Okta', 'oauth', '{"provider_type": "okta"}', '{"client_secret": "sealed"}', true),
              ('entra', 'Entra', 'oauth', '{}', '{}', true),
              ('off', 'Off', 'oauth', '{}', '{}', false),
              ('scim', 'SCIM', 'scim', '{}', '{}', true)
            """)
        let sources = try PostgresOAuthSourceStore(pool: pool).enabledOAuthSources()
        XCTAssertEqual(sources.map(\.slug), ["entra", "okta"], "by slug")
        XCTAssertEqual(sources[1].config, JSONText(#"{"provider_type": "okta"}"#))
        XCTAssertEqual(sources[1].sealedClientSecret, "sealed")
        XCTAssertNil(sources[0].sealedClientSecret)
        XCTAssertTrue(sources.allSatisfy(\.enabled))
    }
}
