import Crypto
import Foundation
import Postgres
import Store
import XCTest

/// The OIDC provider driven by an independent relying party (Python authlib, Tests/Interop/
/// oidc_rp.py) against the real binary, PostgreSQL and Redis: discovery, sign-in through the
/// HTML flow, code + PKCE, ID token checks against the JWKS, userinfo with custom claims,
/// refresh rotation and reuse, scenario B, client credentials, introspection, revocation,
/// forged tokens, and RP-initiated logout.
final class OIDCInteropTests: XCTestCase {
    var scratch: LoginScratchDatabase!
    var child: GatehouseChild!
    var pool: PGPool!
    var blueprints: URL!
    let password = "correct horse battery staple ช้าง"
    let secret = "ar-aging-" + Base64URL.encode(SecureRandom.bytes(24))
    let portalSecret = "portal-" + Base64URL.encode(SecureRandom.bytes(24))

    static let blueprint = """
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

    static let portalBlueprint = """
    version: 1
    metadata: {name: portal}
    entries:
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
      - model: user
        identifiers: {username: svc-ar-aging}
        attrs: {groups: [finance]}
    """

    override func setUpWithError() throws {
        let env = try IntegrationEnvironment.live()
        _ = try InteropScript.locate()
        scratch = try LoginScratchDatabase(adminURL: env.databaseURL)
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        pool = PGPool(url: scratch.url)
        let hash = try PasswordHasher().hash(password)
        let users = PostgresUserStore(pool: pool), groups = PostgresGroupStore(pool: pool)
        let finance = try groups.createGroup(NewGroup(name: "finance"))
        let somchai = try users.createUser(NewUser(
            username: "somchai", email: "somchai@example.co.th", name: "Somchai Prasert",
            attributes: JSONText(#"{"m3_company":"100","m3_roles":["AR_CLERK","AR_APPROVER"]}"#), passwordHash: hash))
        try groups.addMember(somchai.id, to: finance.id)

        blueprints = FileManager.default.temporaryDirectory.appendingPathComponent("gh-oidc-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
        try Self.blueprint.write(to: blueprints.appendingPathComponent("10-ar-aging.yaml"), atomically: true, encoding: .utf8)
        try Self.portalBlueprint.write(to: blueprints.appendingPathComponent("20-portal.yaml"), atomically: true, encoding: .utf8)
        child = try GatehouseChild.serve(env, overrides: [
            "GATEHOUSE_DATABASE_URL": scratch.url, "GATEHOUSE_BLUEPRINTS_DIR": blueprints.path,
            "AR_AGING_SECRET": secret, "PORTAL_SECRET": portalSecret,
        ])
        try child.waitUntilLive()
    }

    override func tearDown() {
        child?.stop()
        pool?.close()
        scratch?.drop()
        if let blueprints { try? FileManager.default.removeItem(at: blueprints) }
    }

    func testAuthlibRelyingPartyEndToEnd() throws {
        let script = try InteropScript.locate()
        let config: [String: Any] = [
            "base": "http://127.0.0.1:\(child.port)", "slug": "ar-aging", "client_id": "ar-aging", "client_secret": secret,
            "redirect_uri": "https://ar.example.co.th/auth/callback", "username": "somchai", "password": password,
            "email": "somchai@example.co.th", "group": "finance", "m3_roles": ["AR_CLERK", "AR_APPROVER"], "alg": "RS256",
            "second": ["slug": "portal", "client_id": "portal", "client_secret": portalSecret,
                       "redirect_uri": "https://portal.example.co.th/oidc/callback/"],
        ]
        let file = blueprints.appendingPathComponent("rp.json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        let result = try script.run("oidc_rp.py", [file.path])
        XCTAssertEqual(result.status, 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)\nserver:\n\(child.stderr.suffix(4000))")
        let passed = result.json?["passed"] as? [String] ?? []
        for name in ["id_token.validated", "userinfo.erp", "refresh.family_revoked", "scenario_b.no_page",
                     "client_credentials.token", "revoke.userinfo_refused", "negative.alg_none", "end_session.signed_out"] {
            XCTAssertTrue(passed.contains(name), "\(name) not reported as passed: \(passed)")
        }
    }
}
