import Crypto
import Foundation
import Postgres
import Store
import XCTest

/// Scenario C (F-06) and per-application access against the real binary, PostgreSQL and an
/// authlib relying party (Tests/Interop/stepup_rp.py): password sign-in, TOTP enrolment through
/// the HTML flow, the sensitive application's one-time-code prompt, tokens with amr mfa, no
/// prompt inside the window, and a user outside Finance refused.
final class StepUpInteropTests: XCTestCase {
    var scratch: LoginScratchDatabase!
    var child: GatehouseChild!
    var pool: PGPool!
    var blueprints: URL!
    let password = "correct horse battery staple ช้าง"
    let secret = "ar-aging-" + Base64URL.encode(SecureRandom.bytes(24))
    let portalSecret = "portal-" + Base64URL.encode(SecureRandom.bytes(24))

    static let blueprint = """
    version: 1
    metadata: {name: step-up}
    entries:
      - model: group
        identifiers: {name: finance}
      - model: group
        identifiers: {name: warehouse}
      - model: user
        identifiers: {username: somchai}
        attrs: {email: somchai@example.co.th, groups: [finance]}
      - model: user
        identifiers: {username: nok}
        attrs: {email: nok@example.co.th, groups: [warehouse]}
      - model: oauth2-provider
        identifiers: {name: ar-aging}
        attrs:
          client_type: confidential
          client_id: ar-aging
          client_secret: !Env AR_AGING_SECRET
          redirect_uris: [{matching_mode: strict, url: "https://ar.example.co.th/auth/callback"}]
          scopes: [openid, email, profile]
      - model: application
        identifiers: {slug: ar-aging}
        attrs: {name: "A/R Aging", provider: ar-aging, groups: [finance], sensitive: true, mfa_window: minutes=30}
      - model: oauth2-provider
        identifiers: {name: portal}
        attrs:
          client_type: confidential
          client_id: portal
          client_secret: !Env PORTAL_SECRET
          redirect_uris: [{matching_mode: strict, url: "https://portal.example.co.th/oidc/callback/"}]
          signing_alg: ES256
          scopes: [openid, email, profile]
      - model: application
        identifiers: {slug: portal}
        attrs: {name: "Portal", provider: portal}
      - model: oauth2-provider
        identifiers: {name: payroll}
        attrs:
          client_type: confidential
          client_id: payroll
          client_secret: !Env PORTAL_SECRET
          redirect_uris: [{matching_mode: strict, url: "https://payroll.example.co.th/callback"}]
          scopes: [openid]
      - model: application
        identifiers: {slug: payroll}
        attrs: {name: "Payroll", provider: payroll, groups: [finance], sensitive: true, mfa_window: seconds=8}
    """

    override func setUpWithError() throws {
        let env = try IntegrationEnvironment.live()
        _ = try InteropScript.locate()
        scratch = try LoginScratchDatabase(adminURL: env.databaseURL)
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        pool = PGPool(url: scratch.url)
        blueprints = FileManager.default.temporaryDirectory.appendingPathComponent("gh-stepup-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
        try Self.blueprint.write(to: blueprints.appendingPathComponent("10-step-up.yaml"), atomically: true, encoding: .utf8)
        child = try GatehouseChild.serve(env, overrides: [
            "GATEHOUSE_DATABASE_URL": scratch.url, "GATEHOUSE_BLUEPRINTS_DIR": blueprints.path,
            "AR_AGING_SECRET": secret, "PORTAL_SECRET": portalSecret,
        ])
        try child.waitUntilLive()
        // Passwords are set here (a blueprint would need them in the environment).
        let users = PostgresUserStore(pool: pool)
        let hash = try PasswordHasher().hash(password)
        for name in ["somchai", "nok"] {
            var found: User?
            for _ in 0..<50 where found == nil {
                found = try users.user(username: name)
                if found == nil { usleep(100_000) }
            }
            try users.setPassword(userID: try XCTUnwrap(found, "blueprint not applied").id, hash: hash, at: .now())
        }
    }

    override func tearDown() {
        child?.stop()
        pool?.close()
        scratch?.drop()
        if let blueprints { try? FileManager.default.removeItem(at: blueprints) }
    }

    func testScenarioCWithAnAuthlibRelyingParty() throws {
        let script = try InteropScript.locate()
        let config: [String: Any] = [
            "base": "http://127.0.0.1:\(child.port)", "username": "somchai", "password": password, "outsider": "nok",
            "sensitive": ["slug": "ar-aging", "client_id": "ar-aging", "client_secret": secret,
                          "redirect_uri": "https://ar.example.co.th/auth/callback"],
            "portal": ["slug": "portal", "client_id": "portal", "client_secret": portalSecret,
                       "redirect_uri": "https://portal.example.co.th/oidc/callback/"],
            // The 30-minute window scaled to 8 s, so its end is crossed in real time.
            "short_window": ["slug": "payroll", "client_id": "payroll", "client_secret": portalSecret,
                             "redirect_uri": "https://payroll.example.co.th/callback", "window_seconds": 8],
        ]
        let file = blueprints.appendingPathComponent("rp.json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        let result = try script.run("stepup_rp.py", [file.path])
        XCTAssertEqual(result.status, 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)\nserver:\n\(child.stderr.suffix(4000))")
        let passed = result.json?["passed"] as? [String] ?? []
        for name in ["portal.amr_pwd", "totp.enrolled_ten_recovery_codes", "totp.codes_shown_once", "stepup.prompted",
                     "stepup.amr_mfa", "stepup.acr_mfa", "stepup.no_prompt_inside_window",
                     "window.inside_no_prompt", "window.expired_prompts_again", "json.validate_challenge",
                     "json.wrong_code", "json.recovery_code", "json.recovery_code_single_use", "devices.listed", "devices.renamed",
                     "devices.removed", "devices.change_needs_mfa", "access.outsider_403_page",
                     "access.outsider_access_denied"] {
            XCTAssertTrue(passed.contains(name), "\(name) not reported as passed: \(passed)")
        }

        // The admin reset: the nine recovery codes left go; an unknown user is an error.
        let reset = try runCLI(["users", "reset-mfa", "somchai"])
        XCTAssertEqual(reset.status, 0, reset.output)
        XCTAssertTrue(reset.output.contains("reset somchai: 9 authenticators and recovery codes removed"), reset.output)
        XCTAssertEqual(try pool.read { try $0.query("SELECT count(*) FROM recovery_codes").scalar }, "0")
        XCTAssertEqual(try runCLI(["users", "reset-mfa", "nobody"]).status, 1)
    }

    /// WebAuthn through the JSON executor with soft-webauthn (Tests/Interop/webauthn_client.py).
    func testWebAuthnWithASoftwareAuthenticator() throws {
        let script = try InteropScript.locate()
        let config: [String: Any] = ["base": "http://127.0.0.1:\(child.port)", "username": "somchai", "password": password]
        let file = blueprints.appendingPathComponent("webauthn.json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        let result = try script.run("webauthn_client.py", [file.path])
        XCTAssertEqual(result.status, 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)\nserver:\n\(child.stderr.suffix(4000))")
        let passed = result.json?["passed"] as? [String] ?? []
        for name in ["register.wrong_origin_refused", "register.ok", "register.second_needs_existing_factor",
                     "register.offered_after_verification", "register.replay_refused", "assert.ok",
                     "assert.replay_refused", "assert.wrong_origin_refused", "assert.original_ok", "assert.clone_refused"] {
            XCTAssertTrue(passed.contains(name), "\(name) not reported as passed: \(passed)")
        }
        let clones = try pool.read { try $0.query("SELECT count(*) FROM events WHERE action = 'mfa_clone_suspected'").scalar }
        XCTAssertEqual(clones, "1")
    }

    func runCLI(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try IntegrationEnvironment.binary())
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GATEHOUSE_DATABASE_URL"] = scratch.url
        environment["GATEHOUSE_SECRET_KEY"] = child.secretKey
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
