import JSON
import SCIM
import XCTest

final class SCIMFilterTests: XCTestCase {
    let user: JSONValue = [
        "userName": "Somchai@Contoso.com", "externalId": "7e8d-01", "displayName": "Somchai P",
        "active": true,
        "emails": [["type": "work", "value": "somchai@contoso.com", "primary": true], ["type": "home", "value": "s@home.th"]],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": ["employeeNumber": "1001"],
    ]

    func matches(_ filter: String) throws -> Bool { try SCIMFilter.parse(filter).matches(user) }

    func testEntraShapes() throws {
        XCTAssertTrue(try matches(#"userName eq "somchai@contoso.com""#))            // case-insensitive value
        XCTAssertTrue(try matches(#"USERNAME EQ "Somchai@Contoso.com""#))             // names and operators in any case
        XCTAssertTrue(try matches(#"externalId eq "7e8d-01""#))
        XCTAssertTrue(try matches("externalId eq 7e8d-01"))                            // unquoted
        XCTAssertFalse(try matches(#"externalId eq "7E8D-01""#))                       // externalId is caseExact
        XCTAssertTrue(try matches(#"emails[type eq "work"].value eq "somchai@contoso.com""#))
        XCTAssertFalse(try matches(#"emails[type eq "home"].value eq "somchai@contoso.com""#))
        XCTAssertTrue(try matches(#"displayName eq "Somchai P" and userName eq "somchai@contoso.com""#))
        XCTAssertFalse(try matches(#"displayName eq "Somchai P" and userName eq "x""#))
        XCTAssertTrue(try matches(#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1001""#))
    }

    /// Filter numbers follow JSON's grammar and compare exactly across kinds.
    func testNumbers() throws {
        let counted: JSONValue = ["n": 10, "big": .number(.bigInteger("9223372036854775808"))]
        XCTAssertTrue(try SCIMFilter.parse("n eq 10.0").matches(counted))
        XCTAssertTrue(try SCIMFilter.parse("n gt 9.5").matches(counted))
        XCTAssertFalse(try SCIMFilter.parse("n lt 10").matches(counted))
        XCTAssertTrue(try SCIMFilter.parse("big gt 9223372036854775807").matches(counted))
        // `10.0` stays 10.0 (was written 10); `0x10` is no number (Double("0x10") made it 16).
        XCTAssertEqual("\(try SCIMFilter.parse("n eq 10.0"))", "n eq 10.0")
        XCTAssertEqual("\(try SCIMFilter.parse("externalId eq 0x10"))", #"externalId eq "0x10""#)
    }

    func testOperatorsAndPrecedence() throws {
        XCTAssertTrue(try matches(#"userName sw "somchai" and not (displayName co "x")"#))
        XCTAssertTrue(try matches(#"userName eq "x" or userName ew "contoso.com" and active eq true"#))
        XCTAssertTrue(try matches("emails pr"))
        XCTAssertFalse(try matches("nickName pr"))
        XCTAssertTrue(try matches(#"emails[type eq "work" and primary eq true]"#))
        XCTAssertTrue(try matches(#"active eq "True""#))
    }

    func testBadFiltersAreInvalidFilter() {
        for bad in ["", "userName", "userName zz \"x\"", "userName eq", "(userName eq \"x\"", "userName eq \"x", "emails[type eq \"work\"",
                    "userName eq \"x\" and", String(repeating: "(", count: 100) + "a pr" + String(repeating: ")", count: 100)] {
            XCTAssertThrowsError(try SCIMFilter.parse(bad), bad) { error in
                XCTAssertEqual((error as? SCIMError)?.scimType, "invalidFilter", bad)
            }
        }
    }

    func testPaths() throws {
        let p = try SCIMPath.parse(#"emails[type eq "work"].value"#)
        XCTAssertEqual(p.attribute, "emails")
        XCTAssertEqual(p.subAttribute, "value")
        XCTAssertNotNil(p.filter)
        let e = try SCIMPath.parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
        XCTAssertEqual(e.schema, SCIMSchema.enterpriseURN)
        XCTAssertEqual(e.attribute, "manager")
        XCTAssertEqual(e.subAttribute, "value")
        XCTAssertThrowsError(try SCIMPath.parse("members[value eq")) { XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidPath") }
    }
}

final class SCIMNulTests: XCTestCase {
    /// PostgreSQL cannot store NUL: it must be a client error, never a failed query.
    func testNulIsRefusedAsInput() {
        XCTAssertThrowsError(try SCIMFilter.parse(#"userName eq "a\u0000b""#)) { XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidFilter") }
        XCTAssertThrowsError(try SCIMFilter.parse("userName eq a\u{0}b")) { XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidFilter") }
        XCTAssertThrowsError(try SCIMValues.resource(["userName": "x", "nickName": "a\u{0}b"], type: .user)) {
            XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidValue")
        }
        XCTAssertThrowsError(try SCIMValues.resource(["userName": "x", "externalId": "\u{0}"], type: .user)) {
            XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidValue")
        }
    }
}
