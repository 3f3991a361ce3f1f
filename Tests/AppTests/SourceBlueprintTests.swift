import Foundation
import XCTest
@testable import App
import Blueprints
import Crypto
import Federation
import Logging
import Postgres
import Store

/// The `oauth-source` model applied to PostgreSQL (secret sealed, re-apply unchanged, update,
/// delete) and read back by `SourceDirectory`; source connections on PostgreSQL.
final class SourceBlueprintTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var sealer: SecretSealer!
    let secret = "entra-Secret-0123456789"

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        sealer = try SecretSealer(currentMasterKey: [UInt8](repeating: 9, count: 32))
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    static func yaml(name: String = "Contoso", extra: String = "") -> String {
        """
        version: 1
        metadata: {name: sources}
        entries:
          - model: oauth-source
            identifiers: {slug: entra-id}
            attrs:
              name: \(name)
              provider_type: entra-id
              client_id: 5b1e3c1a-0000-4000-8000-000000000000
              client_secret: !Env ENTRA_SECRET
              tenant: 72f988bf-86f1-41af-91ab-2d7cd011db47
              user_matching_mode: email_link
              group_sync: true
              login_mode: redirect\(extra)
        """
    }

    func apply(_ yaml: String, secret: String? = nil) throws -> BlueprintApplyResult {
        try BlueprintApplier(store: PostgresBlueprintStore(pool: pool), environment: ["ENTRA_SECRET": secret ?? self.secret],
                             hasher: PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, parallelism: 1)),
                             sealer: sealer).apply([("s.yaml", yaml)])[0]
    }

    func sources() -> SourceDirectory {
        SourceDirectory(store: PostgresOAuthSourceStore(pool: pool), sealer: sealer, transport: NoTransport(),
                        logger: Logger(label: "test"))
    }

    func testApplyReadBackUpdateAndDelete() throws {
        XCTAssertEqual(try apply(Self.yaml()).created, 1)
        let stored = try pool.withConnection { try $0.query("SELECT secrets::text, config::text FROM sources") }
        XCTAssertFalse(stored.rows[0][0]?.contains(secret) ?? true, "the secret is sealed")
        XCTAssertFalse(stored.rows[0][1]?.contains(secret) ?? true, "the secret is not in config")

        let config = try XCTUnwrap(sources().source(slug: "entra-id"))
        XCTAssertEqual(config.clientSecret, secret)
        XCTAssertEqual(config.providerType, .entraID)
        XCTAssertEqual(config.matchingMode, .emailLink)
        XCTAssertEqual(config.loginMode, .redirect)
        XCTAssertTrue(config.groupSync)
        XCTAssertEqual(config.tenant, "72f988bf-86f1-41af-91ab-2d7cd011db47")

        // Same file again: nothing changes (the sealed secret compares equal).
        let again = try apply(Self.yaml())
        XCTAssertEqual([again.created, again.updated, again.unchanged], [0, 0, 1])
        // A new secret or name is an update.
        XCTAssertEqual(try apply(Self.yaml(), secret: "rotated-secret").updated, 1)
        XCTAssertEqual(sources().source(slug: "entra-id")?.clientSecret, "rotated-secret")
        XCTAssertEqual(try apply(Self.yaml(name: "Contoso 365", extra: "\n      enabled: false"), secret: "rotated-secret").updated, 1)
        XCTAssertNil(sources().source(slug: "entra-id"), "a disabled source is not offered")
        let absent = """
            version: 1
            metadata: {name: sources}
            entries:
              - model: oauth-source
                identifiers: {slug: entra-id}
                state: absent
            """
        XCTAssertEqual(try apply(absent).deleted, 1)
        XCTAssertEqual(try pool.withConnection { try $0.query("SELECT count(*) FROM sources").scalar }, "0")
    }

    func testOktaNeedsAnIssuerAndSecretsMustComeFromEnv() throws {
        let okta = """
            version: 1
            metadata: {name: okta}
            entries:
              - model: oauth-source
                identifiers: {slug: okta}
                attrs: {name: Okta, provider_type: okta, client_id: x, client_secret: !Env ENTRA_SECRET}
            """
        XCTAssertThrowsError(try apply(okta)) { XCTAssertTrue("\($0)".contains("issuer"), "\($0)") }
        let literal = Self.yaml().replacingOccurrences(of: "!Env ENTRA_SECRET", with: "plain-text")
        XCTAssertThrowsError(try apply(literal))
    }

    func testSourceConnectionsAndSyncedGroups() throws {
        _ = try apply(Self.yaml())
        let users = PostgresUserStore(pool: pool), groups = PostgresGroupStore(pool: pool)
        let connections = PostgresSourceConnectionStore(pool: pool)
        let user = try users.createUser(NewUser(username: "somchai"))
        XCTAssertNil(try connections.connectedUser(source: "entra-id", identifier: "oid-1"))
        try connections.connect(source: "entra-id", identifier: "oid-1", user: user.id)
        XCTAssertEqual(try connections.connectedUser(source: "entra-id", identifier: "oid-1"), user.id)
        XCTAssertThrowsError(try connections.connect(source: "entra-id", identifier: "oid-1", user: user.id)) {
            XCTAssertEqual($0 as? StoreError, .conflict(field: "identifier"))
        }
        XCTAssertThrowsError(try connections.connect(source: "nope", identifier: "oid-1", user: user.id)) {
            XCTAssertEqual($0 as? StoreError, .notFound("source"))
        }
        let group = try groups.createGroup(NewGroup(name: "Finance", attributes: JSONText(#"{"source":"entra-id","upstream_id":"g-1"}"#)))
        XCTAssertEqual(try connections.syncedGroup(source: "entra-id", upstreamID: "g-1")?.id, group.id)
        XCTAssertNil(try connections.syncedGroup(source: "other", upstreamID: "g-1"))
        try groups.addMember(user.id, to: group.id)
        XCTAssertEqual(try connections.syncedGroups(source: "entra-id", user: user.id).map(\.id), [group.id])
    }
}

private struct NoTransport: UpstreamTransport {
    func get(_ url: String, bearer: String?) throws(FederationError) -> UpstreamResponse { throw .upstreamUnreachable("test") }
    func postForm(_ url: String, _ form: [(String, String)]) throws(FederationError) -> UpstreamResponse {
        throw .upstreamUnreachable("test")
    }
}
