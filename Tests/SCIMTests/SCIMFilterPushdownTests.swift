@testable import SCIM
import Store
import XCTest

/// Which key a filter gives the store to narrow by (the store's SQL for each key is
/// `PostgresProvisioningStore`'s; the conformance suite checks what each key keeps).
final class SCIMFilterPushdownTests: XCTestCase {
    func key(_ filter: String) throws -> ProvisioningKey? { SCIMFilterPushdown.userKey(try SCIMFilter.parse(filter)) }

    func testIndexedKeysWinAndOnlyImpliedOnesAreUsed() throws {
        XCTAssertEqual(try key(#"userName eq "A@b.c""#), .username("A@b.c"))
        XCTAssertEqual(try key(#"emails[type eq "work"].value eq "x@y" and externalId eq "42""#), .externalID("42"))
        XCTAssertEqual(try key("externalId eq 42"), .externalID("42"))
        XCTAssertEqual(try key(#"emails[type eq "work"].value eq "x@y""#), .email("x@y"))
        XCTAssertEqual(try key(#"emails[type eq "work" and value eq "x@y"]"#), .email("x@y"))
        XCTAssertEqual(try key(#"emails eq "x@y""#), .email("x@y"))
        XCTAssertEqual(try key(#"displayName eq "Kanya S""#), .name("Kanya S"))
        XCTAssertNil(try key(#"userName eq "a" or userName eq "b""#), "or: neither side is implied")
        XCTAssertNil(try key(#"not (userName eq "a")"#))
        XCTAssertNil(try key(#"userName co "a""#))
    }

    func testGroupsNarrowByNameOrExternalID() throws {
        XCTAssertEqual(SCIMFilterPushdown.groupKey(try SCIMFilter.parse(#"externalId eq "g" and displayName eq "Finance""#)),
                       .name("Finance"))
        XCTAssertEqual(SCIMFilterPushdown.groupKey(try SCIMFilter.parse(#"externalId eq "g""#)), .externalID("g"))
        XCTAssertNil(SCIMFilterPushdown.groupKey(try SCIMFilter.parse(#"members[value eq "x"]"#)))
    }
}
