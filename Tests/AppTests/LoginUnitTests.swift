@testable import Portal
import Identity
import HTTP
import Logging
import Store
import XCTest
@testable import App
@testable import Web

/// The login wiring's small pure parts; the flows themselves run end to end in
/// IntegrationTests/LoginIntegrationTests.
final class LoginUnitTests: XCTestCase {
    func request(external: String, cookie: String? = nil) throws -> Request {
        let app = try WebApplication(config: WebConfig(
            externalURL: external, trustedProxies: try TrustedProxies([]), branding: Branding(companyName: "Acme"),
            serverKey: [UInt8](repeating: 7, count: 32), logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() })))
        var headers: HTTPHeaders = ["Host": "id.example.com"]
        if let cookie { headers.add("Cookie", cookie) }
        return Request(http: HTTPRequest(method: .get, target: "/", headers: headers, body: []),
                       connection: ConnectionInfo(remoteAddress: "203.0.113.9", remotePort: 40000, localPort: 8080, isTLS: false),
                       context: app.context)
    }

    func testCookieIsHostPrefixedAndSecureUnderHTTPS() throws {
        let secure = try request(external: "https://id.example.com")
        XCTAssertEqual(SessionCookie.name(for: secure), "__Host-gatehouse_session")
        let set = try XCTUnwrap(SessionCookie.set("t0ken", maxAge: 60, for: secure).headerValue(requestIsHTTPS: false))
        XCTAssertEqual(set, "__Host-gatehouse_session=t0ken; Max-Age=60; Path=/; Secure; HttpOnly; SameSite=Lax")
        let cleared = try XCTUnwrap(SessionCookie.clear(for: secure).headerValue(requestIsHTTPS: false))
        XCTAssertEqual(cleared, "__Host-gatehouse_session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")

        let plain = try request(external: "http://127.0.0.1:9000")
        XCTAssertEqual(SessionCookie.name(for: plain), "gatehouse_session")
        XCTAssertEqual(SessionCookie.set("t", maxAge: nil, for: plain).headerValue(requestIsHTTPS: false),
                       "gatehouse_session=t; Path=/; HttpOnly; SameSite=Lax")
    }

    func testOnlyPlausibleTokensAreLookedUp() {
        XCTAssertTrue(SessionCookie.isPlausible(String(repeating: "aZ0-_", count: 8) + "abc"))
        XCTAssertFalse(SessionCookie.isPlausible("short"))
        XCTAssertFalse(SessionCookie.isPlausible(String(repeating: "a", count: 42) + "%"))
    }

    func testJSONObjectEscapesStringsAndKeepsStoredJSON() {
        var object = JSONObject()
        object.set("name", "Somchai \"<b>\"\n")
        object.set("active", true)
        object.set("attributes", raw: #"{"m3_roles":["AR_CLERK"]}"#)
        object.set("groups", strings: ["finance"])
        XCTAssertEqual(object.text,
                       #"{"name":"Somchai \"<b>\"\n","active":true,"attributes":{"m3_roles":["AR_CLERK"]},"groups":["finance"]}"#)
    }

    func testNextIsEscapedInFormActions() {
        XCTAssertEqual(FlowPageRoutes.action(slug: "f", next: "/"), "/if/flow/f/")
        XCTAssertEqual(FlowPageRoutes.action(slug: "f", next: "/a/?x=1&y=ä"), "/if/flow/f/?next=/a/%3Fx%3D1%26y%3D%C3%A4")
    }
}
