import GatehouseTesting
import Crypto
import Foundation
import Postgres
import Store
import XCTest

/// Sign-in through upstream sources against the real binary: an Entra ID stand-in
/// (Tests/Interop/entra_standin.py: discovery with the multi-tenant issuer template, JWKS with
/// rotation, Graph /me and paged /me/memberOf, the groups-overage token) and an authlib relying
/// party (Tests/Interop/federation_rp.py). Scenario A end to end, and every failure of issue 5
/// item 6 with its message, its audit event, and nothing created.
final class FederationInteropTests: XCTestCase {
    var scratch: LoginScratchDatabase!
    var child: GatehouseChild!
    var standin: Process!
    var standinPort = 0
    var pool: PGPool!
    var directory: URL!
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    let upstreamSecret = "entra-" + Base64URL.encode(SecureRandom.bytes(18))
    let appSecret = "app-" + Base64URL.encode(SecureRandom.bytes(18))

    func blueprint() -> String {
        let standin = "http://127.0.0.1:\(standinPort)"
        return """
        version: 1
        metadata: {name: federation}
        entries:
          - model: oauth-source
            identifiers: {slug: entra}
            attrs:
              name: Contoso (Microsoft 365)
              provider_type: entra-id
              client_id: gatehouse-app
              client_secret: !Env ENTRA_SECRET
              tenant: organizations
              allowed_tenants: [\(tenant)]
              authority: \(standin)
              graph_url: \(standin)
              user_matching_mode: identifier
              group_sync: true
              login_mode: redirect
              button_label: Sign in with Microsoft
              attribute_mapping: '{"entra_tenant": upstream.tid, "mfa": "mfa" in profile.amr}'
          - model: oauth-source
            identifiers: {slug: entra-deny}
            attrs: {name: Deny, provider_type: entra-id, client_id: gatehouse-app, client_secret: !Env ENTRA_SECRET,
                    tenant: \(tenant), authority: \(standin), graph_url: \(standin), user_matching_mode: email_deny}
          - model: oauth-source
            identifiers: {slug: entra-closed}
            attrs: {name: Closed, provider_type: entra-id, client_id: gatehouse-app, client_secret: !Env ENTRA_SECRET,
                    tenant: \(tenant), authority: \(standin), graph_url: \(standin), enrollment: false}
          - model: oauth-source
            identifiers: {slug: entra-down}
            attrs: {name: Down, provider_type: entra-id, client_id: gatehouse-app, client_secret: !Env ENTRA_SECRET,
                    tenant: \(tenant), authority: "http://127.0.0.1:9", graph_url: "http://127.0.0.1:9"}
          - model: oauth2-provider
            identifiers: {name: ar-aging}
            attrs:
              client_type: confidential
              client_id: ar-aging
              client_secret: !Env APP_SECRET
              redirect_uris: [{matching_mode: strict, url: "https://ar.example.co.th/auth/callback"}]
              scopes: [openid, email, profile]
              jwt_federation_sources: [entra]
              jwt_federation_subjects: [gatehouse-app]
          - model: application
            identifiers: {slug: ar-aging}
            attrs: {name: "A/R Aging", provider: ar-aging}
        """
    }

    override func setUpWithError() throws {
        let env = try IntegrationEnvironment.live()
        let script = try InteropScript.locate()
        scratch = try LoginScratchDatabase(adminURL: env.databaseURL)
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        pool = PGPool(url: scratch.url)
        // A local account; the failure test gives it the upstream user's address (email_deny must
        // refuse, and so must enrolment: one address, one account).
        _ = try PostgresUserStore(pool: pool).createUser(NewUser(username: "somchai-local", email: "somchai.local@example.co.th"))

        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-fed-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try startStandin(script)
        try blueprint().write(to: directory.appendingPathComponent("10-federation.yaml"), atomically: true, encoding: .utf8)
        child = try GatehouseChild.serve(env, overrides: [
            "GATEHOUSE_DATABASE_URL": scratch.url, "GATEHOUSE_BLUEPRINTS_DIR": directory.path,
            "ENTRA_SECRET": upstreamSecret, "APP_SECRET": appSecret,
        ])
        try child.waitUntilLive()
    }

    func startStandin(_ script: InteropScript) throws {
        let config: [String: Any] = [
            "tenant": tenant, "client_id": "gatehouse-app", "client_secret": upstreamSecret, "service_oid": "svc-oid-1",
            "user": ["oid": "00000000-0000-0000-0000-0000000000aa", "upn": "somchai@contoso.example",
                     "mail": "somchai@contoso.example", "displayName": "Somchai Prasert", "amr": ["pwd", "mfa"],
                     "groups": [["id": "g-fin", "name": "Finance"], ["id": "g-ar", "name": "AR Clerks"],
                                ["id": "g-all", "name": "All Staff"]]],
        ]
        let file = directory.appendingPathComponent("standin.json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script.python)
        process.arguments = [script.directory + "/entra_standin.py", file.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        standin = process
        // First line: {"port": N}.
        var line = Data()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0A]) { break }
            line.append(byte)
        }
        guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any], let port = object["port"] as? Int else {
            throw TestPrecondition("the Entra stand-in did not start")
        }
        standinPort = port
    }

    override func tearDown() {
        child?.stop()
        if let standin, standin.isRunning {
            standin.terminate()
            standin.waitUntilExit()
        }
        pool?.close()
        scratch?.drop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    // MARK: helpers

    func run(_ testCase: String, extra: [String: Any] = [:]) throws -> [String: Any] {
        let script = try InteropScript.locate()
        var config: [String: Any] = [
            "base": "http://127.0.0.1:\(child.port)", "standin": "http://127.0.0.1:\(standinPort)", "source": "entra",
            "slug": "ar-aging", "client_id": "ar-aging", "client_secret": appSecret,
            "redirect_uri": "https://ar.example.co.th/auth/callback", "email": "somchai@contoso.example",
            "groups": ["Finance", "AR Clerks", "All Staff"],
            "all_sources": ["entra", "entra-deny", "entra-closed", "entra-down"],
        ]
        for (k, v) in extra { config[k] = v }
        let file = directory.appendingPathComponent("rp-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        let result = try script.run("federation_rp.py", [file.path, testCase])
        XCTAssertEqual(result.status, 0, "\(testCase)\nstdout:\n\(result.stdout)\nstderr:\n\(result.stderr)\nserver:\n\(child.stderr.suffix(3000))")
        return result.json ?? [:]
    }

    struct Counts: Equatable {
        var users = 0, connections = 0, signedInSessions = 0, groups = 0
    }

    func counts() throws -> Counts {
        func count(_ sql: String) throws -> Int { Int(try pool.read { try $0.query(sql).scalar } ?? "") ?? -1 }
        return Counts(users: try count("SELECT count(*) FROM users"),
                      connections: try count("SELECT count(*) FROM source_connections"),
                      signedInSessions: try count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"),
                      groups: try count("SELECT count(*) FROM groups"))
    }

    func auditCount(_ reason: String) throws -> Int {
        Int(try pool.read {
            try $0.query("SELECT count(*) FROM events WHERE action = 'source_login_failed' AND context->>'reason' = $1",
                         [.text(reason)]).scalar
        } ?? "") ?? -1
    }

    /// Runs a failing case and checks its page, its audit event, and that nothing was created.
    func assertFails(_ testCase: String, reason: String, message: String, status: Int = 403, source: String = "entra",
                     events expected: Int = 1, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try counts()
        let events = try auditCount(reason)
        let page = try run(testCase, extra: ["fail_source": source])
        XCTAssertEqual(page["reason"] as? String, reason, "\(testCase): \(page)", file: file, line: line)
        XCTAssertEqual(page["message"] as? String, message, testCase, file: file, line: line)
        XCTAssertEqual(page["status"] as? Int, status, testCase, file: file, line: line)
        XCTAssertTrue((page["retry"] as? String)?.hasPrefix("/source/oauth/login/\(source)/") == true, "\(page)", file: file, line: line)
        XCTAssertEqual(try counts(), before, "\(testCase) created something", file: file, line: line)
        XCTAssertEqual(try auditCount(reason), events + expected, "\(testCase): one audit event per refusal", file: file, line: line)
    }

    // MARK: tests

    func testScenarioAThroughEntraWithRotationAndReplay() throws {
        let result = try run("scenario_a")
        let passed = result["passed"] as? [String] ?? []
        for name in ["rp.went_upstream", "rp.no_local_password_page", "rp.id_token_valid", "rp.email_from_upstream",
                     "rp.group.Finance", "rp.group.AR Clerks", "rp.group.All Staff", "rp.no_directory_role",
                     "rotation.same_user", "replay.refused", "flow.redirect_mode", "flow.source_buttons", "executor.sources"] {
            XCTAssertTrue(passed.contains(name), "\(name) not passed: \(passed)")
        }
        let c = try counts()
        XCTAssertEqual(c.users, 3, "the local user, the client's service account and one enrolled upstream user")
        XCTAssertEqual(c.connections, 1)
        let row = try pool.read { try $0.query("""
            SELECT u.username, u.email, u.name, c.identifier FROM users u JOIN source_connections c ON c.user_id = u.id
            """) }
        XCTAssertEqual(row.rows.first ?? [], ["somchai@contoso.example", "somchai@contoso.example", "Somchai Prasert",
                                               "00000000-0000-0000-0000-0000000000aa"])
        // attribute_mapping ran on the verified claims.
        let attributes = try pool.read { try $0.query("""
            SELECT attributes->>'entra_tenant', attributes->>'mfa', attributes->>'source' FROM users WHERE username = 'somchai@contoso.example'
            """) }
        XCTAssertEqual(attributes.rows.first ?? [], [tenant, "true", "entra"])
        // The upstream amr is kept in the session for step-up rules.
        let amr = try pool.read { try $0.query("SELECT upstream_amr::text, auth_methods::text FROM sessions WHERE user_id IS NOT NULL LIMIT 1") }
        XCTAssertEqual(amr.rows.first ?? [], ["{pwd,mfa}", "{ext}"])
        // The client secret is sealed, never stored as given.
        let stored = try pool.read { try $0.query("SELECT secrets::text FROM sources WHERE slug = 'entra'").scalar } ?? ""
        XCTAssertTrue(stored.contains("client_secret") && !stored.contains(upstreamSecret), stored)
        let synced = try pool.read { try $0.query("SELECT count(*) FROM groups WHERE attributes->>'source' = 'entra'").scalar }
        XCTAssertEqual(synced, "3")
    }

    func testMachineToMachineAssertionsFromTheUpstream() throws {
        let result = try run("m2m", extra: ["tenant": tenant, "upstream_client_id": "gatehouse-app",
                                            "upstream_client_secret": upstreamSecret])
        let passed = result["passed"] as? [String] ?? []
        for name in ["m2m.exchanged", "m2m.gatehouse_token", "m2m.refused.unknown_key", "m2m.refused.expired",
                     "m2m.refused.wrong_audience", "m2m.refused.other_application", "m2m.refused.users_token",
                     "m2m.refused.not_client_credentials"] {
            XCTAssertTrue(passed.contains(name), "\(name) not passed: \(result)")
        }
        // The caller learns only that it was refused; the reason is in the server's log.
        func description(_ name: String) -> String { ((result[name] as? [String: Any])?["description"] as? String) ?? "" }
        for name in ["unknown_key", "expired", "wrong_audience", "other_application", "users_token"] {
            XCTAssertEqual(description(name), "the client assertion was refused", "\(result)")
        }
        let log = child.stderr
        XCTAssertTrue(log.contains("bad_signature") || log.contains("signature"), "the log says why: \(log.suffix(2000))")
        XCTAssertTrue(log.contains("11111111-2222-3333-4444-555555555555"), "the log names the application that was refused")
    }

    func testSlowUpstreamIsCutOffAtTheTotalTimeout() throws {
        let before = try counts()
        let page = try run("slow")
        XCTAssertEqual(page["reason"] as? String, "upstream_unreachable", "\(page)")
        XCTAssertEqual(page["status"] as? Int, 502)
        XCTAssertEqual(page["message"] as? String, "The identity provider could not be reached in time. Try again in a moment.")
        XCTAssertTrue((page["retry"] as? String)?.hasPrefix("/source/oauth/login/entra/") == true, "\(page)")
        let elapsed = page["elapsed"] as? Double ?? 0
        XCTAssertTrue(elapsed > 14 && elapsed < 20, "gave up after \(elapsed) s, not at the 15 s total timeout")
        XCTAssertEqual(try counts(), before)
    }

    /// Security round 2, finding 9: a link to a source's login (from any site) does not sign
    /// the browser out: the signed-in session keeps going while the browser is upstream.
    func testALinkToTheSourceLoginDoesNotSignAnyoneOut() throws {
        let password = "correct horse battery staple"
        let local = try XCTUnwrap(PostgresUserStore(pool: pool).user(username: "somchai-local"))
        try PostgresUserStore(pool: pool).setPassword(userID: local.id, hash: try PasswordHasher().hash(password), at: .now())
        let browser = Browser(port: child.port)
        let executor = "/api/v3/flows/executor/default-authentication-flow/"
        _ = try browser.postJSON(executor, ["component": "ak-stage-identification", "uid_field": "somchai-local"])
        let done = jsonObject(try browser.postJSON(executor, ["component": "ak-stage-password", "password": password]))
        XCTAssertEqual(done["component"] as? String, "xak-flow-redirect", "\(done)")
        let session = browser.cookies["gatehouse_session"]
        let out = try browser.get("/source/oauth/login/entra/", headers: ["Sec-Fetch-Site": "cross-site"])
        XCTAssertEqual(out.status, 302)
        XCTAssertEqual(browser.cookies["gatehouse_session"], session, "the cookie is not replaced")
        XCTAssertEqual(try browser.get("/api/v3/core/users/me/").status, 200, "still signed in")
    }

    func testGroupsOverageTakesGroupsFromGraph() throws {
        let result = try run("overage")
        XCTAssertEqual(Set(result["groups"] as? [String] ?? []), ["Finance", "AR Clerks", "All Staff"])
    }

    func testEveryFailureHasItsOwnMessageAndCreatesNothing() throws {
        try assertFails("fail:access_denied", reason: "upstream_denied",
                        message: "Sign-in was cancelled or refused at the identity provider.")
        try assertFails("fail:wrong_tenant", reason: "wrong_tenant",
                        message: "Accounts of your organisation's directory may not sign in here.")
        try assertFails("fail:bad_signature", reason: "bad_signature",
                        message: "The identity provider's answer could not be verified (bad signature).")
        try assertFails("fail:expired", reason: "expired_token",
                        message: "The identity provider's answer has expired. Start again.")
        try assertFails("fail:nonce_mismatch", reason: "nonce_mismatch",
                        message: "The identity provider's answer does not belong to this sign-in attempt.")
        try assertFails("forged_state", reason: "invalid_state",
                        message: "This sign-in attempt has expired or was already used. Start again.")
        // The forged answer used the pending sign-in up; the genuine one, replayed after it, fails too.
        try assertFails("replayed_state", reason: "invalid_state",
                        message: "This sign-in attempt has expired or was already used. Start again.", events: 2)
        try pool.withConnection { try $0.query("UPDATE users SET email = 'somchai@contoso.example' WHERE username = 'somchai-local'") }
        try assertFails("fail:normal", reason: "email_taken",
                        message: "An account with this e-mail address already exists here. Sign in with it instead.",
                        source: "entra-deny")
        // Matching by identifier does not link by address, nor does it make a second account with it.
        try assertFails("fail:normal", reason: "email_taken",
                        message: "An account with this e-mail address already exists here. Sign in with it instead.",
                        source: "entra")
        try assertFails("fail:normal", reason: "enrollment_disabled",
                        message: "No account here is linked to this sign-in, and new accounts are not created automatically.",
                        source: "entra-closed")
        try assertFails("fail:normal", reason: "upstream_unreachable",
                        message: "The identity provider could not be reached in time. Try again in a moment.", status: 502,
                        source: "entra-down")
    }
}
