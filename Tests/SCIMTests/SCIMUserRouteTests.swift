import Foundation
import HTTP
import SCIM
import Store
import XCTest

/// `/Users` in-process: create, read, list and filter, PATCH in both Entra ID shapes, PUT,
/// DELETE, and the deactivation hook.
final class SCIMUserRouteTests: XCTestCase {
    var scim: SCIMHarness!

    override func setUpWithError() throws { scim = try SCIMHarness() }

    static let somchai = #"""
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
         "userName":"Somchai@Contoso.com","externalId":"3f2c9a7e-0001","active":true,"displayName":"Somchai Prasert",
         "name":{"givenName":"Somchai","familyName":"Prasert"},"password":"never stored",
         "emails":[{"type":"work","primary":true,"value":"somchai@contoso.com"}],
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Finance"}}
        """#

    func testCreateThenGetShowsTheResourceWithMeta() throws {
        let created = scim.send(.post, "/Users", Self.somchai)
        XCTAssertEqual(created.status.code, 201, created.text)
        XCTAssertEqual(created.headers["Content-Type"], "application/scim+json")
        XCTAssertEqual(created.headers["Cache-Control"], "no-store")
        let doc = created.json
        let id = try XCTUnwrap(doc["id"]?.stringValue)
        XCTAssertEqual(created.headers["Location"], SCIMHarness.base + "/Users/" + id, "from the configured origin, not the Host header")
        XCTAssertEqual(doc["userName"], "Somchai@Contoso.com")
        XCTAssertEqual(doc["active"], true)
        XCTAssertEqual(doc["externalId"], "3f2c9a7e-0001")
        XCTAssertNil(doc["password"], "never returned, never kept")
        XCTAssertNil(doc["groups"])
        XCTAssertEqual(doc["schemas"], [.string(SCIMSchema.userURN), .string(SCIMSchema.enterpriseURN)])
        XCTAssertEqual(doc[SCIMSchema.enterpriseURN]?.member("department"), "Finance")
        let meta = try XCTUnwrap(doc["meta"])
        XCTAssertEqual(meta.member("resourceType"), "User")
        XCTAssertEqual(meta.member("location")?.stringValue, SCIMHarness.base + "/Users/" + id)
        let created_ = try XCTUnwrap(meta.member("created")?.stringValue)
        XCTAssertNotNil(created_.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"#, options: .regularExpression), created_)
        XCTAssertEqual(meta.member("lastModified")?.stringValue, created_)
        XCTAssertNotNil(meta.member("version")?.stringValue?.range(of: #"^W/"\d+"$"#, options: .regularExpression))

        let read = scim.send(.get, "/Users/" + id)
        XCTAssertEqual(read.status.code, 200)
        XCTAssertEqual(read.json, doc)
        XCTAssertEqual(scim.send(.get, "/Users/" + id.uppercased()).json["id"]?.stringValue, id, "ids in any case")

        // What the rest of Gatehouse reads: the account's own fields.
        let account = try XCTUnwrap(try scim.store.account(UserID(id)))
        XCTAssertEqual(account.username, "Somchai@Contoso.com")
        XCTAssertEqual(account.email, "somchai@contoso.com")
        XCTAssertEqual(account.name, "Somchai Prasert")
        XCTAssertEqual(JSONValue.parse(Array(account.attributes.text.utf8)),
                       ["given_name": "Somchai", "family_name": "Prasert", "department": "Finance"], "the profile, enterprise extension included")
        XCTAssertEqual(try scim.store.auditTrail().map(\.action), ["scim.user.create"])
    }

    /// Issue 13 item 7: the directory's profile (title, work phone, the enterprise extension)
    /// lands in the account's attributes, where SAML attribute and OIDC scope mappings read it.
    func testEnterpriseAttributesBecomeUserAttributes() throws {
        let created = scim.send(.post, "/Users", #"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
             "userName":"malee@contoso.com","title":"AR Clerk","phoneNumbers":[{"type":"work","value":"+66 2 123 4567"}],
             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E-1024","costCenter":"CC-7",
               "organization":"Siam Riverside","division":"FIN","department":"Accounts Receivable",
               "manager":{"value":"0b0e5f3c-0000-4000-8000-000000000009","displayName":"Anan W."}}}
            """#)
        XCTAssertEqual(created.status.code, 201, created.text)
        let id = try XCTUnwrap(created.json["id"]?.stringValue)
        let account = try XCTUnwrap(try scim.store.account(UserID(id)))
        XCTAssertEqual(JSONValue.parse(Array(account.attributes.text.utf8)), [
            "title": "AR Clerk", "phone_number": "+66 2 123 4567", "employee_number": "E-1024", "cost_center": "CC-7",
            "organization": "Siam Riverside", "division": "FIN", "department": "Accounts Receivable", "manager": "Anan W.",
        ])
        // A PATCH that drops the department removes it from the attributes too.
        let patched = scim.send(.patch, "/Users/" + id, #"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
              {"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}]}
            """#)
        XCTAssertEqual(patched.status.code, 200, patched.text)
        let after = try XCTUnwrap(try scim.store.account(UserID(id)))
        XCTAssertNil(JSONValue.parse(Array(after.attributes.text.utf8))?.objectValue?["department"])
    }

    func testNamesAreNormalisedAndInvisibleCharactersRefused() throws {
        let created = scim.send(.post, "/Users", #"{"userName":"  ｓｏｍｃｈａｉ@contoso.com "}"#)
        XCTAssertEqual(created.json["userName"], "somchai@contoso.com", "NFKC, trimmed")
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"som\u200Bchai@contoso.com"}"#), 400, "invalidValue")
        assertSCIMError(scim.send(.post, "/Users", #"{"userName":"  "}"#), 400, "invalidValue")
    }

    func testListPagesInCreationOrderAndFilters() throws {
        let kanya = try scim.create("/Users", #"""
            {"userName":"kanya@contoso.com","displayName":"Kanya S","externalId":"1234",
             "emails":[{"type":"home","primary":true,"value":"kanya@home.example"},{"type":"work","value":"Kanya.S@contoso.com"}]}
            """#)
        let niran = try scim.create("/Users", #"{"userName":"niran@contoso.com","displayName":"Niran","active":false}"#)
        let malee = try scim.create("/Users", #"{"userName":"malee@contoso.com","name":{"givenName":"Malee","familyName":"S"}}"#)
        let group = try scim.create("/Groups", #"{"displayName":"audit","members":[{"value":"\#(kanya)"}]}"#)
        _ = scim.send(.post, "/Users", #"{"userName":"elsewhere@contoso.com"}"#, token: SCIMHarness.otherToken, source: "purging")

        let all = scim.send(.get, "/Users")
        XCTAssertEqual(all.status.code, 200)
        XCTAssertEqual(all.json["schemas"], [.string(SCIMSchema.listURN)])
        XCTAssertEqual(all.json["totalResults"], 3)
        XCTAssertEqual(all.json["startIndex"], 1)
        XCTAssertEqual(all.json["itemsPerPage"], 3)
        XCTAssertEqual(all.resources.map { $0["id"]?.stringValue }, [kanya, niran, malee])
        XCTAssertEqual(all.resources[0]["groups"], [["value": .string(group), "display": "audit", "type": "direct",
                                                      "$ref": .string(SCIMHarness.base + "/Groups/" + group)]])
        XCTAssertEqual(all.resources[2]["displayName"], nil, "the stored document, not the derived display name")

        let page = scim.send(.get, "/Users?startIndex=2&count=1")
        XCTAssertEqual(page.json["totalResults"], 3)
        XCTAssertEqual(page.json["startIndex"], 2)
        XCTAssertEqual(page.resources.map { $0["id"]?.stringValue }, [niran])
        XCTAssertEqual(scim.send(.get, "/Users?count=0").json["totalResults"], 3)
        XCTAssertEqual(scim.send(.get, "/Users?count=0").resources.count, 0)

        let filters: [(String, [String])] = [
            (#"userName eq "KANYA@contoso.com""#, [kanya]),                             // indexed, any case
            ("externalId eq 1234", [kanya]),                                            // Entra ID's unquoted value
            (#"emails[type eq "work"].value eq "kanya.s@contoso.com""#, [kanya]),
            (#"emails[type eq "home"].value eq "kanya.s@contoso.com""#, []),
            (#"displayName eq "kanya s""#, [kanya]),
            (#"groups[value eq "\#(group)"]"#, [kanya]),
            ("active eq false", [niran]),
            (#"active eq true and userName sw "m""#, [malee]),                           // an unassigned active is true
            (#"name.familyName eq "S" or displayName co "iran""#, [niran, malee]),
        ]
        for (filter, expected) in filters {
            let query = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let listed = scim.send(.get, "/Users?filter=" + query)
            XCTAssertEqual(listed.status.code, 200, "\(filter): \(listed.text)")
            XCTAssertEqual(listed.resources.compactMap { $0["id"]?.stringValue }, expected, filter)
            XCTAssertEqual(listed.json["totalResults"], .number(Double(expected.count)), filter)
        }

        let projected = scim.send(.get, "/Users?filter=userName%20eq%20%22niran%40contoso.com%22&attributes=userName")
        XCTAssertEqual(Set(projected.resources.first.map { Array($0.keys) } ?? []), ["id", "userName", "schemas"])
        let searched = scim.send(.post, "/Users/.search", #"{"filter":"userName sw \"k\"","count":10,"attributes":["userName"]}"#)
        XCTAssertEqual(searched.status.code, 200, searched.text)
        XCTAssertEqual(searched.resources.map { $0["userName"] }, ["kanya@contoso.com"])
        let everything = scim.send(.post, "/.search", "{}")
        XCTAssertEqual(everything.json["totalResults"], 4, "users, then groups")
        XCTAssertEqual(everything.resources.last?["displayName"], "audit")
    }

    func testPatchInBothEntraShapesWritesTheAccount() throws {
        let id = try scim.create("/Users", Self.somchai)
        // Entra ID's default shapes: capitalised ops, one operation per path.
        let old = scim.send(.patch, "/Users/" + id, #"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
             {"op":"Replace","path":"displayName","value":"Somchai P."},
             {"op":"Replace","path":"name.givenName","value":"Som"},
             {"op":"Replace","path":"emails[type eq \"work\"].value","value":"somchai.p@contoso.com"},
             {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Audit"}]}
            """#)
        XCTAssertEqual(old.status.code, 200, old.text)
        XCTAssertEqual(old.json["displayName"], "Somchai P.")
        XCTAssertEqual(old.json[SCIMSchema.enterpriseURN]?.member("department"), "Audit")
        var account = try XCTUnwrap(try scim.store.account(UserID(id)))
        XCTAssertEqual(account.name, "Somchai P.")
        XCTAssertEqual(account.email, "somchai.p@contoso.com")
        XCTAssertEqual(JSONValue.parse(Array(account.attributes.text.utf8))?.member("given_name"), "Som")

        // `aadOptscim062020`: one path-less replace whose keys are paths.
        let new = scim.send(.patch, "/Users/" + id, #"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
             {"op":"replace","value":{"displayName":"Somchai","name.familyName":"Prasert-Ng","userName":"somchai.p@contoso.com"}}]}
            """#)
        XCTAssertEqual(new.status.code, 200, new.text)
        XCTAssertEqual(new.json["userName"], "somchai.p@contoso.com")
        account = try XCTUnwrap(try scim.store.account(UserID(id)))
        XCTAssertEqual(account.username, "somchai.p@contoso.com")
        XCTAssertEqual(account.name, "Somchai")
        XCTAssertEqual(JSONValue.parse(Array(account.attributes.text.utf8))?.member("family_name"), "Prasert-Ng")
        XCTAssertEqual(scim.deactivations, [], "no change of active, no deactivation")
        XCTAssertEqual(try scim.store.auditTrail().map(\.action), ["scim.user.create", "scim.user.update", "scim.user.update"])
    }

    func testPutReplacesTheWholeResource() throws {
        let id = try scim.create("/Users", Self.somchai)
        let replaced = scim.send(.put, "/Users/" + id, #"{"userName":"somchai@contoso.com","nickName":"Chai"}"#)
        XCTAssertEqual(replaced.status.code, 200, replaced.text)
        XCTAssertEqual(replaced.json["nickName"], "Chai")
        XCTAssertNil(replaced.json["displayName"])
        XCTAssertNil(replaced.json["externalId"])
        XCTAssertNil(replaced.json["active"], "unassigned again, so not shown")
        XCTAssertEqual(replaced.json["schemas"], [.string(SCIMSchema.userURN)])
        let account = try XCTUnwrap(try scim.store.account(UserID(id)))
        XCTAssertEqual(account.email, nil)
        XCTAssertTrue(account.isActive)
        XCTAssertEqual(account.attributes.text, "{}")
    }

    func testDisablingCallsTheDeactivationHookOnceAndEndsSessions() throws {
        let id = try scim.create("/Users", #"{"userName":"niran@contoso.com"}"#)
        try scim.store.addSessionAndToken(for: UserID(id))
        let disable = #"{"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#
        let disabled = scim.send(.patch, "/Users/" + id, disable)
        XCTAssertEqual(disabled.status.code, 200, disabled.text)
        XCTAssertEqual(disabled.json["active"], false)
        XCTAssertEqual(scim.deactivations, [UserID(id)])
        XCTAssertFalse(try XCTUnwrap(try scim.store.account(UserID(id))).isActive)
        XCTAssertTrue(try scim.store.liveSessionsAndTokens(of: UserID(id)) == (0, 0))

        _ = scim.send(.patch, "/Users/" + id, disable)
        XCTAssertEqual(scim.deactivations, [UserID(id)], "already inactive: nothing more to end")
        let enabled = scim.send(.patch, "/Users/" + id, #"{"Operations":[{"op":"replace","path":"active","value":true}]}"#)
        XCTAssertEqual(enabled.json["active"], true)
        XCTAssertTrue(try XCTUnwrap(try scim.store.account(UserID(id))).isActive)
        XCTAssertEqual(scim.deactivations, [UserID(id)])
        let trail = try scim.store.auditTrail()
        XCTAssertEqual(trail.map(\.action), ["scim.user.create", "scim.user.deactivate", "scim.user.update", "scim.user.update"])
        XCTAssertEqual(JSONValue.parse(Array(trail[1].context.text.utf8)), ["source": "entra", "user_id": .string(id), "active": false])
        XCTAssertEqual(JSONValue.parse(Array(trail[3].context.text.utf8))?.member("active"), true)
    }

    func testDeleteKeepsTheAccountOutOfSightOrPurgesIt() throws {
        let id = try scim.create("/Users", #"{"userName":"leaver@contoso.com","emails":[{"value":"leaver@contoso.com"}]}"#)
        let deleted = scim.send(.delete, "/Users/" + id)
        XCTAssertEqual(deleted.status.code, 204)
        XCTAssertTrue(deleted.body.isEmpty)
        assertSCIMError(scim.send(.get, "/Users/" + id), 404, nil)
        assertSCIMError(scim.send(.delete, "/Users/" + id), 404, nil)
        XCTAssertEqual(scim.deactivations, [UserID(id)])
        let kept = try XCTUnwrap(try scim.store.account(UserID(id)))
        XCTAssertFalse(kept.isActive)
        XCTAssertEqual(kept.username, "leaver@contoso.com~deleted~" + id)
        XCTAssertNotEqual(try scim.create("/Users", #"{"userName":"leaver@contoso.com","emails":[{"value":"leaver@contoso.com"}]}"#), id)

        let temp = scim.send(.post, "/Users", #"{"userName":"temp@contoso.com"}"#, token: SCIMHarness.otherToken, source: "purging")
        let tempID = try XCTUnwrap(temp.json["id"]?.stringValue)
        XCTAssertEqual(temp.headers["Location"], SCIMHarness.origin + "/source/scim/purging/v2/Users/" + tempID)
        assertSCIMError(scim.send(.delete, "/Users/" + tempID), 404, nil)
        XCTAssertEqual(scim.send(.delete, "/Users/" + tempID, token: SCIMHarness.otherToken, source: "purging").status.code, 204)
        XCTAssertNil(try scim.store.account(UserID(tempID)))
        XCTAssertEqual(scim.deactivations, [UserID(id), UserID(tempID)])
        XCTAssertEqual(try scim.store.auditTrail().map(\.action).filter { $0.hasSuffix("delete") || $0.hasSuffix("purge") },
                       ["scim.user.delete", "scim.user.purge"])
    }
}
