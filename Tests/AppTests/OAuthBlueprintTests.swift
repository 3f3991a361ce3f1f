import Foundation
import XCTest
@testable import App
import Blueprints
import Crypto
import Postgres
import Store

/// The OAuth blueprint models applied to PostgreSQL and read back through
/// `CachedOAuthClientDirectory` on `PostgresOAuthProviderStore`, on a scratch database per test.
final class OAuthBlueprintTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    let hasher = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, parallelism: 1))
    let secret = "ar-aging-Secret-0123456789"
    var sealer: SecretSealer!

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        sealer = try SecretSealer(currentMasterKey: [UInt8](repeating: 7, count: 32))
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    /// The example of the OIDC issue, verbatim.
    static let example = """
        version: 1
        metadata: {name: ar-aging}
        entries:
          - model: scope-mapping
            identifiers: {name: erp-claims}
            attrs:
              scope_name: erp
              description: ERP roles
              expression: '{"m3_roles": user.attributes.m3_roles, "m3_company": user.attributes.m3_company, "ar_access_level": "finance" in user.groups ? "full" : "none"}'
          - model: oauth2-provider
            identifiers: {name: ar-aging}
            attrs:
              client_type: confidential          # or public (PKCE, no secret)
              client_id: ar-aging
              client_secret: !Env AR_AGING_SECRET
              redirect_uris: [{matching_mode: strict, url: "https://ar.example.co.th/auth/callback"}]
              signing_alg: RS256                 # or ES256
              scopes: [openid, email, profile, offline_access, erp]
          - model: application
            identifiers: {slug: ar-aging}
            attrs: {name: "A/R Aging", provider: ar-aging, launch_url: "https://ar.example.co.th/", groups: [finance]}
        """

    static let expression = #"{"m3_roles": user.attributes.m3_roles, "m3_company": user.attributes.m3_company, "ar_access_level": "finance" in user.groups ? "full" : "none"}"#

    func apply(_ yaml: String, secret: String? = nil, file: String = "test.yaml") throws -> BlueprintApplyResult {
        try BlueprintApplier(store: PostgresBlueprintStore(pool: pool),
                             environment: ["AR_AGING_SECRET": secret ?? self.secret], hasher: hasher, sealer: sealer)
            .apply([(file, yaml)])[0]
    }

    func failure(_ yaml: String, line: UInt = #line) -> [String] {
        do {
            _ = try apply(yaml, file: "bad.yaml")
            XCTFail("applied a bad blueprint", line: line)
            return []
        } catch {
            return (error as? BlueprintApplyFailure)?.lines ?? ["\(error)"]
        }
    }

    func sql(_ statement: String, _ params: [PGValue?] = []) throws -> PGResult {
        try pool.withConnection { try $0.query(statement, params) }
    }

    func addFinance() throws { try sql("INSERT INTO groups (name) VALUES ('finance')") }

    func directory() -> CachedOAuthClientDirectory { directory(opening: sealer) }

    func directory(opening sealer: SecretSealer) -> CachedOAuthClientDirectory {
        CachedOAuthClientDirectory(store: PostgresOAuthProviderStore(pool: pool), sealer: sealer)
    }

    func counts() throws -> [String] {
        try ["providers", "applications", "scope_mappings", "application_groups", "users", "events"].map {
            try sql("SELECT count(*) FROM \($0)").scalar ?? ""
        }
    }

    func testExampleAppliesAndTheDirectoryServesIt() throws {
        try addFinance()
        let result = try apply(Self.example)
        XCTAssertEqual([result.created, result.updated, result.deleted, result.unchanged], [3, 0, 0, 0])

        let expected = OAuthClient(
            providerName: "ar-aging", clientID: "ar-aging", clientType: .confidential, clientSecret: secret,
            redirectURIs: [OAuthRedirectURI(matching: .strict, url: "https://ar.example.co.th/auth/callback")],
            signingAlgorithm: "RS256", scopes: ["openid", "email", "profile", "offline_access", "erp"],
            scopeMappings: [OAuthScopeMapping(name: "erp-claims", scopeName: "erp", description: "ERP roles",
                                              expression: Self.expression)],
            subjectMode: .hashedUserID, consentMode: .implicit, codeLifetimeSeconds: 60, accessTokenLifetimeSeconds: 3600,
            refreshTokenLifetimeSeconds: 30 * 86400, allowPlainPKCE: false, serviceAccountUsername: "svc-ar-aging",
            application: OAuthApplication(slug: "ar-aging", name: "A/R Aging", launchURL: "https://ar.example.co.th/",
                                          groups: ["finance"]))
        let directory = directory()
        XCTAssertEqual(try directory.client(clientID: "ar-aging"), expected)
        XCTAssertEqual(try directory.client(applicationSlug: "ar-aging"), expected)
        XCTAssertNil(try directory.client(clientID: "nope"))
        XCTAssertNil(try directory.client(applicationSlug: "nope"))

        // The secret is sealed under its row's context: no plaintext anywhere in the row.
        let row = try sql("SELECT id::text, secrets->>'client_secret', row_to_json(p)::text FROM providers p").rows[0]
        XCTAssertFalse(try XCTUnwrap(row[2]).contains(secret))
        XCTAssertEqual(try SealedColumns.open(try XCTUnwrap(row[1]), with: sealer, at: SealedColumns.providerSecrets,
                                              rowID: try XCTUnwrap(row[0]), field: "client_secret"), secret)

        // The service account exists, without a password, marked as such.
        let account = try XCTUnwrap(try PostgresUserStore(pool: pool).user(username: "svc-ar-aging"))
        XCTAssertNil(account.passwordHash)
        XCTAssertEqual(AttributesJSON.decode(account.attributes.text),
                       .map(["service_account": .bool(true), "oauth_client_id": .string("ar-aging")]))

        // The master key rotation walks providers.secrets: the secret still opens under a new key.
        let newSealer = try SecretSealer(currentMasterKey: [UInt8](repeating: 9, count: 32),
                                         previousMasterKeys: [[UInt8](repeating: 7, count: 32)])
        let report = try MasterKeyRotation(store: PostgresSealedValueStore(pool: pool), sealer: newSealer).run(dryRun: false)
        XCTAssertEqual(report.resealed, 1)
        XCTAssertEqual(try self.directory(opening: newSealer).client(clientID: "ar-aging")?.clientSecret,
                       secret)
    }

    func testApplyingTwiceChangesNothingAndDoesNotReseal() throws {
        try addFinance()
        _ = try apply(Self.example)
        let before = try counts()
        let sealed = try sql("SELECT secrets::text FROM providers").scalar
        let updatedAt = try sql("SELECT updated_at::text FROM providers").scalar
        let again = try apply(Self.example)
        XCTAssertEqual([again.created, again.updated, again.deleted, again.unchanged], [0, 0, 0, 3])
        XCTAssertEqual(try counts(), before)
        XCTAssertEqual(try sql("SELECT secrets::text FROM providers").scalar, sealed)
        XCTAssertEqual(try sql("SELECT updated_at::text FROM providers").scalar, updatedAt)
    }

    func testChangesReachTheDirectory() throws {
        try addFinance()
        try sql("INSERT INTO groups (name) VALUES ('audit')")
        _ = try apply(Self.example)
        let directory = directory()
        XCTAssertEqual(try directory.client(clientID: "ar-aging")?.clientSecret, secret)

        let changed = Self.example
            .replacingOccurrences(of: "scopes: [openid, email, profile, offline_access, erp]",
                                  with: "scopes: [openid, email]\n      consent_mode: once\n      access_token_validity: minutes=5\n      allow_plain_pkce: true")
            .replacingOccurrences(of: "groups: [finance]", with: "groups: [audit, finance]")
        let result = try apply(changed, secret: "a-new-secret")
        XCTAssertEqual([result.created, result.updated, result.unchanged], [0, 2, 1])
        directory.invalidate()
        let client = try XCTUnwrap(try directory.client(clientID: "ar-aging"))
        XCTAssertEqual(client.clientSecret, "a-new-secret")
        XCTAssertEqual(client.scopes, ["openid", "email"])
        XCTAssertEqual(client.scopeMappings, [], "erp is no longer among the scopes")
        XCTAssertEqual(client.consentMode, .once)
        XCTAssertEqual(client.accessTokenLifetimeSeconds, 300)
        XCTAssertTrue(client.allowPlainPKCE)
        XCTAssertEqual(client.application?.groups, ["audit", "finance"])
        XCTAssertEqual(try apply(changed, secret: "a-new-secret").unchanged, 3)

        // Public: the secret goes.
        let asPublic = changed.replacingOccurrences(of: "client_type: confidential", with: "client_type: public")
            .replacingOccurrences(of: "      client_secret: !Env AR_AGING_SECRET\n", with: "")
        _ = try apply(asPublic)
        directory.invalidate()
        XCTAssertEqual(try directory.client(clientID: "ar-aging")?.clientType, .public)
        XCTAssertNil(try directory.client(clientID: "ar-aging")?.clientSecret)
        XCTAssertEqual(try sql("SELECT secrets::text FROM providers").scalar, "{}")
    }

    func testErrorsWriteNothing() throws {
        // The group is neither in the file nor in the database.
        XCTAssertTrue(failure(Self.example).contains { $0.contains("group name=finance is neither in this file nor known") })
        try addFinance()
        let before = try counts()
        let twice = Self.example + """

              - model: oauth2-provider
                identifiers: {name: copy}
                attrs:
                  client_type: public
                  client_id: ar-aging
                  redirect_uris: [{matching_mode: regex, url: "https://copy.example/.*"}]
            """
        let lines = failure(twice)
        XCTAssertTrue(lines.contains { $0.contains("oauth2-provider name=copy") && $0.contains("client_id ar-aging is already used by oauth2-provider ar-aging") },
                      "\(lines)")
        let noKey = try? BlueprintApplier(store: PostgresBlueprintStore(pool: pool),
                                          environment: ["AR_AGING_SECRET": secret], hasher: hasher)
            .apply([("nokey.yaml", Self.example)])
        XCTAssertNil(noKey, "a client secret is never stored without a master key")
        XCTAssertEqual(try counts(), before)
    }

    func testServiceAccountCanBePutInGroupsAndGroupsCannotVanish() throws {
        try addFinance()
        let withAccount = Self.example + """

              - model: user
                identifiers: {username: svc-ar-aging}
                attrs: {groups: [finance]}
            """
        let first = try apply(withAccount)
        XCTAssertEqual(first.created, 4)
        let users = PostgresUserStore(pool: pool)
        let account = try XCTUnwrap(try users.user(username: "svc-ar-aging"))
        XCTAssertEqual(try users.groups(ofUser: account.id).map(\.name), ["finance"])
        XCTAssertEqual(try apply(withAccount).unchanged, 4)

        // Deleting the group that guards the application is refused, not silently opening it.
        let deleteGroup = """
            version: 1
            metadata: {name: cleanup}
            entries:
              - model: user
                identifiers: {username: svc-ar-aging}
                attrs: {groups: []}
              - model: group
                identifiers: {name: finance}
                state: absent
            """
        let refused = failure(deleteGroup)
        XCTAssertTrue(refused.contains { $0.contains("still limits who may use an application") }, "\(refused)")
        XCTAssertEqual(try directory().client(clientID: "ar-aging")?.application?.groups, ["finance"])
    }

    func testDeletingTheProviderRevokesItsTokens() throws {
        try addFinance()
        _ = try apply(Self.example)
        let user = try PostgresUserStore(pool: pool).createUser(NewUser(username: "somchai"))
        let grants = PostgresOAuthGrantStore(pool: pool)
        let now = Timestamp.now()
        let grant = UUID().uuidString.lowercased()
        try grants.storeRefreshToken(OAuthRefreshToken(tokenHash: [UInt8](repeating: 1, count: 32), grantID: grant,
                                                       clientID: "ar-aging", userID: user.id, scopes: ["openid"], authTime: now,
                                                       authMethods: ["pwd"], acr: nil, sessionID: nil,
                                                       expiresAt: now.adding(seconds: 600)))
        let deletion = """
            version: 1
            metadata: {name: gone}
            entries:
              - model: application
                identifiers: {slug: ar-aging}
                state: absent
              - model: oauth2-provider
                identifiers: {name: ar-aging}
                state: absent
            """
        XCTAssertEqual(try apply(deletion).deleted, 2)
        XCTAssertNil(try grants.refreshToken(hash: [UInt8](repeating: 1, count: 32), at: now))
        XCTAssertNil(try directory().client(clientID: "ar-aging"))
    }

    func testASecondNodeSeesAChangeWithinASecond() throws {
        try addFinance()
        _ = try apply(Self.example)
        let other = directory()
        other.startListening(to: PGConfigurationChangeFeed(url: scratch.url))
        defer { other.stopListening() }
        try waitUntil("listening") { other.isListening }
        XCTAssertEqual(try other.client(clientID: "ar-aging")?.scopes.count, 5)

        // Another connection changes the provider: the cached client is dropped by NOTIFY.
        try sql("UPDATE providers SET config = jsonb_set(config, '{scopes}', '[\"openid\"]')")
        try waitUntil("the change is seen", within: 1) { (try? other.client(clientID: "ar-aging")?.scopes) == ["openid"] }

        // The listener's connection dies: it reconnects, and a later change is seen again.
        try sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gatehouse-listener' AND datname = current_database()")
        try waitUntil("listening again", within: 10) { other.isListening && (try? other.client(clientID: "ar-aging")) != nil }
        try sql("UPDATE scope_mappings SET description = 'changed'")
        try sql("UPDATE providers SET config = jsonb_set(config, '{scopes}', '[\"openid\", \"erp\"]')")
        try waitUntil("the second change is seen", within: 1) {
            (try? other.client(clientID: "ar-aging")?.scopeMappings.first?.description) == "changed"
        }
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
