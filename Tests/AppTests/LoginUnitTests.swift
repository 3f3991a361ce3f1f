@testable import Portal
import Identity
import HTTP
import JSON
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
        object["name"] = .string("Somchai \"<b>\"\n")
        object["active"] = .bool(true)
        object["attributes"] = JSONText(#"{"m3_roles":["AR_CLERK"]}"#).value ?? .object([:])
        object["groups"] = .strings(["finance"])
        XCTAssertEqual(JSONValue.object(object).serialized(.insertionOrder),
                       #"{"name":"Somchai \"<b>\"\n","active":true,"attributes":{"m3_roles":["AR_CLERK"]},"groups":["finance"]}"#)
    }

    func testUserJSONRewritesStoredAttributes() {
        func user(_ attributes: String) -> User {
            User(id: UserID("u-1"), username: "somchai", email: nil, name: "", isActive: true, isSuperuser: false,
                 attributes: JSONText(attributes), passwordHash: nil, passwordChangedAt: nil, createdAt: Timestamp(secondsSince1970: 0),
                 updatedAt: Timestamp(secondsSince1970: 0), lastLoginAt: nil, deactivatedAt: nil)
        }
        let group = Group(id: GroupID("g-1"), name: "finance", parentID: nil, isSuperuserGroup: false, attributes: .emptyObject,
                          createdAt: Timestamp(secondsSince1970: 0), updatedAt: Timestamp(secondsSince1970: 0))
        // Stored JSON is read and written again (jsonb's spacing goes), in the members' order.
        XCTAssertEqual(JSONValue.object(AccountRoutes.userJSON(user(#"{"m3_roles": ["AR_CLERK"], "cc": 4410}"#), groups: [group]))
                        .serialized(.insertionOrder),
                       #"{"pk":"u-1","username":"somchai","name":"","email":"","is_active":true,"is_superuser":false,"#
                       + #""groups":[{"pk":"g-1","name":"finance"}],"attributes":{"m3_roles":["AR_CLERK"],"cc":4410}}"#)
        // Was: inserted as it was, breaking the response. Now: an empty object.
        XCTAssertEqual(AccountRoutes.userJSON(user(#"{"broken": "#), groups: [])["attributes"], .object([:]))
    }

    func testNextIsEscapedInFormActions() {
        XCTAssertEqual(FlowPageRoutes.action(slug: "f", next: "/"), "/if/flow/f/")
        XCTAssertEqual(FlowPageRoutes.action(slug: "f", next: "/a/?x=1&y=ä"), "/if/flow/f/?next=/a/%3Fx%3D1%26y%3D%C3%A4")
    }
}
