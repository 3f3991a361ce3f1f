import XCTest
@testable import App
import Crypto
import Postgres
import Store

/// `gatehouse create-admin`, `users`, `secrets` against a scratch database, through the built
/// binary (GATEHOUSE_TEST_BINARY) where the command line itself is under test.
final class AdminCommandTests: XCTestCase {
    static let keyA = String(repeating: "a1", count: 32)
    static let keyB = String(repeating: "b2", count: 32)
    static let keyC = String(repeating: "c3", count: 32)

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

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func binary() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_BINARY"], !path.isEmpty else {
            throw XCTSkip("GATEHOUSE_TEST_BINARY is not set (Deploy/test.sh sets it)")
        }
        return path
    }

    /// Runs the binary with stdin from /dev/null (never a terminal) and only `environment`.
    func gatehouse(_ arguments: [String], _ environment: [String: String] = [:], executable: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable ?? binary())
        process.arguments = arguments
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        if executable == nil { env["GATEHOUSE_DATABASE_URL"] = env["GATEHOUSE_DATABASE_URL"] ?? scratch.url }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    var users: PostgresUserStore { PostgresUserStore(pool: pool) }
    /// Cheap parameters for verification only (verify reads the parameters from the hash).
    let hasher = PasswordHasher()

    // MARK: - create-admin

    func testCreateAdminWithPassword() throws {
        let outcome = try gatehouse(["create-admin", "--username", "root", "--email", "root@example.com",
                                     "--password", "correct horse battery", "--name", "The Root"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.hasPrefix("created superuser root"), outcome.stdout)
        XCTAssertFalse(outcome.stdout.contains("correct horse"))
        let user = try XCTUnwrap(users.user(username: "ROOT"))
        XCTAssertTrue(user.isSuperuser && user.isActive)
        XCTAssertEqual(user.email, "root@example.com")
        XCTAssertEqual(user.name, "The Root")
        let hash = try XCTUnwrap(user.passwordHash)
        XCTAssertTrue(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"), hash)
        XCTAssertEqual(hasher.verify("correct horse battery", against: hash), .valid(needsRehash: false))
        XCTAssertEqual(hasher.verify("wrong horse battery", against: hash), .invalid)
        let events = try PostgresEventStore(pool: pool).recentEvents(limit: 10)
        let event = try XCTUnwrap(events.first { $0.action == "user.create_admin" })
        XCTAssertEqual(event.outcome, "success")
        XCTAssertTrue(event.context.text.contains("root"), event.context.text)
        XCTAssertFalse(event.context.text.contains("correct horse"))
    }

    func testCreateAdminOffTerminalPrintsAGeneratedPasswordOnce() throws {
        let outcome = try gatehouse(["create-admin", "--username", "ops", "--email", "ops@example.com"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let marker = "generated password (shown only this once): "
        let lines = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix(marker) }
        XCTAssertEqual(lines.count, 1, outcome.stdout)
        let password = String(try XCTUnwrap(lines.first).dropFirst(marker.count))
        XCTAssertGreaterThanOrEqual(password.count, 20)
        XCTAssertEqual(outcome.stdout.components(separatedBy: password).count, 2, "printed exactly once")
        XCTAssertFalse(outcome.stderr.contains(password))
        let user = try XCTUnwrap(users.user(username: "ops"))
        XCTAssertEqual(hasher.verify(password, against: try XCTUnwrap(user.passwordHash)), .valid(needsRehash: false))
        let events = try PostgresEventStore(pool: pool).recentEvents(limit: 10)
        XCTAssertFalse(events.contains { $0.context.text.contains(password) })
    }

    func testWeakPasswordIsRefused() throws {
        let outcome = try gatehouse(["create-admin", "--username", "weak", "--email", "weak@example.com", "--password", "short-pw"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.stderr, "create-admin: password is too short: at least 12 characters are required\n")
        XCTAssertEqual(outcome.stdout, "")
        XCTAssertNil(try users.user(username: "weak"))
    }

    func testDuplicateIsRefusedAndUpdateResets() throws {
        let first = try gatehouse(["create-admin", "--username", "admin", "--email", "a@example.com", "--password", "first password 1"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let again = try gatehouse(["create-admin", "--username", "Admin", "--email", "b@example.com", "--password", "second password 2"])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr.split(separator: "\n").count, 1, again.stderr)
        XCTAssertTrue(again.stderr.contains("user \"admin\" already exists"), again.stderr)
        var user = try XCTUnwrap(users.user(username: "admin"))
        XCTAssertEqual(hasher.verify("first password 1", against: user.passwordHash!), .valid(needsRehash: false))
        // --update resets the password and re-activates a deactivated account.
        try users.deactivateUser(user.id, at: .now())
        let update = try gatehouse(["create-admin", "--username", "admin", "--email", "b@example.com",
                                    "--password", "second password 2", "--update"])
        XCTAssertEqual(update.status, 0, update.stderr)
        XCTAssertTrue(update.stdout.hasPrefix("updated superuser admin"), update.stdout)
        user = try XCTUnwrap(users.user(username: "admin"))
        XCTAssertTrue(user.isActive && user.isSuperuser)
        XCTAssertEqual(user.email, "b@example.com")
        XCTAssertEqual(hasher.verify("second password 2", against: user.passwordHash!), .valid(needsRehash: false))
    }

    // MARK: - users

    func testUsersDeactivateEndsSessionsAndListShowsIt() throws {
        let user = try users.createUser(NewUser(username: "somchai", email: "somchai@example.co.th"))
        _ = try users.createUser(NewUser(username: "anan", email: nil, isSuperuser: true))
        let sessions = PostgresSessionStore(pool: pool)
        let now = Timestamp.now()
        let idHash = [UInt8](repeating: 7, count: 32)
        try sessions.createSession(Session(idHash: idHash, userID: user.id, createdAt: now, lastSeenAt: now,
                                           expiresAt: now.adding(seconds: 3600), idleTimeoutSeconds: 1800))
        XCTAssertNotNil(try sessions.session(idHash: idHash, at: now))

        let outcome = try gatehouse(["users", "deactivate", "somchai"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertNil(try sessions.session(idHash: idHash, at: now))
        let count = try pool.withConnection { try $0.query("SELECT count(*) FROM sessions").scalar }
        XCTAssertEqual(count, "0", "the session row is gone, not just hidden")
        XCTAssertEqual(try users.user(id: user.id)?.isActive, false)
        XCTAssertTrue(try PostgresEventStore(pool: pool).recentEvents(limit: 5).contains { $0.action == "user.deactivate" })

        let unknown = try gatehouse(["users", "deactivate", "nobody"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderr, "users deactivate: no user named \"nobody\"\n")

        let list = try gatehouse(["users", "list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(list.stdout, "anan\t\ttrue\ttrue\nsomchai\tsomchai@example.co.th\tfalse\tfalse\n")
    }

    // MARK: - secrets

    func testGenerateKeyPrintsAnAcceptedKey() throws {
        let one = try gatehouse(["secrets", "generate-key"])
        let two = try gatehouse(["secrets", "generate-key"])
        XCTAssertEqual(one.status, 0, one.stderr)
        let key = one.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(key.count, 64)
        XCTAssertNotEqual(one.stdout, two.stdout)
        let config = try GatehouseConfig.load(environment: ["GATEHOUSE_SECRET_KEY": key])
        XCTAssertNotNil(config.secretKey)
    }

    func sealer(_ current: String, previous: [String] = []) throws -> SecretSealer {
        var environment = ["GATEHOUSE_SECRET_KEY": current]
        if !previous.isEmpty { environment["GATEHOUSE_SECRET_KEY_PREVIOUS"] = previous.joined(separator: ",") }
        return try GatehouseConfig.load(environment: environment).secretSealer()
    }

    struct Planted {
        var signingKeyID = ""
        var providerID = ""
        var sourceID = ""
    }

    /// One signing key, one provider with two sealed secrets and a non-string value, one source
    /// with one sealed secret, all sealed under `key`.
    func plant(under key: String) throws -> Planted {
        let sealer = try sealer(key)
        var planted = Planted()
        try pool.withConnection { connection in
            planted.signingKeyID = try connection.query("""
                INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_sealed) VALUES ('k1', 'RS256', '{}', 'x')
                RETURNING id::text
                """).scalar!
            try connection.query("UPDATE signing_keys SET private_key_sealed = $2 WHERE id = $1::uuid", [
                .uuid(planted.signingKeyID),
                .text(SealedColumns.seal("-----BEGIN PRIVATE KEY----- signing-plain", with: sealer,
                                         at: SealedColumns.signingKeyPrivateKey, rowID: planted.signingKeyID)),
            ])
            planted.providerID = try connection.query("INSERT INTO providers (name, kind) VALUES ('ar', 'oauth2') RETURNING id::text").scalar!
            let client = SealedColumns.seal("provider-client-plain", with: sealer, at: SealedColumns.providerSecrets,
                                            rowID: planted.providerID, field: "client_secret")
            let extra = SealedColumns.seal("provider-extra-plain", with: sealer, at: SealedColumns.providerSecrets,
                                           rowID: planted.providerID, field: "hmac_key")
            try connection.query("UPDATE providers SET secrets = $2::jsonb WHERE id = $1::uuid", [
                .uuid(planted.providerID),
                .jsonb("{\"client_secret\": \(JSONText.quoted(client)), \"hmac_key\": \(JSONText.quoted(extra)), \"rounds\": 3}"),
            ])
            planted.sourceID = try connection.query("INSERT INTO sources (slug, name, kind) VALUES ('entra', 'Entra', 'oauth') RETURNING id::text").scalar!
            let source = SealedColumns.seal("source-plain", with: sealer, at: SealedColumns.sourceSecrets,
                                            rowID: planted.sourceID, field: "client_secret")
            try connection.query("UPDATE sources SET secrets = jsonb_build_object('client_secret', $2::text) WHERE id = $1::uuid",
                                 [.uuid(planted.sourceID), .text(source)])
            // A row with no secrets at all is walked over.
            try connection.query("INSERT INTO sources (slug, name, kind) VALUES ('ldap', 'LDAP', 'ldap')")
        }
        return planted
    }

    /// Every planted value, opened with `sealer` (throws when one does not open).
    func openAll(_ planted: Planted, with sealer: SecretSealer) throws -> [String] {
        try pool.withConnection { connection in
            let signing = try connection.query("SELECT private_key_sealed FROM signing_keys WHERE id = $1::uuid",
                                               [.uuid(planted.signingKeyID)]).scalar!
            let client = try connection.query("SELECT secrets->>'client_secret' FROM providers WHERE id = $1::uuid",
                                              [.uuid(planted.providerID)]).scalar!
            let extra = try connection.query("SELECT secrets->>'hmac_key' FROM providers WHERE id = $1::uuid",
                                             [.uuid(planted.providerID)]).scalar!
            let rounds = try connection.query("SELECT secrets->'rounds' FROM providers WHERE id = $1::uuid",
                                              [.uuid(planted.providerID)]).scalar!
            XCTAssertEqual(rounds, "3", "non-string values are left alone")
            let source = try connection.query("SELECT secrets->>'client_secret' FROM sources WHERE id = $1::uuid",
                                              [.uuid(planted.sourceID)]).scalar!
            return [
                try SealedColumns.open(signing, with: sealer, at: SealedColumns.signingKeyPrivateKey, rowID: planted.signingKeyID),
                try SealedColumns.open(client, with: sealer, at: SealedColumns.providerSecrets, rowID: planted.providerID, field: "client_secret"),
                try SealedColumns.open(extra, with: sealer, at: SealedColumns.providerSecrets, rowID: planted.providerID, field: "hmac_key"),
                try SealedColumns.open(source, with: sealer, at: SealedColumns.sourceSecrets, rowID: planted.sourceID, field: "client_secret"),
            ]
        }
    }

    func snapshot() throws -> [String] {
        try pool.withConnection { connection in
            try connection.query("""
                SELECT 's' || private_key_sealed FROM signing_keys UNION ALL SELECT 'p' || secrets::text FROM providers
                UNION ALL SELECT 'o' || secrets::text FROM sources ORDER BY 1
                """).rows.map { $0[0]! }
        }
    }

    static let plaintexts = ["-----BEGIN PRIVATE KEY----- signing-plain", "provider-client-plain", "provider-extra-plain", "source-plain"]

    func testRotateMasterKeyThroughTheCommandLine() throws {
        let planted = try plant(under: Self.keyA)
        let environment = ["GATEHOUSE_SECRET_KEY": Self.keyB, "GATEHOUSE_SECRET_KEY_PREVIOUS": Self.keyA]
        let before = try snapshot()

        let dry = try gatehouse(["secrets", "rotate-master-key", "--dry-run"], environment)
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("would reseal 4, already current 0, failed 0 (dry run, nothing written)"), dry.stdout)
        XCTAssertEqual(try snapshot(), before, "a dry run writes nothing")

        let rotate = try gatehouse(["secrets", "rotate-master-key", "--batch-size", "1"], environment)
        XCTAssertEqual(rotate.status, 0, rotate.stderr)
        XCTAssertTrue(rotate.stdout.contains("resealed 4, already current 0, failed 0"), rotate.stdout)
        XCTAssertEqual(try openAll(planted, with: try sealer(Self.keyB)), Self.plaintexts, "B alone opens everything")
        XCTAssertThrowsError(try openAll(planted, with: try sealer(Self.keyA)))

        let again = try gatehouse(["secrets", "rotate-master-key"], ["GATEHOUSE_SECRET_KEY": Self.keyB])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("resealed 0, already current 4, failed 0"), again.stdout)
    }

    func testRotationReportsUnknownKeysAsFailedAndKeepsThem() throws {
        let planted = try plant(under: Self.keyA)
        // One more value, sealed under a key the rotation is not given.
        let stranger = SealedColumns.seal("stranger-plain", with: try sealer(Self.keyC), at: SealedColumns.sourceSecrets,
                                          rowID: planted.sourceID, field: "bind_password")
        try pool.withConnection { connection in
            try connection.query("UPDATE sources SET secrets = secrets || jsonb_build_object('bind_password', $2::text) WHERE id = $1::uuid",
                                 [.uuid(planted.sourceID), .text(stranger)])
        }
        let rotation = MasterKeyRotation(store: PostgresSealedValueStore(pool: pool),
                                         sealer: try sealer(Self.keyB, previous: [Self.keyA]), batchSize: 2)
        let dry = try rotation.run(dryRun: true)
        XCTAssertEqual([dry.resealed, dry.alreadyCurrent, dry.failed], [4, 0, 1])
        let report = try rotation.run(dryRun: false)
        XCTAssertEqual([report.resealed, report.alreadyCurrent, report.failed], [4, 0, 1])
        XCTAssertEqual(report.failures.map(\.location), ["sources/\(planted.sourceID)/bind_password"])
        XCTAssertTrue(report.failures[0].problem.contains("unknown master key"), report.failures[0].problem)
        XCTAssertFalse("\(report.failures)".contains("stranger-plain"))
        let kept = try pool.withConnection {
            try $0.query("SELECT secrets->>'bind_password' FROM sources WHERE id = $1::uuid", [.uuid(planted.sourceID)]).scalar
        }
        XCTAssertEqual(kept, stranger, "not lost: left exactly as it was")
        XCTAssertEqual(try sealer(Self.keyC).openString(stranger, context: "sources/\(planted.sourceID)/bind_password"), "stranger-plain")
        let rerun = try rotation.run(dryRun: false)
        XCTAssertEqual([rerun.resealed, rerun.alreadyCurrent, rerun.failed], [0, 4, 1])

        if (try? binary()) != nil {
            let cli = try gatehouse(["secrets", "rotate-master-key"],
                                    ["GATEHOUSE_SECRET_KEY": Self.keyB, "GATEHOUSE_SECRET_KEY_PREVIOUS": Self.keyA])
            XCTAssertEqual(cli.status, 1)
            XCTAssertTrue(cli.stderr.contains("failed: sources/\(planted.sourceID)/bind_password: sealed secret uses unknown master key"), cli.stderr)
            XCTAssertTrue(cli.stdout.contains("resealed 0, already current 4, failed 1"), cli.stdout)
        }
    }

    // MARK: - pg_dump

    func testPgDumpHoldsNoPlaintextSecret() throws {
        guard let pgDump = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?
            .sorted().reversed().map({ "/usr/lib/postgresql/\($0)/bin/pg_dump" })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("pg_dump not found under /usr/lib/postgresql/*/bin")
        }
        let adminPassword = "Dump-Check admin passw0rd 7f3a"
        let accounts = AdminAccounts(users: users, events: PostgresEventStore(pool: pool))
        _ = try accounts.createAdmin(username: "dumpadmin", email: "dump@example.com", name: nil,
                                     password: adminPassword, update: false)
        _ = try plant(under: Self.keyA)

        let dump = try gatehouse(["--no-owner", "--dbname", scratch.url], executable: pgDump)
        XCTAssertEqual(dump.status, 0, dump.stderr)
        XCTAssertTrue(dump.stdout.contains("dumpadmin"), "the dump holds the data")
        XCTAssertTrue(dump.stdout.contains("$argon2id$"), "the hash is there")
        XCTAssertTrue(dump.stdout.contains("gh1."), "the sealed values are there")
        for secret in [adminPassword] + Self.plaintexts {
            XCTAssertFalse(dump.stdout.contains(secret), "plaintext \(secret.prefix(8))… in the dump")
        }
    }
}
