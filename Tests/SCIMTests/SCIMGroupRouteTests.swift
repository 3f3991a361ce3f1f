import Foundation
import HTTP
import SCIM
import Store
import XCTest

/// `/Groups` in-process: members and nesting, PATCH of members in both Entra ID shapes, PUT,
/// filters, DELETE.
final class SCIMGroupRouteTests: XCTestCase {
    var scim: SCIMHarness!
    var anan = "", boon = ""

    override func setUpWithError() throws {
        scim = try SCIMHarness()
        anan = try scim.create("/Users", #"{"userName":"anan@contoso.com"}"#)
        boon = try scim.create("/Users", #"{"userName":"boon@contoso.com"}"#)
    }

    func member(_ id: String, _ type: String = "User") -> JSONValue {
        ["value": .string(id), "type": .string(type), "$ref": .string(SCIMHarness.base + "/\(type)s/" + id)]
    }

    func testCreateWithMembersAndReadThemBack() throws {
        let unknown = UUID().uuidString.lowercased()
        let created = scim.send(.post, "/Groups", #"""
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"finance","externalId":"g-1",
             "members":[{"value":"\#(anan)"},{"value":"\#(unknown)"},{"value":"not-a-uuid"}]}
            """#)
        XCTAssertEqual(created.status.code, 201, created.text)
        let id = try XCTUnwrap(created.json["id"]?.stringValue)
        XCTAssertEqual(created.headers["Location"], SCIMHarness.base + "/Groups/" + id)
        XCTAssertEqual(created.json["displayName"], "finance")
        XCTAssertEqual(created.json["externalId"], "g-1")
        XCTAssertEqual(created.json["schemas"], [.string(SCIMSchema.groupURN)])
        XCTAssertEqual(created.json["members"], [member(anan)], "members that are not the source's are ignored")
        XCTAssertEqual(created.json["meta"]?.member("resourceType"), "Group")

        XCTAssertEqual(scim.send(.get, "/Groups/" + id).json, created.json)
        XCTAssertNil(scim.send(.get, "/Groups/\(id)?excludedAttributes=members").json["members"])
        XCTAssertEqual(scim.send(.get, "/Users/" + anan).json["groups"], [[
            "value": .string(id), "display": "finance", "type": "direct", "$ref": .string(SCIMHarness.base + "/Groups/" + id)]])
        assertSCIMError(scim.send(.post, "/Groups", #"{"displayName":"FINANCE"}"#), 409, "uniqueness")
        assertSCIMError(scim.send(.post, "/Groups", #"{"members":[]}"#), 400, "invalidValue")
        XCTAssertEqual(try scim.store.auditTrail().map(\.action).filter { $0.hasPrefix("scim.group") }, ["scim.group.create"])
    }

    func testPatchMembersInBothShapesAndNestGroups() throws {
        let finance = try scim.create("/Groups", #"{"displayName":"finance"}"#)
        let clerks = try scim.create("/Groups", #"{"displayName":"ar-clerks"}"#)
        let added = scim.send(.patch, "/Groups/" + finance, #"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
             {"op":"Add","path":"members","value":[{"value":"\#(anan)"},{"value":"\#(boon)"},{"value":"\#(clerks)"}]}]}
            """#)
        XCTAssertEqual(added.status.code, 200, added.text)
        XCTAssertEqual(added.json["members"], [member(anan), member(clerks, "Group"), member(boon)], "by name")
        XCTAssertEqual(try scim.store.parent(of: GroupID(clerks)), GroupID(finance), "a member group is a child")

        // Default shape: remove by value list; feature-flag shape: remove by filter.
        let removed = scim.send(.patch, "/Groups/" + finance, #"""
            {"Operations":[{"op":"Remove","path":"members","value":[{"value":"\#(anan)"}]}]}
            """#)
        XCTAssertEqual(removed.json["members"], [member(clerks, "Group"), member(boon)])
        let filtered = scim.send(.patch, "/Groups/" + finance, #"""
            {"Operations":[{"op":"remove","path":"members[value eq \"\#(clerks)\"]"},{"op":"replace","path":"displayName","value":"Finance Team"}]}
            """#)
        XCTAssertEqual(filtered.status.code, 200, filtered.text)
        XCTAssertEqual(filtered.json["members"], [member(boon)])
        XCTAssertEqual(filtered.json["displayName"], "Finance Team")
        XCTAssertNil(try scim.store.parent(of: GroupID(clerks)), "a child no longer listed moves to the top")

        // The parent as a member of its own child: refused whole, the rename with it too.
        _ = scim.send(.patch, "/Groups/" + finance, #"{"Operations":[{"op":"add","path":"members","value":[{"value":"\#(clerks)"}]}]}"#)
        assertSCIMError(scim.send(.patch, "/Groups/" + clerks, #"""
            {"Operations":[{"op":"replace","path":"displayName","value":"renamed"},{"op":"add","path":"members","value":[{"value":"\#(finance)"}]}]}
            """#), 400, "invalidValue")
        XCTAssertEqual(scim.send(.get, "/Groups/" + clerks).json["displayName"], "ar-clerks")
        assertSCIMError(scim.send(.patch, "/Groups/" + clerks, #"{"Operations":[{"op":"replace","path":"displayName","value":"finance team"}]}"#),
                        409, "uniqueness")
    }

    func testPutReplacesNameAndMembers() throws {
        let id = try scim.create("/Groups", #"{"displayName":"finance","externalId":"g-1","members":[{"value":"\#(anan)"}]}"#)
        let replaced = scim.send(.put, "/Groups/" + id, #"{"displayName":"audit","members":[{"value":"\#(boon)"}]}"#)
        XCTAssertEqual(replaced.status.code, 200, replaced.text)
        XCTAssertEqual(replaced.json["displayName"], "audit")
        XCTAssertNil(replaced.json["externalId"])
        XCTAssertEqual(replaced.json["members"], [member(boon)])
        XCTAssertNil(scim.send(.get, "/Users/" + anan).json["groups"])
    }

    func testListAndFilter() throws {
        let finance = try scim.create("/Groups", #"{"displayName":"finance","externalId":"g-1","members":[{"value":"\#(anan)"}]}"#)
        let audit = try scim.create("/Groups", #"{"displayName":"audit","members":[{"value":"\#(boon)"}]}"#)
        let listed = scim.send(.get, "/Groups")
        XCTAssertEqual(listed.resources.map { $0["id"]?.stringValue }, [finance, audit])
        XCTAssertEqual(listed.resources.first?["members"], [member(anan)])
        let bare = scim.send(.get, "/Groups?excludedAttributes=members")
        XCTAssertEqual(bare.resources.count, 2)
        XCTAssertTrue(bare.resources.allSatisfy { $0["members"] == nil })
        let filters: [(String, [String])] = [
            (#"displayName eq "FINANCE""#, [finance]),
            (#"externalId eq "g-1""#, [finance]),
            (#"members[value eq "\#(boon)"]"#, [audit]),
            (#"displayName sw "a""#, [audit]),
        ]
        for (filter, expected) in filters {
            let query = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let found = scim.send(.get, "/Groups?excludedAttributes=members&filter=" + query)
            XCTAssertEqual(found.status.code, 200, found.text)
            XCTAssertEqual(found.resources.compactMap { $0["id"]?.stringValue }, expected, filter)
            XCTAssertTrue(found.resources.allSatisfy { $0["members"] == nil }, filter)
        }
    }

    func testDeleteRemovesTheGroupAndMovesChildrenUp() throws {
        let clerks = try scim.create("/Groups", #"{"displayName":"ar-clerks"}"#)
        let finance = try scim.create("/Groups", #"{"displayName":"finance","members":[{"value":"\#(anan)"},{"value":"\#(clerks)"}]}"#)
        XCTAssertEqual(scim.send(.delete, "/Groups/" + finance).status.code, 204)
        assertSCIMError(scim.send(.get, "/Groups/" + finance), 404, nil)
        assertSCIMError(scim.send(.delete, "/Groups/" + finance), 404, nil)
        XCTAssertNil(try scim.store.parent(of: GroupID(clerks)))
        XCTAssertEqual(scim.send(.get, "/Groups/" + clerks).status.code, 200)
        XCTAssertNil(scim.send(.get, "/Users/" + anan).json["groups"])
        XCTAssertEqual(scim.deactivations, [], "deleting a group ends nobody's sessions")
        XCTAssertEqual(try scim.store.auditTrail().last?.action, "scim.group.delete")
    }
}
