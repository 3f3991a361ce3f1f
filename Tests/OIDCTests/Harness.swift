import GatehouseTesting
import Crypto
import Foundation
import HTTP
import Identity
import Logging
import Store
import Synchronization
import Web
import XCTest
@testable import OIDC

/// One provider on an in-process web application, with a clock the test moves.
final class Harness: @unchecked Sendable {
    let users = FakeUsers()
    let directory = FakeDirectory()
    let grants: FakeGrants
    let events = FakeEvents()
    let keys = FakeKeyRing()
    let clock = TestClock()
    let sessions: FakeSessions
    let provider: OIDCProvider
    let app: WebApplication

    static let secret = "s3cret-value-for-tests"
    static let redirect = "https://ar.example.co.th/auth/callback"

    init(access: ((FakeUsers) -> any ApplicationAccess)? = nil) throws {
        grants = FakeGrants(users: users)
        sessions = FakeSessions(users: users, authTime: Timestamp(secondsSince1970: 1_800_000_000))
        let clock = self.clock
        provider = OIDCProvider(externalURL: "https://id.example.com/", clients: directory, grants: grants, users: users,
                                events: events, keys: keys, sessions: sessions, mapper: FakeMapper(),
                                tokenSealer: try SecretSealer(currentMasterKey: [UInt8](repeating: 3, count: 32)),
                                clock: { clock.now }, access: access?(users))
        let config = WebConfig(externalURL: "https://id.example.com", trustedProxies: try TrustedProxies([]),
                               branding: Branding(companyName: "Acme"), serverKey: [UInt8](repeating: 7, count: 32),
                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        app = try WebApplication(config: config)
        provider.register(root: app.root, forms: app.forms)

        directory.add(OAuthClient(
            providerName: "ar-aging", clientID: "ar-aging", clientType: .confidential, clientSecret: Self.secret,
            redirectURIs: [OAuthRedirectURI(matching: .strict, url: Self.redirect)], scopes: ["openid", "email", "profile", "offline_access", "erp"],
            scopeMappings: [OAuthScopeMapping(name: "erp-claims", scopeName: "erp", description: "ERP roles", expression: "{}")],
            application: OAuthApplication(slug: "ar-aging", name: "A/R Aging", launchURL: nil, groups: ["finance"])))
        directory.add(OAuthClient(
            providerName: "spa", clientID: "spa", clientType: .public, clientSecret: nil,
            redirectURIs: [OAuthRedirectURI(matching: .strict, url: "https://spa.example.com/cb")], scopes: ["openid", "profile"],
            application: OAuthApplication(slug: "spa", name: "SPA", launchURL: nil, groups: [])))
        users.add("somchai", email: "somchai@example.co.th", groups: ["finance"])
        users.add("nok", email: "nok@example.co.th", groups: ["warehouse"])
        users.add("svc-ar-aging", groups: ["finance"])
    }

    func advance(seconds: Int64) { clock.value.withLock { $0 = $0.adding(seconds: seconds) } }
    var now: Timestamp { clock.now }

    func send(_ method: HTTPMethod = .get, _ target: String, headers: HTTPHeaders = [:], form: [(String, String)]? = nil,
              user: String? = nil) -> HTTPResponse {
        var h = headers
        h.add("Host", "id.example.com")
        var body: [UInt8] = []
        if let form {
            h.add("Content-Type", "application/x-www-form-urlencoded")
            body = Array(PercentEncoding.query(form).utf8)
        }
        if let user { h.add("Cookie", "__Host-gatehouse_session=" + FakeSessions.token(for: user)) }
        let request = HTTPRequest(method: method, target: target, headers: h, body: body)
        return app.responder(request, ConnectionInfo(remoteAddress: "203.0.113.9", remotePort: 40000, localPort: 8080, isTLS: true))
    }

    static func query(_ pairs: [(String, String)]) -> String {
        PercentEncoding.query(pairs)
    }

    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  // RFC 7636 Appendix B

    func authorize(_ extra: [(String, String)] = [], client: String = "ar-aging", redirect: String = Harness.redirect,
                   scope: String = "openid email profile offline_access erp", user: String? = "somchai") -> HTTPResponse {
        var pairs = [("response_type", "code"), ("client_id", client), ("redirect_uri", redirect), ("scope", scope),
                     ("state", "st-123"), ("nonce", "n-456"), ("code_challenge", Self.challenge), ("code_challenge_method", "S256")]
        let overridden = Set(extra.map(\.0))
        pairs.removeAll { overridden.contains($0.0) }
        pairs += extra.filter { !$0.1.isEmpty }
        return send(.get, "/application/o/authorize/?" + Self.query(pairs), user: user)
    }

    /// Query parameters of the Location header.
    static func locationParameters(_ response: HTTPResponse) -> [String: String] {
        guard let location = response.headers["Location"], let q = location.split(separator: "?", maxSplits: 1).last,
              let form = try? FormData.parse(String(q)) else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in form.fields { out[k] = v.first }
        return out
    }

    func code() throws -> String {
        let response = authorize()
        guard response.status == .found, let code = Self.locationParameters(response)["code"] else {
            throw TestPrecondition("authorize gave no code: \(response.status) \(response.headers["Location"] ?? "")")
        }
        return code
    }

    func basic(_ id: String = "ar-aging", _ secret: String = Harness.secret) -> HTTPHeaders {
        let raw = Array((PercentEncoding.encode(id) + ":" + PercentEncoding.encode(secret)).utf8)
        var h = HTTPHeaders()
        h.add("Authorization", "Basic " + Data(raw).base64EncodedString())
        return h
    }

    func token(_ form: [(String, String)], headers: HTTPHeaders? = nil) -> (HTTPResponse, [String: JSONValue]) {
        let response = send(.post, "/application/o/token/", headers: headers ?? basic(), form: form)
        return (response, JSONValue.parse(response.body)?.objectValue ?? [:])
    }

    func exchange(_ code: String, verifier: String? = Harness.verifier) -> (HTTPResponse, [String: JSONValue]) {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect)]
        if let verifier { form.append(("code_verifier", verifier)) }
        return token(form)
    }

    func userinfo(_ accessToken: String) -> HTTPResponse {
        var h = HTTPHeaders()
        h.add("Authorization", "Bearer " + accessToken)
        return send(.get, "/application/o/userinfo/", headers: h)
    }

    static func payload(_ jwt: String) -> [String: JSONValue] {
        let parts = jwt.split(separator: ".")
        guard parts.count == 3, let bytes = Base64URL.decode(String(parts[1])) else { return [:] }
        return JSONValue.parse(bytes)?.objectValue ?? [:]
    }
}

final class TestClock: Sendable {
    let value = Mutex(Timestamp(secondsSince1970: 1_800_000_000))
    var now: Timestamp { value.withLock { $0 } }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: JSONValue] { JSONValue.parse(body)?.objectValue ?? [:] }
}
