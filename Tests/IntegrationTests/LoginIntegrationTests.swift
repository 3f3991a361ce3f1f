#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import Postgres
import Store
import XCTest

/// A database of its own for one test, dropped afterwards (the server's in-memory throttle
/// and this database are both fresh per test).
final class LoginScratchDatabase {
    let adminURL: String
    let name: String
    let url: String

    init(adminURL: String) throws {
        self.adminURL = adminURL
        name = "gh_login_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try PGConnection(url: adminURL, connectTimeout: 5)
        defer { admin.close() }
        try admin.execute("CREATE DATABASE \(name)")   // [a-z0-9_] only
        let afterScheme = adminURL.range(of: "://")!.upperBound
        let query = adminURL.firstIndex(of: "?") ?? adminURL.endIndex
        let pathStart = adminURL[afterScheme..<query].firstIndex(of: "/") ?? query
        url = String(adminURL[..<pathStart]) + "/" + name + String(adminURL[query...])
    }

    func drop() {
        guard let admin = try? PGConnection(url: adminURL, connectTimeout: 5) else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        admin.close()
    }
}

/// A cookie jar over one-shot connections.
final class Browser {
    let port: Int
    var cookies: [String: String] = [:]

    init(port: Int) { self.port = port }

    @discardableResult
    func send(_ method: String, _ target: String, headers: [String: String] = [:], body: String = "") throws -> RawResponse {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if !cookies.isEmpty {
            head += "Cookie: " + cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") + "\r\n"
        }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if method != "GET" { head += "Content-Length: \(body.utf8.count)\r\n" }
        let client = try RawClient(port: port, timeout: 10)
        client.send(head + "\r\n" + body)
        let (text, _) = client.readAll()
        guard let response = RawResponse(text) else { throw IntegrationError("no response to \(method) \(target): \(text)") }
        for (name, value) in response.headers where name == "set-cookie" {
            let pair = value.split(separator: ";")[0]
            guard let eq = pair.firstIndex(of: "=") else { continue }
            let key = String(pair[..<eq]), val = String(pair[pair.index(after: eq)...])
            if value.contains("Max-Age=0") || val.isEmpty { cookies[key] = nil } else { cookies[key] = val }
        }
        return response
    }

    func get(_ target: String, headers: [String: String] = [:]) throws -> RawResponse { try send("GET", target, headers: headers) }

    func postForm(_ target: String, _ fields: [String: String]) throws -> RawResponse {
        let body = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\(formEscape($0.value))" }.joined(separator: "&")
        return try send("POST", target, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: body)
    }

    func postJSON(_ target: String, _ object: [String: String], headers: [String: String] = [:]) throws -> RawResponse {
        let data = try JSONSerialization.data(withJSONObject: object)
        var all = ["Content-Type": "application/json"]
        for (k, v) in headers { all[k] = v }
        return try send("POST", target, headers: all, body: String(decoding: data, as: UTF8.self))
    }

    func formEscape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
    }

    static func csrfToken(in html: String) -> String? {
        guard let r = html.range(of: "name=\"csrf_token\" value=\"") else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

func jsonObject(_ response: RawResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body.utf8))) as? [String: Any] ?? [:]
}

/// Local login end to end against the real binary, PostgreSQL and Redis.
final class LoginIntegrationTests: XCTestCase {
    static let authFlow = "/if/flow/default-authentication-flow/"
    static let logoutFlow = "/if/flow/default-invalidation-flow/"
    static let executor = "/api/v3/flows/executor/default-authentication-flow/"
    static let me = "/api/v3/core/users/me/"
    static let sessionCookie = "gatehouse_session"

    var scratch: LoginScratchDatabase!
    var child: GatehouseChild!
    var pool: PGPool!
    let password = "correct horse battery staple ช้าง"

    override func setUpWithError() throws {
        let env = try IntegrationEnvironment.live()
        scratch = try LoginScratchDatabase(adminURL: env.databaseURL)
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        pool = PGPool(url: scratch.url)
        // Users exist before the server starts, as a blueprint or create-admin would leave them.
        let hash = try PasswordHasher().hash(password)
        let users = PostgresUserStore(pool: pool), groups = PostgresGroupStore(pool: pool)
        let finance = try groups.createGroup(NewGroup(name: "finance"))
        for username in ["somchai", "malee", "throttled"] {
            let user = try users.createUser(NewUser(
                username: username, email: "\(username)@example.co.th", name: "Somchai <b>Prasert</b>",
                attributes: JSONText(#"{"m3_company":"100","m3_roles":["AR_CLERK"]}"#), passwordHash: hash))
            try groups.addMember(user.id, to: finance.id)
        }
        child = try GatehouseChild.serve(env, overrides: ["GATEHOUSE_DATABASE_URL": scratch.url])
        try child.waitUntilLive()
    }

    override func tearDown() {
        child?.stop()
        pool?.close()
        scratch?.drop()
    }

    /// Signs in through the JSON executor; returns the session cookie value.
    @discardableResult
    func apiSignIn(_ browser: Browser, _ username: String, _ password: String) throws -> [String: Any] {
        try browser.get(Self.executor)
        _ = try browser.postJSON(Self.executor, ["component": "ak-stage-identification", "uid_field": username])
        return jsonObject(try browser.postJSON(Self.executor, ["component": "ak-stage-password", "password": password]))
    }

    /// `GATEHOUSE_AUTHENTICATION_FLOW` moves every "sign in first" link and redirect.
    func testTheConfiguredSignInFlowIsWhereSignInLinksGo() throws {
        child.stop()
        let env = try IntegrationEnvironment.live()
        child = try GatehouseChild.serve(env, overrides: ["GATEHOUSE_DATABASE_URL": scratch.url,
                                                          "GATEHOUSE_AUTHENTICATION_FLOW": "default-authentication-mfa-flow"])
        try child.waitUntilLive()
        let browser = Browser(port: child.port)
        let landing = try browser.get("/")
        XCTAssertTrue(landing.body.contains("href=\"/if/flow/default-authentication-mfa-flow/\""), landing.body)
        let setup = try browser.get("/if/flow/default-authenticator-totp-setup/")
        XCTAssertEqual(setup.status, 302)
        XCTAssertTrue(setup.header("location")?.hasPrefix("/if/flow/default-authentication-mfa-flow/?restart=1&next=") == true,
                      "\(setup.header("location") ?? "")")
        // It is the only sign-in flow served: the password-only one is no way around the
        // second factor (security round 2, finding 2).
        XCTAssertEqual(try browser.get(Self.authFlow).status, 404)
        XCTAssertEqual(try browser.get(Self.authFlow + "?local=1").status, 404)
        XCTAssertEqual(try browser.postJSON(Self.executor, ["component": "ak-stage-identification", "uid_field": "somchai"]).status, 404)
        let configured = "/api/v3/flows/executor/default-authentication-mfa-flow/"
        XCTAssertEqual(jsonObject(try browser.postJSON(configured, ["component": "ak-stage-identification",
                                                                     "uid_field": "somchai"]))["component"] as? String,
                       "ak-stage-password")
    }

    func testSignInThroughHTMLPageThenUsersMeThenLogout() throws {
        let browser = Browser(port: child.port)
        XCTAssertEqual(try browser.get(Self.me).status, 403)

        let page = try browser.get(Self.authFlow + "?next=/after/here/")
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.body.contains("name=\"uid_field\""), page.body)
        let token = try XCTUnwrap(Browser.csrfToken(in: page.body))
        XCTAssertNotNil(browser.cookies["gatehouse_csrf"])
        // Looking at the page writes nothing (issue 11): the form's action carries `next`.
        XCTAssertNil(browser.cookies[Self.sessionCookie], "no session for a browser that only looked")
        let action = "/if/flow/default-authentication-flow/?next=/after/here/"
        XCTAssertTrue(page.body.contains("action=\"\(action)\""), page.body)

        // Without the CSRF token: refused.
        XCTAssertEqual(try browser.postForm(action, ["component": "ak-stage-identification", "uid_field": "somchai"]).status, 403)

        let passwordPage = try browser.postForm(action, [
            "csrf_token": token, "component": "ak-stage-identification", "uid_field": "somchai"])
        XCTAssertEqual(passwordPage.status, 200)
        XCTAssertTrue(passwordPage.body.contains("type=\"password\""), passwordPage.body)
        let preLogin = try XCTUnwrap(browser.cookies[Self.sessionCookie], "a pre-login session holds the plan once a stage is answered")

        let done = try browser.postForm(action, ["csrf_token": token, "component": "ak-stage-password", "password": password])
        XCTAssertEqual(done.status, 303, done.body)
        XCTAssertEqual(done.header("location"), "/after/here/")
        let setCookie = try XCTUnwrap(done.headers.first { $0.name == "set-cookie" && $0.value.hasPrefix(Self.sessionCookie + "=") }?.value)
        XCTAssertTrue(setCookie.contains("HttpOnly"))
        XCTAssertTrue(setCookie.contains("SameSite=Lax"))
        XCTAssertTrue(setCookie.contains("Path=/"))
        let session = try XCTUnwrap(browser.cookies[Self.sessionCookie])
        XCTAssertNotEqual(session, preLogin, "a new token at login")

        let me = try browser.get(Self.me)
        XCTAssertEqual(me.status, 200, me.body)
        let user = try XCTUnwrap(jsonObject(me)["user"] as? [String: Any])
        XCTAssertEqual(user["username"] as? String, "somchai")
        XCTAssertEqual(user["email"] as? String, "somchai@example.co.th")
        XCTAssertEqual(user["is_active"] as? Bool, true)
        XCTAssertEqual((user["groups"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["finance"])
        XCTAssertEqual((user["attributes"] as? [String: Any])?["m3_company"] as? String, "100")
        XCTAssertNotNil(user["pk"] as? String)

        // The landing page says who, escaped, with a sign-out form.
        let landing = try browser.get("/")
        XCTAssertTrue(landing.body.contains("Somchai &lt;b&gt;Prasert&lt;/b&gt;"), landing.body)
        XCTAssertFalse(landing.body.contains("<b>Prasert"))
        XCTAssertTrue(landing.body.contains("action=\"/if/flow/default-invalidation-flow/\""))

        // Thai.
        let thai = try browser.get(Self.authFlow, headers: ["Accept-Language": "th"])
        XCTAssertTrue(thai.body.contains("ลงชื่อเข้าใช้"), thai.body)

        // Logout: GET only asks; POST with the token ends the session and clears the cookie.
        let ask = try browser.get(Self.logoutFlow)
        XCTAssertEqual(ask.status, 200)
        XCTAssertEqual(try browser.get(Self.me).status, 200, "GET does not log out")
        let logoutToken = try XCTUnwrap(Browser.csrfToken(in: ask.body))
        let out = try browser.postForm(Self.logoutFlow, ["csrf_token": logoutToken])
        XCTAssertEqual(out.status, 303)
        XCTAssertEqual(out.header("location"), "/")
        XCTAssertNil(browser.cookies[Self.sessionCookie], "cookie cleared")
        browser.cookies[Self.sessionCookie] = session   // the old cookie, replayed
        XCTAssertEqual(try browser.get(Self.me).status, 403)
        XCTAssertTrue(try browser.get("/").body.contains("href=\"/if/flow/default-authentication-flow/\""))

        // Neither the password nor the token nor the query reach the logs.
        let logs = child.stdout + child.stderr
        XCTAssertFalse(logs.contains("horse battery"), "password in the logs")
        XCTAssertFalse(logs.contains(session), "session token in the logs")
        XCTAssertFalse(logs.contains(preLogin), "pre-login token in the logs")
        XCTAssertFalse(logs.contains("after/here"), "query string in the access log")
        XCTAssertTrue(logs.contains("/if/flow/default-authentication-flow/"), "access log written")
    }

    func testSignInThroughExecutorAPI() throws {
        let browser = Browser(port: child.port)
        let first = try browser.get(Self.executor)
        XCTAssertEqual(first.status, 200)
        let challenge = jsonObject(first)
        XCTAssertEqual(challenge["component"] as? String, "ak-stage-identification")
        XCTAssertEqual((challenge["flow_info"] as? [String: Any])?["title"] as? String, "Welcome to Gatehouse!")
        XCTAssertNil(browser.cookies[Self.sessionCookie], "no session for a browser that only looked")

        // CSRF rules for the API: JSON only, same origin only.
        let form = try browser.send("POST", Self.executor, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                    body: "component=ak-stage-identification&uid_field=somchai")
        XCTAssertEqual(form.status, 415)
        let crossSite = try browser.postJSON(Self.executor, ["component": "ak-stage-identification", "uid_field": "somchai"],
                                             headers: ["Origin": "https://evil.example"])
        XCTAssertEqual(crossSite.status, 403)

        let second = jsonObject(try browser.postJSON(Self.executor, ["component": "ak-stage-identification", "uid_field": "SOMCHAI@example.co.th"],
                                                     headers: ["Origin": "http://127.0.0.1:\(child.port)"]))
        XCTAssertEqual(second["component"] as? String, "ak-stage-password")
        XCTAssertEqual(second["pending_user"] as? String, "SOMCHAI@example.co.th")
        XCTAssertNotNil(browser.cookies[Self.sessionCookie], "the answered stage is kept in a pre-login session")
        let done = jsonObject(try browser.postJSON(Self.executor, ["component": "ak-stage-password", "password": password]))
        XCTAssertEqual(done["component"] as? String, "xak-flow-redirect")
        XCTAssertEqual(done["to"] as? String, "/")
        let me = try browser.get(Self.me)
        XCTAssertEqual(me.status, 200)
        XCTAssertEqual((jsonObject(me)["user"] as? [String: Any])?["username"] as? String, "somchai")

        // The logout flow does not run on GET through the API either.
        XCTAssertEqual(try browser.get("/api/v3/flows/executor/default-invalidation-flow/").status, 405)
        XCTAssertEqual(try browser.get(Self.me).status, 200)
        let out = jsonObject(try browser.postJSON("/api/v3/flows/executor/default-invalidation-flow/", [:]))
        XCTAssertEqual(out["component"] as? String, "xak-flow-redirect")
        XCTAssertEqual(try browser.get(Self.me).status, 403)
    }

    func testWrongPasswordAndUnknownUserGetTheSameAnswer() throws {
        let wrong = try apiSignIn(Browser(port: child.port), "somchai", "not the password")
        let unknown = try apiSignIn(Browser(port: child.port), "nobody", "not the password")
        XCTAssertEqual(wrong["component"] as? String, "ak-stage-password")
        XCTAssertEqual(unknown["component"] as? String, "ak-stage-password")
        let wrongErrors = try XCTUnwrap(wrong["response_errors"] as? [String: Any])
        XCTAssertEqual(NSDictionary(dictionary: wrongErrors), NSDictionary(dictionary: try XCTUnwrap(unknown["response_errors"] as? [String: Any])))
        XCTAssertEqual((wrongErrors["password"] as? [[String: Any]])?.first?["string"] as? String, "Invalid username or password.")
        // Apart from the identifier shown back, the answers are identical.
        var a = wrong, b = unknown
        a["pending_user"] = nil
        b["pending_user"] = nil
        XCTAssertEqual(NSDictionary(dictionary: a), NSDictionary(dictionary: b))

        // The HTML page too.
        func htmlError(_ username: String) throws -> String {
            let browser = Browser(port: child.port)
            let token = try XCTUnwrap(Browser.csrfToken(in: try browser.get(Self.authFlow).body))
            try browser.postForm(Self.authFlow, ["csrf_token": token, "component": "ak-stage-identification", "uid_field": username])
            let page = try browser.postForm(Self.authFlow, ["csrf_token": token, "component": "ak-stage-password", "password": "nope"])
            XCTAssertEqual(page.status, 200)
            XCTAssertNil(browser.cookies[Self.sessionCookie].flatMap { _ in nil as String? })
            guard let r = page.body.range(of: "<p class=\"gh-error\" role=\"alert\">") else { return "" }
            return String(page.body[r.upperBound...].prefix { $0 != "<" })
        }
        let one = try htmlError("somchai"), two = try htmlError("nobody")
        XCTAssertEqual(one, "Invalid username or password.")
        XCTAssertEqual(one, two)
    }

    func testNextOnlyToLocalPaths() throws {
        func finalLocation(_ next: String) throws -> String? {
            let browser = Browser(port: child.port)
            let target = Self.authFlow + "?next=" + browser.formEscape(next)
            let page = try browser.get(target)
            let token = try XCTUnwrap(Browser.csrfToken(in: page.body))
            try browser.postForm(target, ["csrf_token": token, "component": "ak-stage-identification", "uid_field": "malee"])
            let done = try browser.postForm(target, ["csrf_token": token, "component": "ak-stage-password", "password": password])
            XCTAssertEqual(done.status, 303)
            return done.header("location")
        }
        XCTAssertEqual(try finalLocation("https://evil.example"), "/")
        XCTAssertEqual(try finalLocation("//evil.example/x"), "/")
        XCTAssertEqual(try finalLocation("/\\evil.example"), "/")
        XCTAssertEqual(try finalLocation("/application/o/authorize/?client_id=abc&state=x"), "/application/o/authorize/?client_id=abc&state=x")

        // The executor API too, with `next` on each call as clients pass it, in our form or in
        // authentik's (`?query=next%3D…`).
        for target in [Self.executor + "?next=https%3A%2F%2Fevil.example",
                       Self.executor + "?query=" + Browser(port: child.port).formEscape("next=https%3A%2F%2Fevil.example")] {
            let browser = Browser(port: child.port)
            try browser.get(target)
            _ = try browser.postJSON(target, ["component": "ak-stage-identification", "uid_field": "malee"])
            let done = jsonObject(try browser.postJSON(target, ["component": "ak-stage-password", "password": password]))
            XCTAssertEqual(done["to"] as? String, "/")
        }
        let local = Self.executor + "?query=" + Browser(port: child.port).formEscape("next=%2Fapplication%2Fo%2Fauthorize%2F%3Fx%3D1")
        let browser = Browser(port: child.port)
        _ = try browser.postJSON(local, ["component": "ak-stage-identification", "uid_field": "malee"])
        let done = jsonObject(try browser.postJSON(local, ["component": "ak-stage-password", "password": password]))
        XCTAssertEqual(done["to"] as? String, "/application/o/authorize/?x=1")
    }

    func testDeactivatingTheUserEndsTheSessionAtOnce() throws {
        let browser = Browser(port: child.port)
        let done = try apiSignIn(browser, "malee", password)
        XCTAssertEqual(done["component"] as? String, "xak-flow-redirect")
        XCTAssertEqual(try browser.get(Self.me).status, 200)
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        defer { connection.close() }
        _ = try connection.execute("UPDATE users SET is_active = false WHERE username = $1", params: ["malee"])
        XCTAssertEqual(try browser.get(Self.me).status, 403)
        XCTAssertFalse(try browser.get("/").body.contains("Prasert"))
    }

    func testFiveWrongPasswordsThenTheRightOneIsRefused() throws {
        for attempt in 1...5 {
            let answer = try apiSignIn(Browser(port: child.port), "throttled", "wrong \(attempt)")
            let errors = answer["response_errors"] as? [String: [[String: Any]]]
            XCTAssertEqual(errors?["password"]?.first?["code"] as? String, "invalid", "attempt \(attempt)")
        }
        let browser = Browser(port: child.port)
        let answer = try apiSignIn(browser, "throttled", password)
        XCTAssertEqual(answer["component"] as? String, "ak-stage-password")
        let errors = answer["response_errors"] as? [String: [[String: Any]]]
        XCTAssertEqual(errors?["password"]?.first?["code"] as? String, "throttled")
        XCTAssertEqual(errors?["password"]?.first?["string"] as? String, "Too many failed attempts. Try again later.")
        XCTAssertEqual(try browser.get(Self.me).status, 403)
        // Another account from the same address is not locked by this one's failures.
        let other = Browser(port: child.port)
        XCTAssertEqual(try apiSignIn(other, "malee", password)["component"] as? String, "xak-flow-redirect")
        // The failures are audit events; no event holds the password.
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        defer { connection.close() }
        let failed = try connection.execute("SELECT count(*) FROM events WHERE action = 'login_failed'").scalar
        XCTAssertEqual(failed, "6")
        let leaked = try connection.execute("SELECT count(*) FROM events WHERE context::text LIKE $1", params: ["%horse%"]).scalar
        XCTAssertEqual(leaked, "0")
    }
}
