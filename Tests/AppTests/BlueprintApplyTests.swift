import XCTest
@testable import App
import Blueprints
import Crypto
import Postgres
import Store

/// Applying blueprints to PostgreSQL, each test on a scratch database of its own (skipped
/// without GATEHOUSE_TEST_DATABASE_URL).
final class BlueprintApplyTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!

    /// Small argon2id parameters keep the tests quick; the stored hash is still argon2id.
    let hasher = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, parallelism: 1))
    let environment = ["DEMO_PASSWORD": "correct horse battery", "GATEHOUSE_DEMO_PASSWORD": "demo-pass-123"]

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    static let example = """
        version: 1
        metadata: {name: demo}
        entries:
          - model: group
            identifiers: {name: finance}
          - model: user
            identifiers: {username: somchai}
            attrs:
              email: somchai@example.co.th
              name: Somchai Prasert
              password: !Env DEMO_PASSWORD
              groups: [finance]
              attributes: {m3_company: "100", m3_division: "AAA", m3_roles: [AR_CLERK]}
            state: present
        """

    func applier(_ environment: [String: String]? = nil) -> BlueprintApplier {
        BlueprintApplier(store: PostgresBlueprintStore(pool: pool), environment: environment ?? self.environment, hasher: hasher)
    }

    func apply(_ yaml: String, file: String = "test.yaml") throws -> BlueprintApplyResult {
        try applier().apply([(file, yaml)])[0]
    }

    func count(_ table: String) throws -> Int {
        // Table names come from the test's own literals.
        try pool.withConnection { Int(try $0.query("SELECT count(*) FROM \(table)").scalar ?? "") ?? -1 }
    }

    func counts() throws -> [Int] {
        try ["users", "groups", "group_memberships", "events"].map(count)
    }

    func testExampleApplies() throws {
        let result = try apply(Self.example)
        XCTAssertEqual([result.created, result.updated, result.deleted, result.unchanged], [2, 0, 0, 0])
        let users = PostgresUserStore(pool: pool)
        let user = try XCTUnwrap(try users.user(username: "somchai"))
        XCTAssertEqual(user.email, "somchai@example.co.th")
        XCTAssertEqual(user.name, "Somchai Prasert")
        XCTAssertTrue(user.isActive)
        XCTAssertEqual(AttributesJSON.decode(user.attributes.text),
                       .map(["m3_company": .string("100"), "m3_division": .string("AAA"), "m3_roles": .list([.string("AR_CLERK")])]))
        XCTAssertEqual(try users.groups(ofUser: user.id).map(\.name), ["finance"])
        // The row holds an argon2id hash that verifies, never the plaintext.
        let row = try pool.withConnection {
            try $0.query("SELECT password_hash, row_to_json(u)::text FROM users u WHERE username = 'somchai'").rows[0]
        }
        let hash = try XCTUnwrap(row[0])
        XCTAssertTrue(hash.hasPrefix("$argon2id$"), hash)
        XCTAssertFalse(try XCTUnwrap(row[1]).contains("correct horse battery"))
        XCTAssertEqual(hasher.verify("correct horse battery", against: hash), .valid(needsRehash: false))
        // One audit event per change, without secret values.
        let events = try PostgresEventStore(pool: pool).recentEvents(limit: 10)
        XCTAssertEqual(events.count, 2)
        XCTAssertTrue(events.allSatisfy { $0.action == "blueprint.apply" })
        XCTAssertTrue(events.contains { $0.context.text.contains("\"somchai\"") && $0.context.text.contains("\"create\"") })
        XCTAssertFalse(events.contains { $0.context.text.contains("correct horse") })
    }

    /// Security round 2, finding 3: a group an upstream sync or a SCIM source made is not taken
    /// over by a blueprint that later names it (for an application or a superuser grant).
    func testGroupsOfUpstreamsOrSCIMAreNotTakenOver() throws {
        let groups = PostgresGroupStore(pool: pool)
        _ = try groups.createGroup(NewGroup(name: "auditors", attributes: JSONText(#"{"source":"entra","upstream_id":"g-judy"}"#)))
        let scimGroup = try groups.createGroup(NewGroup(name: "payroll-admins"))
        try pool.withConnection { connection in
            let source = try connection.query("INSERT INTO sources (slug, name, kind) VALUES ('hr', 'HR', 'scim') RETURNING id::text").scalar!
            try connection.query("INSERT INTO scim_resources (source_id, group_id) VALUES ($1, $2)",
                                 [.uuid(source), .uuid(scimGroup.id.rawValue)])
        }
        let applier = applier()
        for (name, owner) in [("auditors", "upstream source entra"), ("payroll-admins", "SCIM source hr")] {
            let yaml = """
                version: 1
                metadata: {name: later}
                entries:
                  - model: group
                    identifiers: {name: \(name)}
                    attrs: {is_superuser: true}
                """
            XCTAssertThrowsError(try applier.apply([("later.yaml", yaml)])) { error in
                XCTAssertTrue("\(error)".contains(owner), "\(error)")
            }
            XCTAssertEqual(try groups.group(name: name)?.isSuperuserGroup, false, "nothing written")
        }
    }

    func testApplyingTwiceChangesNothing() throws {
        _ = try apply(Self.example)
        let before = try counts()
        let hash = try PostgresUserStore(pool: pool).user(username: "somchai")?.passwordHash
        let again = try apply(Self.example)
        XCTAssertEqual([again.created, again.updated, again.deleted, again.unchanged], [0, 0, 0, 2])
        XCTAssertEqual(try counts(), before, "no new rows and no new events")
        XCTAssertEqual(try PostgresUserStore(pool: pool).user(username: "somchai")?.passwordHash, hash, "password not re-hashed")
    }

    func testChangingAFieldUpdatesOnlyIt() throws {
        _ = try apply(Self.example)
        let before = try XCTUnwrap(try PostgresUserStore(pool: pool).user(username: "somchai"))
        let changed = Self.example.replacingOccurrences(of: "name: Somchai Prasert", with: "name: Somchai P.")
        let result = try apply(changed)
        XCTAssertEqual([result.created, result.updated, result.unchanged], [0, 1, 1])
        let after = try XCTUnwrap(try PostgresUserStore(pool: pool).user(username: "somchai"))
        XCTAssertEqual(after.name, "Somchai P.")
        XCTAssertEqual(after.email, before.email)
        XCTAssertEqual(after.passwordHash, before.passwordHash)
        XCTAssertEqual(after.attributes, before.attributes)
        let event = try XCTUnwrap(try PostgresEventStore(pool: pool).recentEvents(limit: 1).first)
        XCTAssertTrue(event.context.text.contains("\"update\""), event.context.text)
        XCTAssertTrue(event.context.text.contains("[\"name\"]"), event.context.text)

        // A new password and memberships set exactly to the list; deactivation ends sessions.
        try pool.withConnection { try $0.query("INSERT INTO groups (name) VALUES ('it')") }
        let sessions = PostgresSessionStore(pool: pool)
        let now = Timestamp.now()
        try sessions.createSession(Session(idHash: [UInt8](repeating: 3, count: 32), userID: after.id, createdAt: now,
                                           lastSeenAt: now, expiresAt: now.adding(seconds: 600), idleTimeoutSeconds: 600))
        let moved = changed.replacingOccurrences(of: "groups: [finance]", with: "groups: [it]\n      is_active: false")
        let result2 = try applier(["DEMO_PASSWORD": "another secret"]).apply([("test.yaml", moved)])[0]
        XCTAssertEqual(result2.updated, 1)
        let user = try XCTUnwrap(try PostgresUserStore(pool: pool).user(username: "somchai"))
        XCTAssertFalse(user.isActive)
        XCTAssertEqual(try PostgresUserStore(pool: pool).groups(ofUser: user.id).map(\.name), ["it"])
        XCTAssertEqual(hasher.verify("another secret", against: try XCTUnwrap(user.passwordHash)), .valid(needsRehash: false))
        XCTAssertNil(try sessions.session(idHash: [UInt8](repeating: 3, count: 32), at: now))
        XCTAssertEqual(try count("sessions"), 0)
    }

    func testAbsentUserIsDeleted() throws {
        _ = try apply(Self.example)
        let result = try apply("""
            version: 1
            metadata: {name: cleanup}
            entries:
              - model: user
                identifiers: {username: somchai}
                state: absent
            """)
        XCTAssertEqual(result.deleted, 1)
        XCTAssertNil(try PostgresUserStore(pool: pool).user(username: "somchai"))
        XCTAssertEqual(try count("group_memberships"), 0)
        XCTAssertEqual(try count("groups"), 1, "the group stays")
    }

    func testBadFilesWriteNothing() throws {
        _ = try apply(Self.example)
        let before = try counts()
        let dangling = Self.example + """

              - model: user
                identifiers: {username: malee}
                attrs: {groups: [nowhere]}
            """
        let missingEnv = Self.example.replacingOccurrences(of: "!Env DEMO_PASSWORD", with: "!Env NOT_SET_ANYWHERE")
        let noSecret = Self.example.replacingOccurrences(of: "name: Somchai Prasert", with: "name: Changed") + """

              - model: oauth2-provider
                identifiers: {name: p}
                attrs: {client_type: confidential, client_id: p, redirect_uris: []}
            """
        let cases: [(String, String)] = [
            (dangling, "group name=nowhere is neither in this file nor known"),
            (missingEnv, "environment variable NOT_SET_ANYWHERE is not set"),
            (noSecret, "a confidential client needs a secret"),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try apply(yaml, file: "bad.yaml")) { error in
                let failure = error as! BlueprintApplyFailure
                XCTAssertEqual(failure.file, "bad.yaml")
                XCTAssertTrue(failure.lines.contains { $0.hasPrefix("bad.yaml:") && $0.contains(message) }, "\(failure.lines)")
            }
            XCTAssertEqual(try counts(), before, message)
        }
        XCTAssertEqual(try PostgresUserStore(pool: pool).user(username: "somchai")?.name, "Somchai Prasert")

        // A good file followed by a bad one: the good one is rolled back too.
        let good = Self.example.replacingOccurrences(of: "finance", with: "audit").replacingOccurrences(of: "somchai", with: "niran")
        XCTAssertThrowsError(try applier().apply([("good.yaml", good), ("bad.yaml", dangling)]))
        XCTAssertEqual(try counts(), before)
    }

    func testConcurrentAppliesAgree() throws {
        let results = ConcurrentResults()
        let (url, environment, hasher) = (scratch.url, environment, hasher)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let pool = PGPool(url: url)
            defer { pool.close() }
            do {
                let result = try BlueprintApplier(store: PostgresBlueprintStore(pool: pool),
                                                  environment: environment, hasher: hasher)
                    .apply([("test.yaml", Self.example)])[0]
                results.add(.success(result.created))
            } catch {
                results.add(.failure(error))
            }
        }
        let created = try results.all.map { try $0.get() }.sorted()
        XCTAssertEqual(created, [0, 2], "one applied, the other waited and found nothing to do")
        XCTAssertEqual(try counts(), [1, 1, 1, 2])
    }

    func testDemoBlueprintApplies() throws {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        let demo = directory.appendingPathComponent("Blueprints/demo").path
        let files = try BlueprintApplier.blueprintFiles(under: demo)
        XCTAssertEqual(files.map { URL(fileURLWithPath: $0).lastPathComponent }, ["demo.yaml", "oidc-ar-aging.yaml"])
        let results = try applier().apply(paths: files)
        XCTAssertEqual(results[0].created, 9)
        XCTAssertEqual(results[1].created, 3, "the demo OIDC application, its provider and scope mapping")
        XCTAssertEqual(Set(results[0].usernames), ["somchai", "malee", "anan", "kanya", "prasit"])
        let groups = PostgresGroupStore(pool: pool)
        let warehouse = try XCTUnwrap(try groups.group(name: "warehouse"))
        XCTAssertEqual(warehouse.parentID, try groups.group(name: "operations")?.id)
        XCTAssertEqual(try PostgresUserStore(pool: pool).user(username: "anan")?.isSuperuser, true)
        XCTAssertEqual(try applier().apply(paths: files).map(\.unchanged), [9, 3], "applying again changes nothing")
    }

    /// `gatehouse blueprint apply` on a scratch database (needs GATEHOUSE_TEST_BINARY).
    func testCommandLineApply() throws {
        guard let binary = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_BINARY"] else {
            throw XCTSkip("GATEHOUSE_TEST_BINARY is not set")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.yaml")
        let bad = folder.appendingPathComponent("bad.yaml")
        try Self.example.write(to: good, atomically: true, encoding: .utf8)
        try Self.example.replacingOccurrences(of: "[finance]", with: "[nowhere]").write(to: bad, atomically: true, encoding: .utf8)

        func run(_ arguments: [String]) throws -> (Int32, String, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["blueprint", "apply"] + arguments
            process.environment = ["GATEHOUSE_DATABASE_URL": scratch.url, "DEMO_PASSWORD": "correct horse battery",
                                   "PATH": "/usr/bin:/bin"]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, stdout, stderr)
        }

        let (status, stdout, _) = try run([good.path])
        XCTAssertEqual(status, 0)
        XCTAssertTrue(stdout.contains("good.yaml: blueprint demo: 2 created, 0 updated, 0 deleted, 0 unchanged"), stdout)
        let (again, stdout2, _) = try run([good.path])
        XCTAssertEqual(again, 0)
        XCTAssertTrue(stdout2.contains("0 created, 0 updated, 0 deleted, 2 unchanged"), stdout2)
        let (failed, _, stderr) = try run([bad.path])
        XCTAssertEqual(failed, 1)
        XCTAssertTrue(stderr.contains("bad.yaml:") && stderr.contains("group name=nowhere"), stderr)
        XCTAssertTrue(stderr.contains("nothing was applied"), stderr)
    }
}

private final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Int, any Error>] = []
    func add(_ result: Result<Int, any Error>) { lock.lock(); results.append(result); lock.unlock() }
    var all: [Result<Int, any Error>] { lock.lock(); defer { lock.unlock() }; return results }
}

final class AttributesJSONTests: XCTestCase {
    func testRoundTrip() {
        let value: FieldValue = .map(["a": .string("x \"y\" é\n"), "n": .int(100), "d": .double(1.5), "b": .bool(true),
                                      "l": .list([.string("A"), .int(-2)]), "e": .map([:])])
        XCTAssertEqual(AttributesJSON.decode(AttributesJSON.encode(value)!), value)
        XCTAssertEqual(AttributesJSON.decode(#"{"s": "\u00e9\ud83d\ude00"}"#), .map(["s": .string("é😀")]))
        XCTAssertNil(AttributesJSON.decode(#"{"a": null}"#))
        XCTAssertNil(AttributesJSON.decode("{"))
    }
}
