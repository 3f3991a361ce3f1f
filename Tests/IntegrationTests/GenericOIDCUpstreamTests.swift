import Crypto
import Foundation
import Postgres
import Store
import XCTest

/// `provider_type: openid-connect` with a second Gatehouse as the upstream: everything from its
/// discovery document, the person signs in on the upstream's own password page, and the
/// relying party of the first Gatehouse gets the upstream's e-mail and groups.
final class GenericOIDCUpstreamTests: XCTestCase {
    var upstreamDB: LoginScratchDatabase!
    var mainDB: LoginScratchDatabase!
    var upstream: GatehouseChild!
    var main: GatehouseChild!
    var pools: [PGPool] = []
    var directories: [URL] = []
    let password = "upstream pass " + Base64URL.encode(SecureRandom.bytes(9))
    let downSecret = "down-" + Base64URL.encode(SecureRandom.bytes(18))
    let appSecret = "app-" + Base64URL.encode(SecureRandom.bytes(18))

    func database(_ env: IntegrationEnvironment) throws -> (LoginScratchDatabase, PGPool) {
        let db = try LoginScratchDatabase(adminURL: env.databaseURL)
        let connection = try PGConnection(url: db.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        let pool = PGPool(url: db.url)
        pools.append(pool)
        return (db, pool)
    }

    func blueprintDirectory(_ yaml: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gh-generic-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try yaml.write(to: directory.appendingPathComponent("10.yaml"), atomically: true, encoding: .utf8)
        directories.append(directory)
        return directory
    }

    override func setUpWithError() throws {
        let env = try IntegrationEnvironment.live()
        _ = try InteropScript.locate()
        // Cookies are per host, not per port: the upstream answers as `localhost`, so the browser
        // keeps its two session cookies apart, as it would for two real hosts.
        let mainPort = try freePort(), upstreamPort = try freePort()
        let (udb, upool) = try database(env)
        upstreamDB = udb
        let users = PostgresUserStore(pool: upool), groups = PostgresGroupStore(pool: upool)
        let narin = try users.createUser(NewUser(username: "narin", email: "narin@partner.example", name: "Narin K",
                                                 passwordHash: try PasswordHasher().hash(password)))
        try groups.addMember(narin.id, to: try groups.createGroup(NewGroup(name: "Engineering")).id)
        let upstreamBlueprints = try blueprintDirectory("""
            version: 1
            metadata: {name: upstream}
            entries:
              - model: oauth2-provider
                identifiers: {name: downstream}
                attrs:
                  client_type: confidential
                  client_id: gh-down
                  client_secret: !Env DOWN_SECRET
                  redirect_uris: [{matching_mode: strict, url: "http://127.0.0.1:\(mainPort)/source/oauth/callback/partner/"}]
                  scopes: [openid, email, profile]
              - model: application
                identifiers: {slug: upstream-app}
                attrs: {name: Upstream, provider: downstream}
            """)
        upstream = try GatehouseChild.serve(env, port: upstreamPort, overrides: [
            "GATEHOUSE_EXTERNAL_URL": "http://localhost:\(upstreamPort)", "GATEHOUSE_DATABASE_URL": udb.url, "GATEHOUSE_BLUEPRINTS_DIR": upstreamBlueprints.path, "DOWN_SECRET": downSecret,
        ])
        try upstream.waitUntilLive()

        let (mdb, _) = try database(env)
        mainDB = mdb
        let mainBlueprints = try blueprintDirectory("""
            version: 1
            metadata: {name: main}
            entries:
              - model: oauth-source
                identifiers: {slug: partner}
                attrs:
                  name: Partner
                  provider_type: openid-connect
                  client_id: gh-down
                  client_secret: !Env DOWN_SECRET
                  issuer: "http://localhost:\(upstream.port)/application/o/upstream-app/"
                  group_sync: true
                  login_mode: redirect
              - model: oauth2-provider
                identifiers: {name: ar-aging}
                attrs:
                  client_type: confidential
                  client_id: ar-aging
                  client_secret: !Env APP_SECRET
                  redirect_uris: [{matching_mode: strict, url: "https://ar.example.co.th/auth/callback"}]
                  scopes: [openid, email, profile]
              - model: application
                identifiers: {slug: ar-aging}
                attrs: {name: "A/R Aging", provider: ar-aging}
            """)
        main = try GatehouseChild.serve(env, port: mainPort, overrides: [
            "GATEHOUSE_DATABASE_URL": mdb.url, "GATEHOUSE_BLUEPRINTS_DIR": mainBlueprints.path,
            "DOWN_SECRET": downSecret, "APP_SECRET": appSecret,
        ])
        try main.waitUntilLive()
    }

    override func tearDown() {
        main?.stop()
        upstream?.stop()
        for pool in pools { pool.close() }
        mainDB?.drop()
        upstreamDB?.drop()
        for directory in directories { try? FileManager.default.removeItem(at: directory) }
    }

    func testRelyingPartyThroughASecondGatehouse() throws {
        let script = try InteropScript.locate()
        let config: [String: Any] = [
            "base": "http://127.0.0.1:\(main.port)", "upstream": "http://localhost:\(upstream.port)", "source": "partner",
            "slug": "ar-aging", "client_id": "ar-aging", "client_secret": appSecret,
            "redirect_uri": "https://ar.example.co.th/auth/callback", "email": "narin@partner.example",
            "groups": ["Engineering"], "upstream_username": "narin", "upstream_password": password,
        ]
        let file = directories[0].appendingPathComponent("rp.json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        let result = try script.run("federation_rp.py", [file.path, "generic"])
        XCTAssertEqual(result.status, 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)\nmain:\n\(main.stderr.suffix(3000))\nupstream:\n\(upstream.stderr.suffix(2000))")
        let passed = result.json?["passed"] as? [String] ?? []
        for name in ["rp.went_upstream", "rp.no_local_password_page", "generic.upstream_password_page", "rp.id_token_valid",
                     "rp.email_from_upstream", "rp.group.Engineering"] {
            XCTAssertTrue(passed.contains(name), "\(name) not passed: \(passed)")
        }
    }
}
