import XCTest
import Dispatch
@testable import App
import Crypto
import Postgres

/// The signing-key ring against a scratch database (GATEHOUSE_TEST_DATABASE_URL).
final class SigningKeyRingTests: XCTestCase {
    static let keyA = String(repeating: "a1", count: 32)
    static let keyB = String(repeating: "b2", count: 32)

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

    func sealer(_ current: String = keyA, previous: [String] = []) throws -> SecretSealer {
        try SecretSealer(currentMasterKey: Hex.decode(current)!, previousMasterKeys: previous.map { Hex.decode($0)! })
    }

    func ring(retention: Duration = SigningKeyRing.defaultRetention, reloadInterval: Duration = .seconds(60),
              unknownKeyReloadInterval: Duration = .seconds(5), sealer: SecretSealer? = nil) throws -> SigningKeyRing {
        SigningKeyRing(store: keys, sealer: try sealer ?? self.sealer(), retention: retention, reloadInterval: reloadInterval,
                       unknownKeyReloadInterval: unknownKeyReloadInterval)
    }

    var keys: PostgresSigningKeyStore { PostgresSigningKeyStore(pool: pool) }

    func rows() throws -> [[String?]] {
        try pool.withConnection {
            try $0.query("SELECT id::text, kid, algorithm, private_key_sealed, rotated_at IS NULL FROM signing_keys ORDER BY created_at").rows
        }
    }

    /// The kids in a JWKS document, each JWK parsed as a relying party would.
    func jwks(_ ring: SigningKeyRing) throws -> [String: PublicKey] {
        let object = try JSONSerialization.jsonObject(with: Data(ring.jwksJSON())) as? [String: Any]
        let keys = try XCTUnwrap(object?["keys"] as? [[String: Any]])
        var byKid: [String: PublicKey] = [:]
        for jwk in keys {
            let key = try PublicKey(jwk: jwk)
            byKid[try XCTUnwrap(key.keyID)] = key
        }
        XCTAssertEqual(byKid.count, keys.count, "one JWK per kid")
        return byKid
    }

    let payload = Array("{\"sub\":\"alice\",\"aud\":\"app\"}".utf8)

    func testEnsureKeysMakesOneKeyPerAlgorithmOnceEvenWhenNodesRace() throws {
        // Four "nodes" start at once.
        let rings = try (0..<4).map { _ in try ring() }
        let created = Locked([Int]())
        let failures = Locked([String]())
        DispatchQueue.concurrentPerform(iterations: rings.count) { index in
            do {
                let made = try rings[index].ensureKeys()
                created.withLock { $0.append(made.count) }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        XCTAssertEqual(failures.withLock { $0 }, [])
        XCTAssertEqual(created.withLock { $0.reduce(0, +) }, 2)
        let table = try rows()
        XCTAssertEqual(table.count, 2)
        XCTAssertEqual(Set(table.map { $0[2] }), ["RS256", "ES256"])
        // Every node loaded the same keys.
        let kids = Set(table.compactMap { $0[1] })
        for ring in rings { XCTAssertEqual(Set(try jwks(ring).keys), kids) }
        // An application's set: the keys of its own algorithm only.
        for algorithm in JWSAlgorithm.allCases {
            let object = try JSONSerialization.jsonObject(with: Data(rings[0].jwksJSON(for: algorithm))) as? [String: Any]
            let keys = object?["keys"] as? [[String: Any]] ?? []
            XCTAssertEqual(keys.count, 1, "\(algorithm)")
            XCTAssertEqual(keys.first?["alg"] as? String, algorithm.rawValue)
        }
        // Again: nothing new.
        XCTAssertEqual(try rings[0].ensureKeys(), [])
        XCTAssertEqual(try rows().count, 2)
        XCTAssertEqual(try rows().filter { $0[4] == "t" }.count, 2, "both keys are current")
    }

    func testPrivateKeysAreSealedBoundToTheirRow() throws {
        let sealer = try sealer()
        try ring().ensureKeys()
        let table = try rows()
        for row in table {
            let id = try XCTUnwrap(row[0]), sealed = try XCTUnwrap(row[3])
            XCTAssertTrue(sealed.hasPrefix("gh1.\(sealer.currentKeyID)."), sealed)
            XCTAssertFalse(sealed.contains("BEGIN") || sealed.contains("PRIVATE"), "no PEM plaintext")
            let pem = try SealedColumns.open(sealed, with: sealer, at: SealedColumns.signingKeyPrivateKey, rowID: id)
            XCTAssertTrue(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            XCTAssertEqual(try SigningKey(pem: pem, algorithm: JWSAlgorithm(rawValue: row[2]!)!).kid, row[1])
            // The seal names its row: it does not open as another row's.
            let other = try XCTUnwrap(table.first { $0[0] != id }?[0] ?? nil)
            XCTAssertThrowsError(try SealedColumns.open(sealed, with: sealer, at: SealedColumns.signingKeyPrivateKey, rowID: other))
        }
        // A node with another master key cannot start on these keys.
        XCTAssertThrowsError(try ring(sealer: try self.sealer(Self.keyB)).ensureKeys()) { error in
            guard case .unreadableKey = error as? SigningKeyRingError else { return XCTFail("\(error)") }
        }
    }

    func testSignVerifyAndJWKS() throws {
        let ring = try ring()
        try ring.ensureKeys()
        let published = try jwks(ring)
        XCTAssertEqual(published.count, 2)
        for algorithm in JWSAlgorithm.allCases {
            let token = try ring.sign(payloadJSON: payload, algorithm: algorithm, type: "JWT")
            let verified = try ring.verify(token)
            XCTAssertEqual(verified.algorithm, algorithm)
            XCTAssertEqual(verified.payloadJSON, payload)
            XCTAssertEqual(verified.type, "JWT")
            // A relying party holding only the JWKS verifies it too.
            let key = try XCTUnwrap(published[verified.keyID])
            XCTAssertEqual(key.algorithm, algorithm)
            XCTAssertNoThrow(try JWS.verify(token, key: key, allowed: [algorithm]))
        }
        // Tokens from keys we never made, or without a kid, do not verify.
        let stranger = try SigningKey.generate(.es256)
        XCTAssertThrowsError(try ring.verify(try JWS.sign(payloadJSON: payload, key: stranger))) {
            XCTAssertEqual($0 as? JOSEError, .unknownKey(stranger.kid))
        }
        let token = try ring.sign(payloadJSON: payload, algorithm: .es256, type: nil)
        let parts = token.split(separator: ".").map(String.init)
        let noKid = Base64URL.encode("{\"alg\":\"ES256\"}") + "." + parts[1] + "." + parts[2]
        XCTAssertThrowsError(try ring.verify(noKid)) { XCTAssertEqual($0 as? JOSEError, .unknownKey("(no kid)")) }
        // The kid of the RSA key on a token that says ES256: the key's algorithm decides.
        let rsaKid = try XCTUnwrap(published.first { $0.value.algorithm == .rs256 }?.key)
        let confused = Base64URL.encode("{\"alg\":\"ES256\",\"kid\":\"\(rsaKid)\"}") + "." + parts[1] + "." + parts[2]
        XCTAssertThrowsError(try ring.verify(confused)) { XCTAssertEqual($0 as? JOSEError, .algorithmNotAllowed("ES256")) }
        XCTAssertThrowsError(try ring.verify("garbage"))
    }

    func testEnsureKeysForChosenAlgorithms() throws {
        let ring = try ring()
        XCTAssertEqual(try ring.ensureKeys([.es256]).map(\.algorithm), ["ES256"])
        XCTAssertEqual(try rows().count, 1)
        XCTAssertNoThrow(try ring.verify(try ring.sign(payloadJSON: payload, algorithm: .es256, type: nil)))
        XCTAssertThrowsError(try ring.sign(payloadJSON: payload, algorithm: .rs256, type: nil)) {
            XCTAssertEqual($0 as? JOSEError, .unknownKey("no current RS256 key"))
        }
        XCTAssertEqual(try ring.ensureKeys().map(\.algorithm), ["RS256"])
        XCTAssertNoThrow(try ring.verify(try ring.sign(payloadJSON: payload, algorithm: .rs256, type: nil)))
    }

    func testUnloadedRingRefusesToSign() throws {
        XCTAssertThrowsError(try ring().sign(payloadJSON: payload, algorithm: .rs256, type: nil)) {
            XCTAssertEqual($0 as? JOSEError, .unknownKey("no current RS256 key"))
        }
    }

    func testRotationKeepsTheOldKeyVerifyingUntilRetentionEnds() throws {
        let ring = try ring(retention: .seconds(3600))
        try ring.ensureKeys()
        let oldToken = try ring.sign(payloadJSON: payload, algorithm: .es256, type: nil)
        let oldKid = try ring.verify(oldToken).keyID
        let rsaKid = try ring.verify(try ring.sign(payloadJSON: payload, algorithm: .rs256, type: nil)).keyID

        let new = try ring.rotate(.es256)
        XCTAssertNotEqual(new.kid, oldKid)
        XCTAssertEqual(new.algorithm, "ES256")
        let newToken = try ring.sign(payloadJSON: payload, algorithm: .es256, type: nil)
        XCTAssertEqual(try ring.verify(newToken).keyID, new.kid, "the new key signs")
        XCTAssertEqual(try ring.verify(oldToken).keyID, oldKid, "the old key still verifies")
        XCTAssertEqual(Set(try jwks(ring).keys), [oldKid, new.kid, rsaKid])
        XCTAssertEqual(try ring.verify(try ring.sign(payloadJSON: payload, algorithm: .rs256, type: nil)).keyID, rsaKid,
                       "the other algorithm is untouched")

        let listed = try SigningKeyRing.list(store: keys)
        XCTAssertEqual(listed.count, 3)
        XCTAssertEqual(listed.first { $0.kid == new.kid }?.rotatedAt, nil)
        XCTAssertNotNil(listed.first { $0.kid == oldKid }?.rotatedAt)
        XCTAssertNil(listed.first { $0.kid == rsaKid }?.rotatedAt)
        XCTAssertTrue(listed.allSatisfy { $0.createdAt.hasSuffix("Z") && !$0.description.contains("gh1.") })

        // Once the retention has passed, the old key neither verifies nor is published; its row stays.
        try pool.withConnection {
            try $0.query("UPDATE signing_keys SET rotated_at = now() - interval '2 hours' WHERE kid = $1", [.text(oldKid)])
        }
        try ring.reload()
        XCTAssertThrowsError(try ring.verify(oldToken)) { XCTAssertEqual($0 as? JOSEError, .unknownKey(oldKid)) }
        XCTAssertEqual(Set(try jwks(ring).keys), [new.kid, rsaKid])
        XCTAssertEqual(try rows().count, 3)
        // ensureKeys after a rotation makes nothing: both algorithms have a current key.
        XCTAssertEqual(try ring.ensureKeys(), [])
    }

    func testAnotherNodeVerifiesAKeyMadeAfterItLoaded() throws {
        let nodeA = try ring()
        try nodeA.ensureKeys()
        let nodeB = try ring()
        try nodeB.ensureKeys()
        // A node that reloads for unknown kids at most once an hour, to show the rate limit.
        let nodeC = try ring(unknownKeyReloadInterval: .seconds(3600))
        try nodeC.reload()
        // nodeC spends its one reload on a made-up kid.
        let stranger = try SigningKey.generate(.rs256)
        XCTAssertThrowsError(try nodeC.verify(try JWS.sign(payloadJSON: payload, key: stranger)))

        let new = try nodeA.rotate(.rs256)
        let token = try nodeA.sign(payloadJSON: payload, algorithm: .rs256, type: nil)
        XCTAssertEqual(try nodeB.verify(token).keyID, new.kid, "unknown kid: nodeB reloads and verifies")
        XCTAssertEqual(try nodeB.sign(payloadJSON: payload, algorithm: .rs256, type: nil).split(separator: ".").count, 3)
        XCTAssertEqual(try nodeA.verify(try nodeB.sign(payloadJSON: payload, algorithm: .rs256, type: nil)).keyID, new.kid,
                       "after the reload nodeB signs with the new key")
        XCTAssertThrowsError(try nodeC.verify(token)) { XCTAssertEqual($0 as? JOSEError, .unknownKey(new.kid)) }
        try nodeC.reload()
        XCTAssertEqual(try nodeC.verify(token).keyID, new.kid)
    }

    func testStaleRingReloadsInTheBackground() throws {
        let nodeA = try ring()
        try nodeA.ensureKeys()
        let nodeB = try ring(reloadInterval: .milliseconds(50))
        try nodeB.reload()
        let new = try nodeA.rotate(.es256)
        XCTAssertNil(try jwks(nodeB)[new.kid])
        let deadline = Date().addingTimeInterval(10)
        var seen = false
        while !seen && Date() < deadline {
            usleep(20_000)
            seen = try jwks(nodeB)[new.kid] != nil
        }
        XCTAssertTrue(seen, "nodeB picked up the new key without being asked")
        let token = try nodeB.sign(payloadJSON: payload, algorithm: .es256, type: nil)
        XCTAssertEqual(try nodeA.verify(token).keyID, new.kid)
    }

    func testMasterKeyRotationResealsSigningKeys() throws {
        let ringA = try ring(sealer: try sealer(Self.keyA))
        try ringA.ensureKeys()
        let token = try ringA.sign(payloadJSON: payload, algorithm: .es256, type: nil)
        let report = try MasterKeyRotation(store: PostgresSealedValueStore(pool: pool),
                                           sealer: try sealer(Self.keyB, previous: [Self.keyA])).run(dryRun: false)
        XCTAssertEqual(report.resealed, 2)
        XCTAssertEqual(report.failed, 0)
        // A node with only the new master key opens the resealed keys: same kids, still signing.
        let ringB = try ring(sealer: try sealer(Self.keyB))
        XCTAssertEqual(try ringB.ensureKeys(), [])
        XCTAssertEqual(try ringB.verify(token).keyID, try ringA.verify(token).keyID)
        XCTAssertEqual(try ringA.verify(try ringB.sign(payloadJSON: payload, algorithm: .rs256, type: nil)).algorithm, .rs256)
    }
}

extension AdminCommandTests {
    func testKeysRotateAndListThroughTheCommandLine() throws {
        let environment = ["GATEHOUSE_SECRET_KEY": Self.keyA]
        let sealer = try sealer(Self.keyA)
        let keys = PostgresSigningKeyStore(pool: pool)
        let ring = SigningKeyRing(store: keys, sealer: sealer)
        try ring.ensureKeys()
        let before = try SigningKeyRing.list(store: keys)

        let rotated = try gatehouse(["keys", "rotate", "--algorithm", "es256"], environment)
        XCTAssertEqual(rotated.status, 0, rotated.stderr)
        XCTAssertTrue(rotated.stdout.hasPrefix("new current ES256 key "), rotated.stdout)
        let listed = try gatehouse(["keys", "list"], environment)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let lines = listed.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(lines.count, 3, listed.stdout)
        XCTAssertEqual(lines.filter { $0.last == "current" }.map { $0[1] }.sorted(), ["ES256", "RS256"])
        XCTAssertFalse(listed.stdout.contains("gh1.") || listed.stdout.contains("PRIVATE"))
        let newKid = try XCTUnwrap(rotated.stdout.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(before.contains { $0.kid == newKid })
        // The serving ring verifies the CLI's new key at once (unknown kid → reload) and signs with it after.
        try ring.reload()
        XCTAssertEqual(try ring.verify(try ring.sign(payloadJSON: Array("{}".utf8), algorithm: .es256, type: nil)).keyID, newKid)

        let bad = try gatehouse(["keys", "rotate", "--algorithm", "HS256"], environment)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("RS256 or ES256"), bad.stderr)
        let noKey = try gatehouse(["keys", "rotate"], [:])
        XCTAssertEqual(noKey.status, 1)
        XCTAssertEqual(try SigningKeyRing.list(store: keys).count, 3, "failed runs changed nothing")
        // Without --algorithm both rotate.
        XCTAssertEqual(try gatehouse(["keys", "rotate"], environment).status, 0)
        XCTAssertEqual(try SigningKeyRing.list(store: keys).filter { $0.rotatedAt == nil }.count, 2)
        XCTAssertEqual(try SigningKeyRing.list(store: keys).count, 5)
    }
}
