import XCTest
import Dispatch
import App
import Postgres
import Store

/// `PostgresSigningKeyStore` on a scratch database, with made-up key material (the store
/// never looks inside: the key ring and its tests do).
final class PostgresSigningKeyStoreTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var store: PostgresSigningKeyStore!

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        store = PostgresSigningKeyStore(pool: pool)
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    @discardableResult
    func insert(_ kid: String, _ algorithm: String, retiring: Bool = false) throws -> SigningKeyInfo {
        try store.withSigningKeyLock { changes in
            if retiring { try changes.retireCurrentKey(algorithm: algorithm) }
            let id = try changes.newKeyID()
            return try changes.insertCurrentKey(id: id, kid: kid, algorithm: algorithm, publicJWK: #"{"kid":"\#(kid)"}"#,
                                                sealedPrivateKey: "sealed-\(id)")
        }
    }

    func testInsertRetireAndLoad() throws {
        let first = try insert("k1", "RS256")
        XCTAssertEqual(first.kid, "k1")
        XCTAssertNil(first.rotatedAt)
        XCTAssertTrue(first.createdAt.hasSuffix("Z"), first.createdAt)
        try insert("k2", "ES256")
        try insert("k3", "RS256", retiring: true)
        XCTAssertEqual(try store.withSigningKeyLock { try $0.currentAlgorithms() }, ["RS256", "ES256"])

        let loaded = try store.signingKeys(retainedFor: 3600)
        XCTAssertEqual(loaded.map(\.kid), ["k3", "k2", "k1"], "current keys first, then newest first")
        XCTAssertEqual(loaded.map(\.isCurrent), [true, true, false])
        XCTAssertEqual(loaded[0].publicJWK, #"{"kid": "k3"}"#)
        XCTAssertEqual(loaded[0].sealedPrivateKey, "sealed-\(loaded[0].id)", "stored as given, bound to its row id")

        // Once the retention has passed, a rotated key is no longer loaded; it is still listed.
        try pool.withConnection { try $0.query("UPDATE signing_keys SET rotated_at = now() - interval '2 hours' WHERE kid = 'k1'") }
        XCTAssertEqual(try store.signingKeys(retainedFor: 3600).map(\.kid), ["k3", "k2"])
        let listed = try store.signingKeyList()
        XCTAssertEqual(listed.map(\.kid), ["k3", "k2", "k1"])
        XCTAssertNotNil(listed[2].rotatedAt)
        XCTAssertFalse(listed.map(\.description).joined().contains("sealed-"), "no key material in the list")
    }

    func testTheLockMakesConcurrentWritersTakeTurns() throws {
        // Each writer inserts only when no current key exists: with the lock exactly one does.
        let inserted = Locked(0)
        let url = scratch.url
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            let own = PGPool(url: url)
            defer { own.close() }
            let made = try? PostgresSigningKeyStore(pool: own).withSigningKeyLock { changes -> Bool in
                guard try changes.currentAlgorithms().isEmpty else { return false }
                _ = try changes.insertCurrentKey(id: try changes.newKeyID(), kid: "k\(index)", algorithm: "ES256",
                                                 publicJWK: "{}", sealedPrivateKey: "x")
                return true
            }
            if made == true { inserted.withLock { $0 += 1 } }
        }
        XCTAssertEqual(inserted.withLock { $0 }, 1)
        XCTAssertEqual(try store.signingKeyList().count, 1)
    }

    func testAFailingBodyWritesNothing() throws {
        struct Stop: Error {}
        XCTAssertThrowsError(try store.withSigningKeyLock { changes in
            _ = try changes.insertCurrentKey(id: try changes.newKeyID(), kid: "k", algorithm: "ES256", publicJWK: "{}",
                                             sealedPrivateKey: "x")
            throw Stop()
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(try store.signingKeyList(), [])
    }
}
