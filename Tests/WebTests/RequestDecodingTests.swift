import XCTest
import Foundation
import HTTP
@testable import Web

final class RequestDecodingTests: XCTestCase {
    struct Echo: Decodable { let name: String; let count: Int }

    var app: WebApplication!

    override func setUpWithError() throws {
        app = try makeApp()
        app.root.get("/q/") { req in
            .text("\(req.query("a") ?? "nil")|\(req.queryItems["b"] ?? [])|\(req.query("missing") ?? "nil")")
        }
        app.root.post("/form/") { req in
            let f = try req.form()
            return .text("\(f["name"] ?? "nil")|\(f.values("x"))")
        }
        app.root.post("/api/echo/") { req in
            let e = try req.json(Echo.self)
            return .text("\(e.name):\(e.count)")
        }
    }

    func testQueryDecoding() {
        XCTAssertEqual(app.send(.get, "/q/?a=hello+world%21&b=1&b=2").text, "hello world!|[\"1\", \"2\"]|nil")
    }

    func testMalformedQueryEscapeIs400() {
        XCTAssertEqual(app.send(.get, "/q/?a=%zz").status.code, 400)
        XCTAssertEqual(app.send(.get, "/q/?a=%4").status.code, 400)
    }

    func testFormDecoding() {
        let r = app.send(.post, "/form/", headers: ["Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"],
                         body: "name=J%C3%BCrgen+M&x=1&x=&y")
        XCTAssertEqual(r.text, "Jürgen M|[\"1\", \"\"]")
    }

    func testFormMalformedEscapeIs400() {
        let r = app.send(.post, "/form/", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "name=%E0%A4%A")
        XCTAssertEqual(r.status.code, 400)
    }

    func testFormInvalidUTF8Is400() {
        let r = app.send(.post, "/form/", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "name=%FF")
        XCTAssertEqual(r.status.code, 400)
    }

    func testFormWrongContentTypeIs415() {
        let r = app.send(.post, "/form/", headers: ["Content-Type": "text/plain"], body: "name=x")
        XCTAssertEqual(r.status.code, 415)
    }

    func testFormFieldLimit() {
        let ok = (0..<1000).map { "f\($0)=1" }.joined(separator: "&")
        XCTAssertEqual(app.send(.post, "/form/", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: ok).status.code, 200)
        let tooMany = ok + "&one=more"
        XCTAssertEqual(app.send(.post, "/form/", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: tooMany).status.code, 400)
    }

    func testJSONBody() {
        let r = app.send(.post, "/api/echo/", headers: ["Content-Type": "application/json"], body: #"{"name":"a","count":3}"#)
        XCTAssertEqual(r.text, "a:3")
    }

    func testJSONWrongTypeIs415WithJSONError() throws {
        let r = app.send(.post, "/api/echo/", headers: ["Content-Type": "text/plain"], body: "{}")
        XCTAssertEqual(r.status.code, 415)
        XCTAssertEqual(r.headers["Content-Type"], "application/json")
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        XCTAssertEqual(obj["error"] as? String, "unsupported_media_type")
        XCTAssertEqual(obj["request_id"] as? String, r.headers["X-Request-Id"])
    }

    func testBadJSONIs400() throws {
        let r = app.send(.post, "/api/echo/", headers: ["Content-Type": "application/json"], body: #"{"name": 5"#)
        XCTAssertEqual(r.status.code, 400)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        XCTAssertEqual(obj["error"] as? String, "bad_request")
        XCTAssertEqual(obj["detail"] as? String, "invalid JSON body")
    }
}
