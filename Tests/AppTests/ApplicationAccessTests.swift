@testable import Portal
import Identity
import Foundation
import HTTP
import Logging
import OIDC
import Policies
import Postgres
import Store
import Web
import XCTest
@testable import App
import Blueprints
import Crypto

/// Per-application access through policy bindings, end to end in process: blueprints applied
/// to PostgreSQL, the real client directory, grant store and signing keys, the web layer's
/// trusted-proxy resolution, and `PolicyApplicationAccess`. Only the browser session is faked
/// (a session cookie naming the user, see `CookieSessions`).
final class ApplicationAccessTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var app: WebApplication!
    var sealer: SecretSealer!
    let hasher = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, parallelism: 1))
    static let secret = "client-Secret-0123456789abcdef"
    /// The reverse proxy in front of Gatehouse.
    static let proxy = "192.168.1.1"

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        sealer = try SecretSealer(currentMasterKey: [UInt8](repeating: 7, count: 32))
        try apply(Self.blueprint)

        let users = PostgresUserStore(pool: pool)
        let events = PostgresEventStore(pool: pool)
        let keys = SigningKeyRing(store: PostgresSigningKeyStore(pool: pool), sealer: sealer,
                                  logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try keys.ensureKeys()
        let provider = OIDCProvider(
            externalURL: "https://id.example.com",
            clients: CachedOAuthClientDirectory(store: PostgresOAuthProviderStore(pool: pool), sealer: sealer, timeToLive: 0),
            grants: PostgresOAuthGrantStore(pool: pool), users: users, events: events, keys: keys,
            sessions: CookieSessions(users: users), signIn: SignInLocations(signInPath: "/login"), tokenSealer: sealer,
            access: PolicyApplicationAccess(users: users, source: StoredApplicationPolicies(store: PostgresApplicationPolicyStore(pool: pool)),
                                            engine: PolicyEngine(), events: events))
        let config = WebConfig(externalURL: "https://id.example.com", trustedProxies: try TrustedProxies([Self.proxy + "/32"]),
                               branding: Branding(companyName: "Acme"), serverKey: [UInt8](repeating: 7, count: 32),
                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        app = try WebApplication(config: config)
        provider.register(root: app.root, forms: app.forms)
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    func apply(_ yaml: String) throws {
        _ = try BlueprintApplier(store: PostgresBlueprintStore(pool: pool),
                                 environment: ["CLIENT_SECRET": Self.secret], hasher: hasher, sealer: sealer)
            .apply([("access.yaml", yaml)])
    }

    static func application(_ slug: String, _ attrs: String) -> String {
        """
          - model: oauth2-provider
            identifiers: {name: \(slug)}
            attrs:
              client_type: confidential
              client_id: \(slug)
              client_secret: !Env CLIENT_SECRET
              redirect_uris: [{matching_mode: strict, url: "https://\(slug).example.co.th/cb"}]
              scopes: [openid, email]
          - model: application
            identifiers: {slug: \(slug)}
            attrs: {name: "\(slug)", provider: \(slug)\(attrs.isEmpty ? "" : ", " + attrs)}

        """
    }

    static let blueprint = """
        version: 1
        metadata: {name: access}
        entries:
          - model: group
            identifiers: {name: finance}
          - model: group
            identifiers: {name: warehouse}
          - model: user
            identifiers: {username: somchai}
            attrs: {groups: [finance]}
          - model: user
            identifiers: {username: nok}
            attrs: {groups: [warehouse]}
          - model: policy
            identifiers: {name: office-lan}
            attrs: {kind: ip-network, networks: ["10.0.0.0/8"]}
          - model: policy
            identifiers: {name: finance-on-lan}
            attrs: {kind: expression, expression: "user.is_in_group('finance') && ip_in(request.ip, '10.0.0.0/8')"}
          - model: policy
            identifiers: {name: broken}
            attrs: {kind: expression, expression: "int(user.username) > 0"}

        """
        + application("ar-aging", "groups: [finance]")
        + application("ledger", "policies: [{policy: finance-on-lan}]")
        + application("kiosk", "policies: [{policy: office-lan, negate: true}]")
        + application("reports-all", "groups: [finance], policies: [{policy: office-lan}], policy_engine_mode: all")
        + application("reports-any", "groups: [finance], policies: [{policy: office-lan}], policy_engine_mode: any")
        + application("fragile", "policies: [{policy: broken}]")
        + application("lenient", "policies: [{policy: broken, failure_result: true}]")
        + application("open", "")

    /// The authorize request of `client` for `user`, from `peer` with the given forwarding header.
    func authorize(_ client: String, user: String, peer: String = "10.1.1.1", forwardedFor: String? = nil,
                   prompt: String? = nil) -> HTTPResponse {
        var query = "response_type=code&client_id=\(client)&scope=openid&state=s1"
            + "&redirect_uri=" + PercentEncoding.encode("https://\(client).example.co.th/cb")
        if let prompt { query += "&prompt=" + prompt }
        var headers = HTTPHeaders()
        headers.add("Host", "id.example.com")
        headers.add("Cookie", "__Host-gatehouse_session=" + CookieSessions.token(for: user))
        if let forwardedFor { headers.add("X-Forwarded-For", forwardedFor) }
        let request = HTTPRequest(method: .get, target: "/application/o/authorize/?" + query, headers: headers, body: [])
        return app.responder(request, ConnectionInfo(remoteAddress: peer, remotePort: 40000, localPort: 8080, isTLS: true))
    }

    func allowed(_ response: HTTPResponse, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let location = response.headers["Location"] ?? ""
        if response.status == .found, location.contains("code=") { return true }
        let body = String(decoding: response.body, as: UTF8.self)
        XCTAssertTrue(location.contains("error=access_denied") || body.contains("error=access_denied"),
                      "neither a code nor access_denied: \(response.status) \(location)", file: file, line: line)
        return false
    }

    func testUserOutsideFinanceGetsAccessDeniedAndA403Page() throws {
        XCTAssertTrue(allowed(authorize("ar-aging", user: "somchai")))
        let page = authorize("ar-aging", user: "nok")
        XCTAssertEqual(page.status, .forbidden)
        let body = String(decoding: page.body, as: UTF8.self)
        XCTAssertTrue(body.contains("error=access_denied"), body)
        let silent = authorize("ar-aging", user: "nok", prompt: "none")
        XCTAssertEqual(silent.status, .found)
        XCTAssertTrue(silent.headers["Location"]?.hasPrefix("https://ar-aging.example.co.th/cb?error=access_denied") ?? false)
        let denied = try pool.read { try $0.query("SELECT context::text FROM events WHERE action = 'policy_denied'").rows }
        XCTAssertTrue(denied.contains { ($0.first ?? nil)?.contains("group:finance") ?? false }, "\(denied)")
    }

    func testIPRuleBelievesOnlyTrustedProxies() {
        // Through the trusted proxy: the forwarded client address counts.
        XCTAssertTrue(allowed(authorize("ledger", user: "somchai", peer: Self.proxy, forwardedFor: "10.20.30.40")))
        XCTAssertFalse(allowed(authorize("ledger", user: "somchai", peer: Self.proxy, forwardedFor: "203.0.113.50")))
        // The same header from a peer that is not a trusted proxy is ignored: its own address counts.
        XCTAssertFalse(allowed(authorize("ledger", user: "somchai", peer: "198.51.100.7", forwardedFor: "10.20.30.40")))
        XCTAssertTrue(allowed(authorize("ledger", user: "somchai", peer: "10.9.9.9", forwardedFor: "203.0.113.50")))
        // Right network, wrong group.
        XCTAssertFalse(allowed(authorize("ledger", user: "nok", peer: Self.proxy, forwardedFor: "10.20.30.40")))
    }

    func testNegate() {
        XCTAssertFalse(allowed(authorize("kiosk", user: "nok", peer: "10.1.1.1")))
        XCTAssertTrue(allowed(authorize("kiosk", user: "nok", peer: "198.51.100.7")))
    }

    func testModeAllAndAny() {
        XCTAssertTrue(allowed(authorize("reports-all", user: "somchai", peer: "10.1.1.1")))
        XCTAssertFalse(allowed(authorize("reports-all", user: "somchai", peer: "198.51.100.7")))
        XCTAssertFalse(allowed(authorize("reports-all", user: "nok", peer: "10.1.1.1")))
        XCTAssertTrue(allowed(authorize("reports-any", user: "somchai", peer: "198.51.100.7")))
        XCTAssertTrue(allowed(authorize("reports-any", user: "nok", peer: "10.1.1.1")))
        XCTAssertFalse(allowed(authorize("reports-any", user: "nok", peer: "198.51.100.7")))
    }

    func testAPolicyThatErrsCountsAsItsFailureResult() {
        XCTAssertFalse(allowed(authorize("fragile", user: "somchai")))
        XCTAssertTrue(allowed(authorize("lenient", user: "somchai")))
        XCTAssertTrue(allowed(authorize("open", user: "nok")))
    }

    func testClientCredentialsServiceAccountIsCheckedTheSameWay() throws {
        func token(_ client: String, peer: String = "10.1.1.1") -> HTTPResponse {
            var headers = HTTPHeaders()
            headers.add("Host", "id.example.com")
            headers.add("Content-Type", "application/x-www-form-urlencoded")
            headers.add("Authorization", "Basic " + Data((client + ":" + Self.secret).utf8).base64EncodedString())
            let request = HTTPRequest(method: .post, target: "/application/o/token/", headers: headers,
                                      body: Array("grant_type=client_credentials".utf8))
            return app.responder(request, ConnectionInfo(remoteAddress: peer, remotePort: 40000, localPort: 8080, isTLS: true))
        }
        // svc-ar-aging is not in finance; svc-kiosk passes kiosk's rule only off the LAN.
        XCTAssertEqual(token("ar-aging").status, .badRequest)
        XCTAssertTrue(String(decoding: token("ar-aging").body, as: UTF8.self).contains("unauthorized_client"))
        XCTAssertEqual(token("kiosk", peer: "10.1.1.1").status, .badRequest)
        XCTAssertEqual(token("kiosk", peer: "198.51.100.7").status, .ok)
        try apply("""
            version: 1
            metadata: {name: svc}
            entries:
              - model: user
                identifiers: {username: svc-ar-aging}
                attrs: {groups: [finance]}
            """)
        XCTAssertEqual(token("ar-aging").status, .ok)
    }

    /// Every node keeps the rules in memory; a policy bound on another node (another
    /// connection here) reaches this one through PostgreSQL's NOTIFY, within a second.
    func testCachedRulesFollowAChangeMadeElsewhere() throws {
        let directory = CachedOAuthClientDirectory(store: PostgresOAuthProviderStore(pool: pool), sealer: sealer)
        let cached = CachedApplicationPolicies(base: StoredApplicationPolicies(store: PostgresApplicationPolicyStore(pool: pool)),
                                               timeToLive: .seconds(3600))
        directory.onInvalidate { cached.invalidate() }
        directory.startListening(to: PGConfigurationChangeFeed(url: scratch.url))
        defer { directory.stopListening() }
        let deadline = Date().addingTimeInterval(5)
        while !directory.isListening && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(directory.isListening)
        XCTAssertEqual(try cached.rules(applicationSlug: "open")?.bindings.count, 0)
        try apply(Self.blueprint.replacingOccurrences(of: "application(\"open\", \"\")", with: "")
                  .replacingOccurrences(of: "attrs: {name: \"open\", provider: open}",
                                        with: "attrs: {name: \"open\", provider: open, policies: [{policy: office-lan}]}"))
        var seen = -1
        while Date() < deadline.addingTimeInterval(2) {
            seen = try cached.rules(applicationSlug: "open")?.bindings.count ?? -1
            if seen == 1 { break }
            usleep(50_000)
        }
        XCTAssertEqual(seen, 1, "the binding made on another connection is seen without waiting for the time to live")
    }

    func testBlueprintReadsBackUnchangedAndRefusesToDeleteABoundPolicy() throws {
        let results = try BlueprintApplier(store: PostgresBlueprintStore(pool: pool),
                                           environment: ["CLIENT_SECRET": Self.secret], hasher: hasher, sealer: sealer)
            .apply([("access.yaml", Self.blueprint)])
        XCTAssertEqual(results[0].created + results[0].updated, 0, results[0].summary)
        XCTAssertThrowsError(try apply("""
            version: 1
            metadata: {name: gone}
            entries:
              - model: policy
                state: absent
                identifiers: {name: office-lan}
            """)) { error in XCTAssertTrue("\(error)".contains("still bound to application"), "\(error)") }
    }
}

/// A signed-in browser is a session cookie carrying `CookieSessions.token(for: <username>)`.
struct CookieSessions: BrowserSessions {
    let users: PostgresUserStore
    static func token(for username: String) -> String { Base64URL.encode(Digest.sha256("test-session:" + username)) }
    func session(token: String) throws -> BrowserSession? {
        guard let user = try users.allUsers().first(where: { Self.token(for: $0.username) == token }), user.isActive else { return nil }
        return BrowserSession(user: user, sessionIDHash: Digest.sha256(user.username), authTime: .now(), authMethods: ["pwd"],
                              upstreamAMR: [])
    }
    func end(token: String, clientIP: String?) throws {}
}
