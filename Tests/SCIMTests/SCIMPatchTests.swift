import JSON
import SCIM
import XCTest

final class SCIMPatchTests: XCTestCase {
    let base: JSONObject = [
        "userName": "somchai@contoso.com", "active": true, "displayName": "Somchai",
        "emails": [["type": "work", "value": "old@contoso.com", "primary": true]],
        "name": ["givenName": "Somchai", "familyName": "Prasert"],
    ]

    func patch(_ json: String, _ resource: JSONObject? = nil, type: SCIMResourceType = .user) throws -> JSONObject {
        let body = try JSONValue(parsing: json)
        return try SCIMPatch.parse(body).apply(to: resource ?? base, type: type)
    }

    func testDefaultEntraShapes() throws {
        // Capitalised op names, "False" as a string, path-less replace with dotted and URN keys.
        let out = try patch("""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
             {"op":"Replace","path":"active","value":"False"},
             {"op":"Add","value":{"name.givenName":"Malee","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"42","displayName":"Malee S"}},
             {"op":"Replace","path":"emails[type eq \\"work\\"].value","value":"new@contoso.com"}]}
            """)
        XCTAssertEqual(out["active"], .bool(false))
        XCTAssertEqual(out["name"]?.member("givenName"), "Malee")
        XCTAssertEqual(out["name"]?.member("familyName"), "Prasert")
        XCTAssertEqual(out["displayName"], "Malee S")
        XCTAssertEqual(out[SCIMSchema.enterpriseURN]?.member("employeeNumber"), "42")
        XCTAssertEqual(out["emails"], [["type": "work", "value": "new@contoso.com", "primary": true]])
    }

    func testWorkEmailCreatedWhenMissing() throws {
        var resource = base
        resource["emails"] = nil
        let out = try patch(#"{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].value","value":"a@b.c"}]}"#, resource)
        XCTAssertEqual(out["emails"], [["type": "work", "value": "a@b.c"]])
    }

    func testMembersAddAndRemoveBothWays() throws {
        let group: JSONObject = ["displayName": "finance"]
        var out = try patch(#"{"Operations":[{"op":"Add","path":"members","value":[{"value":"u1"},{"value":"u2"},{"value":"u3"}]}]}"#,
                            group, type: .group)
        XCTAssertEqual(out["members"]?.arrayValue?.count, 3)
        out = try patch(#"{"Operations":[{"op":"Remove","path":"members","value":[{"value":"u1"}]}]}"#, out, type: .group)
        out = try patch(#"{"Operations":[{"op":"remove","path":"members[value eq \"u2\"]"}]}"#, out, type: .group)
        XCTAssertEqual(out["members"], [["value": "u3"]])
        out = try patch(#"{"Operations":[{"op":"add","path":"members","value":[{"value":"u3"}]}]}"#, out, type: .group)
        XCTAssertEqual(out["members"], [["value": "u3"]], "adding an existing member does not duplicate it")
    }

    func testErrors() throws {
        XCTAssertThrowsError(try patch(#"{"Operations":[{"op":"replace","path":"id","value":"x"}]}"#)) {
            XCTAssertEqual(($0 as? SCIMError)?.scimType, "mutability")
        }
        XCTAssertThrowsError(try patch(#"{"Operations":[{"op":"frobnicate","path":"displayName","value":"x"}]}"#)) {
            XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidSyntax")
        }
        XCTAssertThrowsError(try patch(#"{"Operations":[{"op":"replace","path":"active","value":"maybe"}]}"#)) {
            XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidValue")
        }
        XCTAssertThrowsError(try patch(#"{"Operations":[{"op":"remove"}]}"#)) {
            XCTAssertEqual(($0 as? SCIMError)?.scimType, "noTarget")
        }
    }

    func testResourceCanonicalisation() throws {
        let input: JSONValue = ["USERNAME": "x", "Active": "True", "id": "forged", "groups": [["value": "g"]],
                                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": ["Department": "IT"],
                                "password": "secret", "unknownThing": 1]
        let out = try SCIMValues.resource(input, type: .user)
        XCTAssertEqual(out, ["userName": "x", "active": true, SCIMSchema.enterpriseURN: ["department": "IT"]])
    }
}

final class SCIMPatchCompliantTests: XCTestCase {
    func testPathlessReplaceWithValueFilterKeys() throws {
        // aadOptscim062020: one path-less replace carrying every changed attribute.
        let body = try JSONValue(parsing: #"""
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{
             "displayName":"Pvlo","emails[type eq \"work\"].value":"TestBcwqnm@test.microsoft.com","name.givenName":"Gtfd",
             "name.familyName":"Pkqf","externalId":"Eqpj","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"Eqpj"}}]}
            """#)
        let out = try SCIMPatch.parse(body).apply(to: ["userName": "x"], type: .user)
        XCTAssertEqual(out["emails"], [["type": "work", "value": "TestBcwqnm@test.microsoft.com"]])
        XCTAssertEqual(out["name"], ["givenName": "Gtfd", "familyName": "Pkqf"])
        XCTAssertEqual(out["externalId"], "Eqpj")
        XCTAssertEqual(out["displayName"], "Pvlo")
        XCTAssertEqual(out[SCIMSchema.enterpriseURN], ["employeeNumber": "Eqpj"])
    }
}

final class SCIMManagerTests: XCTestCase {
    /// Entra ID's default mapping sends the manager as a bare id.
    func testManagerAsABareIdBecomesItsValue() throws {
        let created = try SCIMValues.resource(["userName": "x", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "m-1"], type: .user)
        XCTAssertEqual(created[SCIMSchema.enterpriseURN], ["manager": ["value": "m-1"]])
        let body = try JSONValue(parsing: #"""
            {"Operations":[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m-2"}]}
            """#)
        let patched = try SCIMPatch.parse(body).apply(to: created, type: .user)
        XCTAssertEqual(patched[SCIMSchema.enterpriseURN], ["manager": ["value": "m-2"]])
        let removed = try SCIMPatch.parse(try JSONValue(parsing: #"""
            {"Operations":[{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]}
            """#)).apply(to: patched, type: .user)
        XCTAssertNil(removed[SCIMSchema.enterpriseURN])
    }
}
