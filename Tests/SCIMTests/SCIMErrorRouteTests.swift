import Foundation
import HTTP
import SCIM
import Store
import XCTest

/// Every refusal has the SCIM error shape (RFC 7644 §3.12) and writes nothing; the fixed
/// discovery documents.
final class SCIMErrorRouteTests: XCTestCase {
    var scim: SCIMHarness!

    override func setUpWithError() throws { scim = try SCIMHarness() }

    func testWrongOrMissingTokenIs401() {
        for response in [scim.send(.get, "/Users", token: "wrong"), scim.send(.get, "/Users", token: nil),
                         scim.send(.get, "/Users", token: SCIMHarness.otherToken),
                         scim.send(.get, "/Users", source: "nosuch")] {
            assertSCIMError(response, 401, nil)
            XCTAssertEqual(response.headers["WWW-Authenticate"], #"Bearer realm="scim""#)
        }
        var headers = HTTPHeaders()
        headers.add("Host", "id.example.com")
        headers.add("Authorization", "Basic " + Data(SCIMHarness.token.utf8).base64EncodedString())
        let basic = scim.app.responder(HTTPRequest(method: .get, target: "/source/scim/entra/v2/Users", headers: headers),
                                       ConnectionInfo(remoteAddress: "203.0.113.9", remotePort: 1, localPort: 8080, isTLS: true))
        XCTAssertEqual(basic.status.code, 401, "only a bearer token")
    }

    /// Security round 2, finding 8: look-alike names that NFKC does not fold (Latin mixed with
    /// Cyrillic or Greek) are refused like invisible characters are.
    func testMixedScriptNamesAreRefused() throws {
        for body in [#"{"userName":"\u0430lice"}"#, #"{"userName":"fin\u03bfnce"}"#] {
            assertSCIMError(scim.send(.post, "/Users", body), 400, "invalidValue")
        }
        for body in [#"{"displayName":"\u0430dmins"}"#, #"{"displayName":"admins\u200Bx"}"#] {
            assertSCIMError(scim.send(.post, "/Groups", body), 400, "invalidValue")
        }
        XCTAssertEqual(scim.send(.post, "/Groups", #"{"displayName":"ฝ่าย IT"}"#).status.code, 201, "Thai beside Latin is fine")
    }

    func testMalformedInputIs400WithItsScimType() throws {
        assertSCIMError(scim.send(.post, "/Users", #"{"userName": "#), 400, "invalidSyntax")
        assertSCIMError(scim.send(.post, "/Users", #"["not an object"]"#), 400, "invalidSyntax")
        assertSCIMError(scim.send(.post, "/Users", #"{"displayName": "no userName"}"#), 400, "invalidValue")
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"a@contoso.com","active":"maybe"}"#), 400, "invalidValue")
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"nul@contoso.com","nickName":"a\u0000b"}"#), 400, "invalidValue")
        assertSCIMError(scim.send(.get, "/Users?filter=userName%20eq"), 400, "invalidFilter")
        assertSCIMError(scim.send(.get, "/Users?filter=userName%20eq%20%22a%5Cu0000b%22"), 400, "invalidFilter")
        assertSCIMError(scim.send(.get, "/Users?startIndex=first"), 400, "invalidValue")
        assertSCIMError(scim.send(.get, "/Users?attributes=emails%5B"), 400, "invalidPath")
        XCTAssertEqual(try scim.store.auditTrail(), [], "nothing written")
    }

    func testAFailedPatchChangesNothing() throws {
        let id = try scim.create("/Users", #"{"userName":"malee@contoso.com","displayName":"Malee","active":true}"#)
        _ = try scim.create("/Users", #"{"userName":"other@contoso.com"}"#)
        assertSCIMError(scim.send(.patch, "/Users/" + id, #"{"Operations":[{"op":"replace","path":"id","value":"x"}]}"#), 400, "mutability")
        assertSCIMError(scim.send(.patch, "/Users/" + id, #"{"Operations":[{"op":"replace","path":"emails[type eq","value":"x"}]}"#),
                        400, "invalidPath")
        assertSCIMError(scim.send(.patch, "/Users/" + id, #"""
            {"Operations":[{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"active","value":"maybe"}]}
            """#), 400, "invalidValue")
        assertSCIMError(scim.send(.patch, "/Users/" + id, #"""
            {"Operations":[{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"userName","value":"Other@contoso.com"}]}
            """#), 409, "uniqueness")
        let after = scim.send(.get, "/Users/" + id).json
        XCTAssertEqual(after["displayName"], "Malee")
        XCTAssertEqual(after["userName"], "malee@contoso.com")
        XCTAssertEqual(try scim.store.account(UserID(id))?.name, "Malee")
        XCTAssertEqual(try scim.store.auditTrail().map(\.action), ["scim.user.create", "scim.user.create"])
    }

    func testTakenNamesAre409Uniqueness() throws {
        _ = try scim.create("/Users", #"{"userName":"malee@contoso.com","emails":[{"value":"malee.s@contoso.com"}]}"#)
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"MALEE@contoso.com"}"#), 409, "uniqueness")
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"Malee.S@contoso.com"}"#), 409, "uniqueness")
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"x","emails":[{"value":"MALEE@contoso.com"}]}"#), 409, "uniqueness")
        // Another source's names count too, and an account nobody provisioned cannot be taken over.
        _ = try scim.store.addLocalAccount(username: "admin", email: nil)
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"ADMIN"}"#, token: SCIMHarness.otherToken, source: "purging"),
                        409, "uniqueness")
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"malee@contoso.com"}"#, token: SCIMHarness.otherToken,
                                  source: "purging"), 409, "uniqueness")
    }

    func testUnknownThingsAre404() throws {
        assertSCIMError(scim.send(.get, "/Users/" + UUID().uuidString.lowercased()), 404, nil)
        assertSCIMError(scim.send(.get, "/Users/not-a-uuid"), 404, nil)
        assertSCIMError(scim.send(.patch, "/Users/not-a-uuid", #"{"Operations":[{"op":"replace","path":"nickName","value":"x"}]}"#),
                        404, nil)
        assertSCIMError(scim.send(.put, "/Groups/" + UUID().uuidString, #"{"displayName":"x"}"#), 404, nil)
        assertSCIMError(scim.send(.delete, "/Groups/not-a-uuid"), 404, nil)
        assertSCIMError(scim.send(.get, "/Nothing"), 404, nil)
        assertSCIMError(scim.send(.get, "/Schemas/urn:nothing"), 404, nil)
        // Another source's user is not one of ours.
        let theirs = try XCTUnwrap(scim.send(.post, "/Users", #"{"userName":"theirs@contoso.com"}"#, token: SCIMHarness.otherToken,
                                             source: "purging").json["id"]?.stringValue)
        assertSCIMError(scim.send(.get, "/Users/" + theirs), 404, nil)
        assertSCIMError(scim.send(.delete, "/Users/" + theirs), 404, nil)
        XCTAssertEqual(scim.send(.get, "/Users/" + theirs, token: SCIMHarness.otherToken, source: "purging").status.code, 200)
        let group = scim.send(.post, "/Groups", #"{"displayName":"ours","members":[{"value":"\#(theirs)"}]}"#)
        XCTAssertNil(group.json["members"], "another source's user is not made a member")
    }

    func testTooLargeWrongTypeAndWrongMethod() throws {
        let big = Array(("{\"userName\":\"" + String(repeating: "a", count: 1_100_000) + "\"}").utf8)
        assertSCIMError(scim.send(.post, "/Users", body: big), 413, nil)
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"a@contoso.com"}"#, contentType: "text/plain"), 415, nil)
        XCTAssertEqual(scim.send(.post, "/Users", #"{"userName":"b@contoso.com"}"#, contentType: "application/json").status.code, 201)
        assertSCIMError(scim.send(.put, "/Users", "{}"), 405, nil)
        assertSCIMError(scim.send(.get, "/.search"), 405, nil)
        assertSCIMError(scim.send(.delete, "/ServiceProviderConfig"), 405, nil)
    }

    func testAStoreFailureIsALogged500WithoutDetails() {
        scim.store.outage.withLock { $0 = true }
        let response = scim.send(.get, "/Users")
        assertSCIMError(response, 500, nil)
        XCTAssertEqual(response.json["detail"], "the directory is unavailable")
        XCTAssertFalse(response.text.contains("switched"), "the cause is for the log only")
        XCTAssertEqual(scim.logged.all.count, 1)
        XCTAssertTrue(scim.logged.all.first?.contains("switched the store off") == true, "\(scim.logged.all)")
    }

    func testDiscoveryDocuments() throws {
        let config = scim.send(.get, "/ServiceProviderConfig")
        XCTAssertEqual(config.status.code, 200)
        XCTAssertEqual(config.json["patch"]?.member("supported"), true)
        XCTAssertEqual(config.json["meta"]?.member("location")?.stringValue, SCIMHarness.base + "/ServiceProviderConfig")
        XCTAssertEqual(scim.send(.get, "/Schemas").json["totalResults"], 3)
        XCTAssertEqual(scim.send(.get, "/Schemas/" + SCIMSchema.userURN.uppercased()).json["id"]?.stringValue, SCIMSchema.userURN)
        XCTAssertEqual(scim.send(.get, "/ResourceTypes").json["totalResults"], 2)
        XCTAssertEqual(scim.send(.get, "/ResourceTypes/group").json["name"], "Group")
        assertSCIMError(scim.send(.get, "/ServiceProviderConfig", token: nil), 401, nil)
    }
}
