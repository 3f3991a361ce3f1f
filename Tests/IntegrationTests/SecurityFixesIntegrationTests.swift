#if canImport(Glibc)
import Glibc
#endif
import App
import Crypto
import Foundation
import Postgres
import Store
import XCTest

/// Issue 11's findings, each reproduced against the real binary (PostgreSQL, Redis, a SCIM
/// source applied from a blueprint) as its first case, then the expected answer.
final class SecurityFixesIntegrationTests: XCTestCase {
    static let executor = "/api/v3/flows/executor/default-authentication-flow/"
    static let totpSetup = "/api/v3/flows/executor/default-authenticator-totp-setup/"
    static let validation = "/api/v3/flows/executor/default-authenticator-validation-flow/"
    static let blueprint = """
        version: 1
        metadata: {name: security-fixes}
        entries:
          - model: scim-source
            identifiers: {slug: entra}
            attrs: {name: Entra ID, token: !Env SCIM_TOKEN}
        """

    var scratch: LoginScratchDatabase!
    var pool: PGPool!
    var child: GatehouseChild!
    let token = SecureRandom.token(byteCount: 32)
    let password = "correct horse battery staple"
    var port: Int { child.port }

    override func setUpWithError() throws {
        let env = try IntegrationEnvironment.live()
        scratch = try LoginScratchDatabase(adminURL: env.databaseURL)
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        pool = PGPool(url: scratch.url)
        _ = try BlueprintApplier(store: PostgresBlueprintStore(pool: pool), environment: ["SCIM_TOKEN": token],
                                 sealer: try SecretSealer(currentMasterKey: Hex.decode(sharedSecretKey)!))
            .apply([("scim.yaml", Self.blueprint)])
        let hash = try PasswordHasher().hash(password)
        let users = PostgresUserStore(pool: pool)
        var admin = try users.createUser(NewUser(username: "anan", email: "anan@example.co.th", name: "Anan", passwordHash: hash))
        admin.isSuperuser = true
        _ = try users.updateUser(admin)
        _ = try users.createUser(NewUser(username: "somchai", email: "somchai@example.co.th", name: "Somchai", passwordHash: hash))
        child = try GatehouseChild.serve(env, overrides: ["GATEHOUSE_DATABASE_URL": scratch.url])
        try child.waitUntilLive()
    }

    override func tearDown() {
        child?.stop()
        pool?.close()
        scratch?.drop()
    }

    @discardableResult
    func signIn(_ browser: Browser, _ uid: String) throws -> [String: Any] {
        _ = try browser.postJSON(Self.executor, ["component": "ak-stage-identification", "uid_field": uid])
        return jsonObject(try browser.postJSON(Self.executor, ["component": "ak-stage-password", "password": password]))
    }

    func scim(_ method: String, _ path: String, _ body: String = "") throws -> RawResponse {
        try Browser(port: port).send(method, "/source/scim/entra/v2" + path,
                                     headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/scim+json"], body: body)
    }

    func count(_ sql: String) throws -> Int { Int(try pool.read { try $0.query(sql).scalar } ?? "") ?? -1 }

    var nowSeconds: Int64 { Int64(Date().timeIntervalSince1970) }

    // Item 1: a password alone replaced the second factor.
    func testPasswordAloneCannotAddAnAuthenticatorOrRemoveTheVictims() throws {
        // The owner enrols a TOTP device (first device: no second factor needed yet).
        let owner = Browser(port: port)
        XCTAssertEqual(try signIn(owner, "somchai")["component"] as? String, "xak-flow-redirect")
        let setup = jsonObject(try owner.get(Self.totpSetup))
        let secret = try XCTUnwrap(Base32.decode(try XCTUnwrap(setup["secret"] as? String, "\(setup)")))
        let device = TOTP(secret: secret)
        let codes = jsonObject(try owner.postJSON(Self.totpSetup, ["component": "ak-stage-authenticator-totp",
                                                                    "code": device.code(at: nowSeconds)]))
        XCTAssertEqual((codes["codes"] as? [String])?.count, 10, "\(codes)")
        let deviceID = try XCTUnwrap(try pool.read { try $0.query("SELECT id::text FROM totp_devices WHERE confirmed").scalar })

        // The attacker knows the password only: the setup flow asks for the existing factor first.
        let attacker = Browser(port: port)
        XCTAssertEqual(try signIn(attacker, "somchai")["component"] as? String, "xak-flow-redirect")
        let asked = jsonObject(try attacker.get(Self.totpSetup))
        XCTAssertEqual(asked["component"] as? String, "ak-stage-authenticator-validate", "\(asked)")
        XCTAssertNil(asked["secret"], "no new secret before the existing factor is proven")
        let madeUp = TOTP.generate()
        let refused = jsonObject(try attacker.postJSON(Self.totpSetup, ["component": "ak-stage-authenticator-totp",
                                                                         "code": madeUp.code(at: nowSeconds)]))
        XCTAssertEqual(refused["component"] as? String, "ak-stage-authenticator-validate", "\(refused)")
        XCTAssertEqual(try count("SELECT count(*) FROM totp_devices"), 1, "no second device")
        XCTAssertEqual(try count("SELECT count(*) FROM recovery_codes"), 10, "the victim's codes stand")
        // Nor can the attacker remove the victim's device.
        let removal = try attacker.send("DELETE", "/api/v3/authenticators/totp/\(deviceID)/")
        XCTAssertEqual(removal.status, 403, removal.body)
        XCTAssertEqual(try count("SELECT count(*) FROM totp_devices"), 1)
    }

    // Items 2 and 3: a SCIM source cannot take or block a local account's identifiers.
    func testSCIMCannotReuseALocalAccountsAddressOrUsername() throws {
        func uniqueness(_ response: RawResponse, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(response.status, 409, response.body, file: file, line: line)
            XCTAssertEqual(jsonObject(response)["scimType"] as? String, "uniqueness", response.body, file: file, line: line)
        }
        uniqueness(try scim("POST", "/Users", #"{"userName":"evil1","emails":[{"value":"ANAN@example.co.th","primary":true}]}"#))
        uniqueness(try scim("POST", "/Users", #"{"userName":"anan@example.co.th"}"#))
        uniqueness(try scim("POST", "/Users", #"{"userName":"Somchai"}"#))
        XCTAssertEqual(try count("SELECT count(*) FROM users"), 2, "nothing half-written")

        // A SCIM user with its own address; changing it to the administrator's is refused too.
        let created = try scim("POST", "/Users", #"{"userName":"malee","emails":[{"value":"malee@contoso.com"}]}"#)
        XCTAssertEqual(created.status, 201, created.body)
        let id = try XCTUnwrap(jsonObject(created)["id"] as? String)
        uniqueness(try scim("PATCH", "/Users/\(id)", #"{"Operations":[{"op":"replace","path":"emails","value":[{"value":"anan@example.co.th"}]}]}"#))

        // Sign-in by e-mail still names the administrator, and keeps doing so after a delete.
        XCTAssertEqual(try signIn(Browser(port: port), "anan@example.co.th")["component"] as? String, "xak-flow-redirect")
        XCTAssertEqual(try scim("DELETE", "/Users/\(id)").status, 204)
        XCTAssertEqual(try pool.read { try $0.query("SELECT count(*) FROM users WHERE email IS NOT NULL AND username LIKE '%~deleted~%'").scalar }, "0",
                       "a deleted account gives its address up")
        XCTAssertEqual(try scim("POST", "/Users", #"{"userName":"malee2","emails":[{"value":"malee@contoso.com"}]}"#).status, 201)
    }

    // Item 10: look-alike names from SCIM are folded or refused.
    func testSCIMNamesAreNormalised() throws {
        let wide = try scim("POST", "/Users", #"{"userName":" ｓｏｍｐｏｎｇ "}"#)
        XCTAssertEqual(wide.status, 201, wide.body)
        XCTAssertEqual(jsonObject(wide)["userName"] as? String, "sompong")
        for invisible in [#"som\u200Bpong2"#, #"\u202Eevil"#] {
            let response = try scim("POST", "/Users", #"{"userName":"\#(invisible)"}"#)
            XCTAssertEqual(response.status, 400, response.body)
        }
        XCTAssertEqual(try scim("POST", "/Groups", #"{"displayName":"Finance"}"#).status, 201)
        XCTAssertEqual(try scim("POST", "/Groups", #"{"displayName":"FINANCE"}"#).status, 409, "group names are unique in any case")
    }

    // Item 7: NUL in the username gave a 500.
    func testNULInTheIdentifierIsAnOrdinaryWrongLogin() throws {
        let browser = Browser(port: port)
        let body = #"{"component":"ak-stage-identification","uid_field":"a\u0000b"}"#
        let identified = try browser.send("POST", Self.executor, headers: ["Content-Type": "application/json"], body: body)
        XCTAssertEqual(identified.status, 200, identified.body)
        let answer = jsonObject(try browser.postJSON(Self.executor, ["component": "ak-stage-password", "password": password]))
        XCTAssertEqual(answer["component"] as? String, "ak-stage-password", "\(answer)")

        // The HTML form, too.
        let page = Browser(port: port)
        let form = try page.get("/if/flow/default-authentication-flow/")
        let csrf = try XCTUnwrap(Browser.csrfToken(in: form.body))
        let posted = try page.send("POST", "/if/flow/default-authentication-flow/",
                                   headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                   body: "csrf_token=\(csrf)&component=ak-stage-identification&uid_field=a%00b")
        XCTAssertLessThan(posted.status, 500, posted.body)
    }

    // Item 9: anonymous GETs wrote a session row each.
    func testAnonymousRequestsWriteNoSessions() throws {
        for _ in 0..<30 {
            XCTAssertEqual(try Browser(port: port).get(Self.executor).status, 200)
            XCTAssertEqual(try Browser(port: port).get("/if/flow/default-authentication-flow/").status, 200)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM sessions"), 0)
        // Answering a stage keeps the flow's state (one pre-login session), and signing in works.
        let browser = Browser(port: port)
        XCTAssertEqual(try signIn(browser, "somchai")["component"] as? String, "xak-flow-redirect")
        XCTAssertEqual(try count("SELECT count(*) FROM sessions WHERE user_id IS NOT NULL"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM sessions WHERE user_id IS NULL"), 0, "the pre-login session was replaced")
    }
}
