#if canImport(Glibc)
import Glibc
#endif
import App
import Crypto
import Foundation
import Postgres
import Store
import XCTest

/// The SCIM endpoint against the real binary: a `scim-source` applied from a blueprint, the
/// independent clients (scim2-tester, scim-sanity, a replay of Entra ID's requests), the error
/// shapes, and deprovisioning seen by two nodes sharing PostgreSQL and Redis.
final class SCIMIntegrationTests: XCTestCase {
    var scratch: LoginScratchDatabase!
    var pool: PGPool!
    var children: [GatehouseChild] = []
    let token = SecureRandom.token(byteCount: 32)

    static let blueprint = """
        version: 1
        metadata:
          name: scim
        entries:
          - model: scim-source
            identifiers:
              slug: entra
            attrs:
              name: Entra ID
              token: !Env SCIM_TOKEN
          - model: oauth2-provider
            identifiers: {name: portal}
            attrs:
              client_type: confidential
              client_id: portal
              client_secret: !Env PORTAL_SECRET
              redirect_uris: [{matching_mode: strict, url: "https://portal.example.co.th/callback"}]
              scopes: [openid, email, profile, offline_access]
          - model: application
            identifiers: {slug: portal}
            attrs: {name: Portal, provider: portal}
        """
    let portalSecret = SecureRandom.token(byteCount: 24)

    override func setUpWithError() throws {
        let env = try IntegrationEnvironment.live()
        scratch = try LoginScratchDatabase(adminURL: env.databaseURL)
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        pool = PGPool(url: scratch.url)
        _ = try applier().apply([("scim.yaml", Self.blueprint)])
        children.append(try GatehouseChild.serve(env, overrides: ["GATEHOUSE_DATABASE_URL": scratch.url]))
        try children[0].waitUntilLive()
    }

    /// The blueprint applier, with the master key the servers use (the portal's client secret is sealed).
    func applier() throws -> BlueprintApplier {
        BlueprintApplier(store: PostgresBlueprintStore(pool: pool),
                         environment: ["SCIM_TOKEN": token, "PORTAL_SECRET": portalSecret],
                         sealer: try SecretSealer(currentMasterKey: Hex.decode(sharedSecretKey)!))
    }

    override func tearDown() {
        children.forEach { $0.stop() }
        pool?.close()
        scratch?.drop()
    }

    var base: String { "http://127.0.0.1:\(children[0].port)/source/scim/entra/v2" }

    func runInterop(_ script: String, _ arguments: [String]) throws {
        let result = try InteropScript.locate().run(script, arguments, timeout: 300)
        XCTAssertEqual(result.status, 0, "\(script) failed:\n\(result.stderr)\n\(result.stdout)")
        XCTAssertNotNil(result.json, result.stdout)
    }

    func testScim2TesterReportsEveryCheckAsSuccess() throws {
        try runInterop("scim_tester.py", [base, token])
    }

    func testScimSanityStrictProbePasses() throws {
        try runInterop("scim_sanity_probe.py", [base, token])
    }

    func testEntraReplayDefaultShapes() throws {
        try runInterop("scim_entra_replay.py", [base, token, "default"])
    }

    func testEntraReplayFeatureFlagShapes() throws {
        try runInterop("scim_entra_replay.py", [base, token, "aadOptscim062020"])
    }

    // MARK: - errors

    func scim(_ browser: Browser, _ method: String, _ path: String, _ body: String = "", token: String? = nil,
              contentType: String = "application/scim+json") throws -> RawResponse {
        var headers = ["Authorization": "Bearer \(token ?? self.token)"]
        if !body.isEmpty { headers["Content-Type"] = contentType }
        return try browser.send(method, "/source/scim/entra/v2" + path, headers: headers, body: body)
    }

    func assertSCIMError(_ response: RawResponse, _ status: Int, _ scimType: String?, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, response.body, file: file, line: line)
        XCTAssertEqual(response.header("content-type"), "application/scim+json", file: file, line: line)
        let object = jsonObject(response)
        XCTAssertEqual(object["schemas"] as? [String], ["urn:ietf:params:scim:api:messages:2.0:Error"], file: file, line: line)
        XCTAssertEqual(object["status"] as? String, String(status), file: file, line: line)
        XCTAssertEqual(object["scimType"] as? String, scimType, file: file, line: line)
    }

    func testErrorsUseTheSCIMErrorSchemaAndWriteNothing() throws {
        let browser = Browser(port: children[0].port)
        assertSCIMError(try scim(browser, "GET", "/Users", token: "wrong"), 401, nil)
        XCTAssertEqual(try browser.send("GET", "/source/scim/entra/v2/Users").status, 401, "no token")
        XCTAssertEqual(try browser.send("GET", "/source/scim/nosuch/v2/Users", headers: ["Authorization": "Bearer \(token)"]).status, 401)
        assertSCIMError(try scim(browser, "POST", "/Users", #"{"userName": "#), 400, "invalidSyntax")
        assertSCIMError(try scim(browser, "POST", "/Users", #"{"displayName": "no userName"}"#), 400, "invalidValue")
        assertSCIMError(try browser.send("GET", "/source/scim/entra/v2/Users?filter=userName%20eq", headers: ["Authorization": "Bearer \(token)"]),
                        400, "invalidFilter")
        assertSCIMError(try scim(browser, "GET", "/Users/\(UUID().uuidString.lowercased())"), 404, nil)
        assertSCIMError(try scim(browser, "GET", "/Users/not-a-uuid"), 404, nil)
        assertSCIMError(try scim(browser, "GET", "/Nothing"), 404, nil)

        let created = try scim(browser, "POST", "/Users", #"{"userName":"malee@contoso.com","displayName":"Malee","active":true}"#)
        XCTAssertEqual(created.status, 201, created.body)
        let id = try XCTUnwrap(jsonObject(created)["id"] as? String)
        XCTAssertEqual(created.header("location"), base + "/Users/" + id)
        XCTAssertEqual(try scim(browser, "POST", "/Users", #"{"userName":"other@contoso.com"}"#).status, 201)
        assertSCIMError(try scim(browser, "POST", "/Users", #"{"userName":"MALEE@contoso.com"}"#), 409, "uniqueness")
        assertSCIMError(try scim(browser, "PATCH", "/Users/\(id)", #"{"Operations":[{"op":"replace","path":"id","value":"x"}]}"#),
                        400, "mutability")
        // A PATCH whose later operation fails changes nothing, nor does one that hits a unique value.
        assertSCIMError(try scim(browser, "PATCH", "/Users/\(id)", #"""
            {"Operations":[{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"active","value":"maybe"}]}
            """#), 400, "invalidValue")
        assertSCIMError(try scim(browser, "PATCH", "/Users/\(id)", #"""
            {"Operations":[{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"userName","value":"Other@contoso.com"}]}
            """#), 409, "uniqueness")
        let after = jsonObject(try scim(browser, "GET", "/Users/\(id)"))
        XCTAssertEqual(after["displayName"] as? String, "Malee")
        XCTAssertEqual(after["userName"] as? String, "malee@contoso.com")
        XCTAssertEqual(try pool.read { try $0.query("SELECT name FROM users WHERE id = $1", [.uuid(id)]).scalar }, "Malee")

        // Larger than maxPayloadSize: refused before any handler runs.
        let big = "{\"userName\":\"" + String(repeating: "a", count: 1_100_000) + "\"}"
        XCTAssertEqual(try scim(browser, "POST", "/Users", big).status, 413)
        // NUL cannot be stored: a client error, not a failed query.
        assertSCIMError(try scim(browser, "POST", "/Users", #"{"userName":"nul@contoso.com","nickName":"a\u0000b"}"#), 400, "invalidValue")
        assertSCIMError(try browser.send("GET", "/source/scim/entra/v2/Users?filter=userName%20eq%20%22a%5Cu0000b%22",
                                         headers: ["Authorization": "Bearer \(token)"]), 400, "invalidFilter")
    }

    // MARK: - deprovisioning

    static let executor = "/api/v3/flows/executor/default-authentication-flow/"
    static let me = "/api/v3/core/users/me/"

    /// A staff member with a live browser session (seen by both nodes) and a refresh token is
    /// disabled over SCIM: both nodes sign the cookie out at once and the token is revoked.
    func testDeactivationSignsOutOnEveryNodeAndRevokesTokens() throws {
        let env = try IntegrationEnvironment.live()
        // Nodes behind one load balancer share the external URL (and so the OIDC issuer).
        children.append(try GatehouseChild.serve(env, overrides: [
            "GATEHOUSE_DATABASE_URL": scratch.url, "GATEHOUSE_EXTERNAL_URL": "http://127.0.0.1:\(children[0].port)"]))
        try children[1].waitUntilLive()
        let nodeA = Browser(port: children[0].port), nodeB = Browser(port: children[1].port)

        let created = try scim(nodeA, "POST", "/Users", #"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"somchai@contoso.com","externalId":"3f2c9a7e-0000-4000-8000-000000000001",
             "active":true,"displayName":"Somchai Prasert","emails":[{"type":"work","primary":true,"value":"somchai@contoso.com"}]}
            """#)
        XCTAssertEqual(created.status, 201, created.body)
        let id = try XCTUnwrap(jsonObject(created)["id"] as? String)
        let provisioned = PostgresProvisioningStore(pool: pool)
        XCTAssertEqual(try provisioned.user(externalID: "3f2c9a7e-0000-4000-8000-000000000001", provisionedBy: "entra")?.rawValue, id,
                       "the Entra ID login source finds the provisioned account by object id")
        // The person signs in (a password here; through Entra ID once that source lands).
        let password = "correct horse battery staple"
        try PostgresUserStore(pool: pool).setPassword(userID: UserID(id), hash: try PasswordHasher().hash(password), at: .now())
        _ = try nodeA.get(Self.executor)
        _ = try nodeA.postJSON(Self.executor, ["component": "ak-stage-identification", "uid_field": "somchai@contoso.com"])
        _ = try nodeA.postJSON(Self.executor, ["component": "ak-stage-password", "password": password])
        let cookie = try XCTUnwrap(nodeA.cookies["gatehouse_session"], "signed in")
        nodeB.cookies["gatehouse_session"] = cookie
        XCTAssertEqual(try nodeA.get(Self.me).status, 200)
        XCTAssertEqual(try nodeB.get(Self.me).status, 200, "node B serves the same session (and caches it)")
        // The portal gets a code in that session and trades it for access and refresh tokens.
        let redirect = "https://portal.example.co.th/callback"
        let authorize = try nodeA.get("/application/o/authorize/?response_type=code&client_id=portal&scope=openid%20offline_access"
                                      + "&state=s1&redirect_uri=" + (redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        XCTAssertEqual(authorize.status, 302, authorize.body)
        let location = try XCTUnwrap(authorize.header("location"))
        let code = try XCTUnwrap(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
        let basic = "Basic " + Data("portal:\(portalSecret)".utf8).base64EncodedString()
        let issued = try nodeA.send("POST", "/application/o/token/", headers: [
            "Content-Type": "application/x-www-form-urlencoded", "Authorization": basic],
            body: "grant_type=authorization_code&code=\(code)&redirect_uri=" + (redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        XCTAssertEqual(issued.status, 200, issued.body)
        let refresh = try XCTUnwrap(jsonObject(issued)["refresh_token"] as? String)
        let access = try XCTUnwrap(jsonObject(issued)["access_token"] as? String)
        let before = try nodeB.get("/application/o/userinfo/", headers: ["Authorization": "Bearer " + access])
        XCTAssertEqual(before.status, 200, "\(before.headers) \(before.body)")

        let generationBefore = try redisGet(try RedisScratch.database(for: scratch.url, base: env.redisURL), "gh:user-gen:\(id)")

        // Entra ID's default disable request, sent to node B.
        let disabled = try scim(nodeB, "PATCH", "/Users/\(id)", #"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}
            """#)
        XCTAssertEqual(disabled.status, 200, disabled.body)
        XCTAssertEqual(jsonObject(disabled)["active"] as? Bool, false)

        XCTAssertEqual(try nodeA.get(Self.me).status, 403, "node A: signed out on the next request")
        XCTAssertEqual(try nodeB.get(Self.me).status, 403, "node B: signed out on the next request")
        // Cached sessions too: the user's generation in Redis was replaced, so no node serves an old entry.
        let generationAfter = try redisGet(try RedisScratch.database(for: scratch.url, base: env.redisURL), "gh:user-gen:\(id)")
        XCTAssertNotNil(generationAfter)
        XCTAssertNotEqual(generationAfter, generationBefore)
        let (sessions, live) = try pool.read { connection in
            (try connection.query("SELECT count(*) FROM sessions WHERE user_id = $1", [.uuid(id)]).scalar,
             try connection.query("SELECT count(*) FROM tokens WHERE user_id = $1 AND revoked_at IS NULL", [.uuid(id)]).scalar)
        }
        XCTAssertEqual(sessions, "0")
        XCTAssertEqual(live, "0", "every token of the user is revoked")
        // And the OIDC endpoints of the other node agree: the refresh token is refused and the
        // access token no longer opens userinfo.
        let refused = try nodeB.send("POST", "/application/o/token/", headers: [
            "Content-Type": "application/x-www-form-urlencoded", "Authorization": basic],
            body: "grant_type=refresh_token&refresh_token=\(refresh)")
        XCTAssertEqual(refused.status, 400, refused.body)
        XCTAssertEqual(jsonObject(refused)["error"] as? String, "invalid_grant")
        XCTAssertEqual(try nodeB.get("/application/o/userinfo/", headers: ["Authorization": "Bearer " + access]).status, 401)
        let events = try PostgresEventStore(pool: pool).recentEvents(limit: 20).map(\.action)
        XCTAssertTrue(events.contains("scim.user.deactivate"), "\(events)")

        // DELETE keeps the account for the audit trail, deactivated and out of SCIM; the
        // userName can be provisioned again.
        XCTAssertEqual(try scim(nodeA, "DELETE", "/Users/\(id)").status, 204)
        XCTAssertEqual(try scim(nodeA, "GET", "/Users/\(id)").status, 404)
        let kept = try XCTUnwrap(try PostgresUserStore(pool: pool).user(id: UserID(id)))
        XCTAssertFalse(kept.isActive)
        XCTAssertEqual(try pool.read { try $0.query("SELECT deleted_at IS NOT NULL FROM scim_resources WHERE user_id = $1", [.uuid(id)]).scalar }, "t")
        let again = try scim(nodeA, "POST", "/Users", #"{"userName":"somchai@contoso.com"}"#)
        XCTAssertEqual(again.status, 201, again.body)
        XCTAssertNotEqual(jsonObject(again)["id"] as? String, id)
    }

    /// With `purge_on_delete`, DELETE removes the user and everything hanging off it.
    func testPurgeOnDeleteRemovesTheUser() throws {
        let again = try applier().apply([("scim.yaml", Self.blueprint)])
        XCTAssertEqual(again.first?.unchanged, 3, "the same token, secret and fields: nothing to write")
        let purging = Self.blueprint.replacingOccurrences(of: "token: !Env SCIM_TOKEN", with: "token: !Env SCIM_TOKEN\n      purge_on_delete: true")
        let results = try applier().apply([("scim.yaml", purging)])
        XCTAssertEqual(results.first?.updated, 1)
        let browser = Browser(port: children[0].port)
        let created = try scim(browser, "POST", "/Users", #"{"userName":"temp@contoso.com"}"#)
        let id = try XCTUnwrap(jsonObject(created)["id"] as? String)
        XCTAssertEqual(try scim(browser, "DELETE", "/Users/\(id)").status, 204)
        XCTAssertNil(try PostgresUserStore(pool: pool).user(id: UserID(id)))
        XCTAssertEqual(try pool.read { try $0.query("SELECT count(*) FROM scim_resources WHERE user_id = $1", [.uuid(id)]).scalar }, "0")
    }

    /// `gatehouse scim token` replaces the token: the old one stops working, the printed one works.
    func testCLIIssuesAFreshToken() throws {
        let env = try IntegrationEnvironment.live()
        let cli = try GatehouseChild(binary: env.binary, arguments: ["scim", "token", "entra"],
                                     environment: ["GATEHOUSE_DATABASE_URL": scratch.url], port: 0, secretKey: "")
        XCTAssertTrue(cli.waitForExit(timeout: 30))
        XCTAssertEqual(cli.process.terminationStatus, 0, (try? String(contentsOfFile: cli.stderrPath, encoding: .utf8)) ?? "")
        let printed = try String(contentsOfFile: cli.stdoutPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(printed.count, 43, printed)
        let browser = Browser(port: children[0].port)
        XCTAssertEqual(try scim(browser, "GET", "/Users").status, 401, "the old token is gone")
        XCTAssertEqual(try scim(browser, "GET", "/Users", token: printed).status, 200)
        let stored = try pool.read { try $0.query("SELECT secrets::text FROM sources WHERE slug = 'entra'").scalar } ?? ""
        XCTAssertFalse(stored.contains(printed), "only the hash is stored")
    }

    /// `GET key` over RESP (inline command, then QUIT); nil for a missing key.
    func redisGet(_ url: String, _ key: String) throws -> String? {
        guard let components = URLComponents(string: url), let port = components.port else { throw IntegrationError("bad Redis URL") }
        let client = try RawClient(port: port, host: components.host ?? "127.0.0.1", timeout: 5)
        var command = ""
        if let password = components.password { command += "AUTH \(password)\r\n" }
        // The database the servers use (the path's number; 0 when none).
        if let index = Int(components.path.dropFirst()), index != 0 { command += "SELECT \(index)\r\n" }
        client.send(command + "GET \(key)\r\nQUIT\r\n")
        let lines = client.readAll().text.components(separatedBy: "\r\n").filter { $0 != "+OK" }
        guard let head = lines.first, head.hasPrefix("$") else { throw IntegrationError("unexpected Redis reply: \(lines)") }
        return head == "$-1" ? nil : lines.dropFirst().first
    }
}
