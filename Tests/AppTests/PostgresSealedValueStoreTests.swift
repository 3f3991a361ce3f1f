import XCTest
import Postgres
import Store

/// `PostgresSealedValueStore` on a scratch database: batches in primary-key order, rows without
/// sealed values, replacing in place. (What is sealed here is plain text: the store never opens.)
final class PostgresSealedValueStoreTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var store: PostgresSealedValueStore!

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        store = PostgresSealedValueStore(pool: pool)
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    @discardableResult
    func sql(_ statement: String, _ params: [PGValue?] = []) throws -> PGResult {
        try pool.withConnection { try $0.query(statement, params) }
    }

    /// Every batch of `location`, `limit` rows each, as `[[rowID/field=value]]`, the last empty.
    func batches(_ location: SealedLocation, limit: Int) throws -> [[String]] {
        var all: [[String]] = []
        var after: String?
        while let last = try store.withBatch(of: location, after: after, limit: limit, lock: true, { values, _ in
            all.append(values.map { "\($0.rowID)/\($0.field ?? "-")=\($0.sealed)" })
        }) {
            after = last
        }
        return all
    }

    func testJSONObjectsAreReadByKeyAndRowsWithoutStringsStillCount() throws {
        let ids = try ["a", "b", "c"].map { slug in
            try XCTUnwrap(try sql("INSERT INTO sources (slug, name, kind) VALUES ($1, $1, 'oauth') RETURNING id::text",
                                  [.text(slug)]).scalar)
        }.sorted()
        try sql("UPDATE sources SET secrets = '{\"x\": \"1\", \"n\": 3, \"w\": \"2\"}' WHERE id = $1::uuid", [.uuid(ids[0])])
        try sql("UPDATE sources SET secrets = '{\"n\": 3}' WHERE id = $1::uuid", [.uuid(ids[1])])
        try sql("UPDATE sources SET secrets = '{\"y\": \"4\"}' WHERE id = $1::uuid", [.uuid(ids[2])])
        XCTAssertEqual(try batches(.sourceSecrets, limit: 2), [
            ["\(ids[0])/w=2", "\(ids[0])/x=1"],
            ["\(ids[2])/y=4"],
            [],
        ], "the second batch starts after the row without a string value; the third finds no row and ends the walk")
        XCTAssertEqual(try batches(.providerSecrets, limit: 2), [[]], "no rows: one empty batch")
    }

    func testReplaceWritesInPlaceAndTextColumnsHaveNoField() throws {
        let id = try XCTUnwrap(try sql("""
            INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_sealed) VALUES ('k', 'RS256', '{}', 'old')
            RETURNING id::text
            """).scalar)
        let source = try XCTUnwrap(try sql("""
            INSERT INTO sources (slug, name, kind, secrets) VALUES ('s', 's', 'oauth', '{"client_secret": "old", "n": 1}')
            RETURNING id::text
            """).scalar)
        for location in [SealedLocation.signingKeyPrivateKey, .sourceSecrets] {
            _ = try store.withBatch(of: location, after: nil, limit: 10, lock: true) { values, replace in
                for value in values { try replace(value, "new-" + (value.field ?? location.column)) }
            }
        }
        XCTAssertEqual(try sql("SELECT private_key_sealed FROM signing_keys WHERE id = $1::uuid", [.uuid(id)]).scalar,
                       "new-private_key_sealed")
        XCTAssertEqual(try sql("SELECT secrets::text FROM sources WHERE id = $1::uuid", [.uuid(source)]).scalar,
                       #"{"n": 1, "client_secret": "new-client_secret"}"#)
    }

    func testAFailingBodyRollsTheBatchBack() throws {
        try sql("INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_sealed) VALUES ('k', 'RS256', '{}', 'old')")
        struct Stop: Error {}
        XCTAssertThrowsError(try store.withBatch(of: .signingKeyPrivateKey, after: nil, limit: 10, lock: true) { values, replace in
            try replace(values[0], "new")
            throw Stop()
        }) { XCTAssertTrue($0 is Stop, "the caller's own error comes back as it was") }
        XCTAssertEqual(try sql("SELECT private_key_sealed FROM signing_keys").scalar, "old")
    }
}
