import XCTest
import Foundation
import HTTP
@testable import Web

final class ErrorMappingTests: XCTestCase {
    struct Teapot: HTTPErrorConvertible {
        var status: HTTPStatus { HTTPStatus(418, "I'm a teapot") }
        var errorCode: String { "teapot" }
        var detail: String? { "short and stout" }
        var headers: HTTPHeaders { ["X-Teapot": "1"] }
    }

    func testUnknownErrorIs500WithoutInternals() throws {
        let logs = CapturedLogs()
        let app = try makeApp(logger: logs.makeLogger())
        app.root.get("/boom/") { _ in throw Boom() }
        app.root.get("/api/boom/") { _ in throw Boom() }
        for path in ["/boom/", "/api/boom/"] {
            let r = app.send(.get, path)
            XCTAssertEqual(r.status.code, 500)
            XCTAssertFalse(r.text.contains("hunter2"), path)
            XCTAssertFalse(r.text.contains("Boom"), path)
            XCTAssertTrue(r.text.contains(r.headers["X-Request-Id"]!), "request id shown on \(path)")
        }
        // Logged, with the request id.
        let errors = logs.all.filter { $0.level == .error }
        XCTAssertEqual(errors.count, 2)
        XCTAssertNotNil(errors.first?.metadata["request_id"])
        XCTAssertTrue(errors.first?.metadata["error"]?.contains("Boom") ?? false)
    }

    func testCustomConvertibleError() throws {
        let app = try makeApp()
        app.root.get("/api/tea/") { _ in throw Teapot() }
        let r = app.send(.get, "/api/tea/")
        XCTAssertEqual(r.status.code, 418)
        XCTAssertEqual(r.headers["X-Teapot"], "1")
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.body)) as? [String: String])
        XCTAssertEqual(obj, ["error": "teapot", "detail": "short and stout", "request_id": r.headers["X-Request-Id"]!])
    }

    func testAcceptJSONGetsJSONElsewhere() throws {
        let app = try makeApp()
        let json = app.send(.get, "/missing/", headers: ["Accept": "application/json"])
        XCTAssertEqual(json.status.code, 404)
        XCTAssertEqual(json.headers["Content-Type"], "application/json")
        let html = app.send(.get, "/missing/", headers: ["Accept": "text/html,application/xhtml+xml,application/json;q=0.9"])
        XCTAssertEqual(html.headers["Content-Type"], "text/html; charset=utf-8")
        XCTAssertTrue(html.text.contains("Page not found"))
    }

    func testLocalizedErrorPage() throws {
        let app = try makeApp()
        let r = app.send(.get, "/missing/", headers: ["Accept-Language": "th"])
        XCTAssertTrue(r.text.contains("ไม่พบหน้าที่ต้องการ"))
        XCTAssertTrue(r.text.contains("<html lang=\"th\">"))
    }

    func testJSONErrorBodyIsHTMLSafeAndInOrder() throws {
        let app = try makeApp()
        app.root.get("/api/x/") { _ in throw WebError.badRequest("<b>Tom & Jerry's</b>\u{7F}\u{2028}") }
        let r = app.send(.get, "/api/x/")
        XCTAssertEqual(r.status.code, 400)
        // `<` was escaped before; now `>`, `&`, `'`, DEL and U+2028 too (the JSON writer's HTML-safe mode).
        XCTAssertEqual(r.text, #"{"error":"bad_request","detail":"\u003cb\u003eTom \u0026 Jerry\u0027s\u003c/b\u003e\u007f\u2028","request_id":"# +
                       "\"\(r.headers["X-Request-Id"]!)\"}")
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.body)) as? [String: String])
        XCTAssertEqual(obj["detail"], "<b>Tom & Jerry's</b>\u{7F}\u{2028}")
    }

    func testBadRequestDetailEscapedInHTML() throws {
        let app = try makeApp()
        app.root.get("/x/") { _ in throw WebError.badRequest("<b>bad</b>") }
        let r = app.send(.get, "/x/")
        XCTAssertEqual(r.status.code, 400)
        XCTAssertTrue(r.text.contains("&lt;b&gt;bad&lt;/b&gt;"))
        XCTAssertFalse(r.text.contains("<b>bad</b>"))
    }
}

final class CSRFTests: XCTestCase {
    var app: WebApplication!
    let form: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded"]

    override func setUpWithError() throws {
        app = try makeApp()
        app.forms.get("/if/form/") { req in .text(req.csrfToken) }
        app.forms.post("/if/form/") { req in .text("saved \(try req.form()["name"] ?? "")") }
        let api = app.group("/api/v3", middleware: [ClosureMiddleware { req, next in
            guard req.headers["Authorization"] == "Bearer good" else { throw WebError.unauthorized }
            return try next(req)
        }])
        api.post("/things/") { _ in .text("api ok") }
    }

    /// Fetches a page to obtain the cookie secret and the token.
    func session() throws -> (cookie: String, token: String) {
        let r = app.send(.get, "/if/form/")
        let setCookie = try XCTUnwrap(r.setCookies.first { $0.hasPrefix("__Host-gatehouse_csrf=") })
        XCTAssertTrue(setCookie.contains("HttpOnly"))
        XCTAssertTrue(setCookie.contains("SameSite=Lax"))
        // The external URL is https: Secure even though this hop was plain http (a proxy in front).
        XCTAssertTrue(setCookie.contains("Secure"))
        XCTAssertTrue(setCookie.contains("Path=/"))
        let cookie = String(setCookie.split(separator: ";")[0])
        return (cookie, r.text)
    }

    func testMissingTokenIs403() throws {
        let (cookie, _) = try session()
        var h = form
        h.add("Cookie", cookie)
        let r = app.send(.post, "/if/form/", headers: h, body: "name=x")
        XCTAssertEqual(r.status.code, 403)
        XCTAssertTrue(r.text.contains("security token"))
    }

    func testMissingCookieIs403() throws {
        let (_, token) = try session()
        XCTAssertEqual(app.send(.post, "/if/form/", headers: form, body: "name=x&csrf_token=\(token)").status.code, 403)
    }

    func testWrongTokenIs403() throws {
        let (cookie, token) = try session()
        var h = form
        h.add("Cookie", cookie)
        let wrong = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
        XCTAssertEqual(app.send(.post, "/if/form/", headers: h, body: "name=x&csrf_token=\(wrong)").status.code, 403)
        // A token for another browser's secret does not work either.
        let (_, otherToken) = try session()
        XCTAssertEqual(app.send(.post, "/if/form/", headers: h, body: "name=x&csrf_token=\(otherToken)").status.code, 403)
    }

    func testRightTokenPasses() throws {
        let (cookie, token) = try session()
        var h = form
        h.add("Cookie", cookie)
        let r = app.send(.post, "/if/form/", headers: h, body: "name=Ann&csrf_token=\(token)")
        XCTAssertEqual(r.status.code, 200)
        XCTAssertEqual(r.text, "saved Ann")
        // The existing secret is reused: no new cookie.
        XCTAssertFalse(r.setCookies.contains { $0.hasPrefix("__Host-gatehouse_csrf=") })
    }

    func testHeaderTokenPasses() throws {
        let (cookie, token) = try session()
        var h = form
        h.add("Cookie", cookie)
        h.add("X-CSRF-Token", token)
        XCTAssertEqual(app.send(.post, "/if/form/", headers: h, body: "name=Bo").text, "saved Bo")
    }

    func testBadOriginIs403() throws {
        let (cookie, token) = try session()
        var h = form
        h.add("Cookie", cookie)
        h.add("Origin", "https://evil.example")
        XCTAssertEqual(app.send(.post, "/if/form/", headers: h, body: "csrf_token=\(token)").status.code, 403)
        var good = form
        good.add("Cookie", cookie)
        good.add("Origin", "https://id.example.com")
        XCTAssertEqual(app.send(.post, "/if/form/", headers: good, body: "csrf_token=\(token)").status.code, 200)
    }

    func testBearerAPIGroupNotSubjectToCSRF() throws {
        let r = app.send(.post, "/api/v3/things/", headers: ["Authorization": "Bearer good", "Content-Type": "application/json"], body: "{}")
        XCTAssertEqual(r.status.code, 200)
        XCTAssertEqual(r.text, "api ok")
        XCTAssertEqual(app.send(.post, "/api/v3/things/").status.code, 401)
    }
}
