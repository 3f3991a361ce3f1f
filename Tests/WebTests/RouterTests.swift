import XCTest
import HTTP
@testable import Web

final class RouterTests: XCTestCase {
    var app: WebApplication!

    override func setUpWithError() throws {
        app = try makeApp()
        let api = app.group("/application/o")
        api.get("/:slug/jwks/") { req in .text("jwks:\(req.parameter("slug") ?? "-")|\(req.route ?? "")") }
        api.get("/authorize/") { _ in .text("authorize") }
        api.post("/token/") { _ in .text("token") }
        api.get("/files/*rest") { req in .text("rest=\(req.parameter("rest") ?? "")") }
        app.root.put("/thing/") { _ in .text("put") }
        app.root.delete("/thing/") { _ in .noContent() }
    }

    func testPathParameters() {
        let r = app.send(.get, "/application/o/my-app/jwks/")
        XCTAssertEqual(r.status.code, 200)
        XCTAssertEqual(r.text, "jwks:my-app|/application/o/:slug/jwks/")
    }

    func testParameterIsPercentDecoded() {
        XCTAssertEqual(app.send(.get, "/application/o/caf%C3%A9/jwks/").text, "jwks:café|/application/o/:slug/jwks/")
    }

    func testLiteralBeatsParameter() {
        XCTAssertEqual(app.send(.get, "/application/o/authorize/").text, "authorize")
    }

    func testCatchAll() {
        XCTAssertEqual(app.send(.get, "/application/o/files/a/b/c.txt").text, "rest=a/b/c.txt")
    }

    func testNotFound() {
        let r = app.send(.get, "/nope/")
        XCTAssertEqual(r.status.code, 404)
        XCTAssertTrue(r.text.contains("<html"))
    }

    func testMethodNotAllowedListsAllow() {
        let r = app.send(.post, "/application/o/authorize/")
        XCTAssertEqual(r.status.code, 405)
        XCTAssertEqual(r.headers["Allow"], "GET, HEAD")
        let t = app.send(.get, "/application/o/token/")
        XCTAssertEqual(t.status.code, 405)
        XCTAssertEqual(t.headers["Allow"], "POST")
        let thing = app.send(.post, "/thing/")
        XCTAssertEqual(thing.headers["Allow"], "PUT, DELETE")
    }

    func testOtherMethods() {
        XCTAssertEqual(app.send(.put, "/thing/").text, "put")
        XCTAssertEqual(app.send(.delete, "/thing/").status.code, 204)
        XCTAssertEqual(app.send(.post, "/application/o/token/").text, "token")
    }

    func testHeadServedByGet() {
        let r = app.send(.head, "/application/o/authorize/")
        XCTAssertEqual(r.status.code, 200)
    }

    func testTrailingSlashRedirect() {
        let r = app.send(.get, "/application/o/my-app/jwks?x=1")
        XCTAssertEqual(r.status.code, 308)
        XCTAssertEqual(r.headers["Location"], "/application/o/my-app/jwks/?x=1")
        XCTAssertEqual(app.send(.head, "/application/o/authorize").status.code, 308)
        // Not for POST: a redirect would lose the body.
        XCTAssertEqual(app.send(.post, "/application/o/token").status.code, 404)
    }

    func testNoRedirectToOtherHost() {
        app.root.get("/*anything") { _ in .text("any") }
        let r = app.send(.get, "//evil.example")
        XCTAssertNotEqual(r.status.code, 308)
        XCTAssertNil(r.headers["Location"])
    }

    func testInvalidPathsAre400() {
        for target in ["/a%2Fb/", "/a%00/", "/%ZZ/", "/%C3/", "/static/../x", "/a/./b"] {
            XCTAssertEqual(app.send(.get, target).status.code, 400, target)
        }
    }

    func testRouteCollectionMount() {
        struct Things: RouteCollection {
            func register(on group: RouteGroup) {
                let g = group.grouped("/things/")
                g.get("/:id/") { req in .text("thing \(req.parameter("id")!)") }
            }
        }
        app.mount(Things())
        XCTAssertEqual(app.send(.get, "/things/42/").text, "thing 42")
    }

    func testGroupMiddlewareOnlyAppliesToGroup() {
        let tagged = app.group("/tagged", middleware: [ClosureMiddleware { req, next in
            var r = try next(req)
            r.headers.set("X-Tag", "yes")
            return r
        }])
        tagged.get("/x/") { _ in .text("x") }
        XCTAssertEqual(app.send(.get, "/tagged/x/").headers["X-Tag"], "yes")
        XCTAssertNil(app.send(.get, "/application/o/authorize/").headers["X-Tag"])
    }
}
