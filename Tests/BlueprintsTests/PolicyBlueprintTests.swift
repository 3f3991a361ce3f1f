import XCTest
@testable import Blueprints

/// The `policy` model and an application's policy fields, validated without a store.
final class PolicyBlueprintTests: XCTestCase {
    static func file(_ entries: String) -> String {
        "version: 1\nmetadata: {name: p}\nentries:\n" + entries
    }

    func testExpressionParseErrorNamesEntryAndColumn() {
        let yaml = Self.file("""
              - model: policy
                identifiers: {name: finance-on-lan}
                attrs:
                  kind: expression
                  expression: "user.is_in_group('finance') && ip_in(request.ip, '10.0.0.0/8'"
            """)
        XCTAssertEqual(errors(yaml).map(\.description), [
            "bad.yaml:8: entries[0] (policy name=finance-on-lan): attrs.expression: column 62: expected ',' or ')' in the list, found the end of the expression",
        ])
    }

    func testKindDecidesTheFields() {
        let yaml = Self.file("""
              - model: policy
                identifiers: {name: a}
                attrs: {kind: ip-network, networks: ["10.0.0.0/8", "10.0.0.0/40"]}
              - model: policy
                identifiers: {name: b}
                attrs: {kind: time-window, start: "8:00", end: "18:00", weekdays: [mon, funday]}
              - model: policy
                identifiers: {name: c}
                attrs: {kind: group-membership, expression: "true"}
              - model: policy
                identifiers: {name: d}
                attrs: {kind: reputation, max_failures: 0}
            """)
        let found = errors(yaml).map(\.description).joined(separator: "\n")
        XCTAssertTrue(found.contains("entries[0] (policy name=a): attrs.networks: 10.0.0.0/40 is not a CIDR block"), found)
        XCTAssertTrue(found.contains("entries[1] (policy name=b): attrs.start: must be HH:MM, not 8:00"), found)
        XCTAssertTrue(found.contains("entries[1] (policy name=b): attrs.weekdays: funday is not one of"), found)
        XCTAssertTrue(found.contains("entries[2] (policy name=c): attrs.group: a group-membership policy needs group"), found)
        XCTAssertTrue(found.contains("entries[2] (policy name=c): attrs.expression: is not used by a group-membership policy"), found)
        XCTAssertTrue(found.contains("entries[3] (policy name=d): attrs.max_failures: must be positive"), found)
    }

    func testApplicationBindsPoliciesInTheFileOrderedBeforeIt() throws {
        let yaml = Self.file("""
              - model: application
                identifiers: {slug: ar-aging}
                attrs:
                  name: A/R Aging
                  policies: [{policy: office-lan, negate: true}, {policy: finance, failure_result: true}]
                  policy_engine_mode: all
                  sensitive: true
                  mfa_window: minutes=30
              - model: group
                identifiers: {name: finance}
              - model: policy
                identifiers: {name: office-lan}
                attrs: {kind: ip-network, networks: ["10.0.0.0/8"]}
              - model: policy
                identifiers: {name: finance}
                attrs: {kind: group-membership, group: finance}
            """)
        let blueprint = try parse(yaml)
        let app = try XCTUnwrap(blueprint.entries.first { $0.model == "application" })
        XCTAssertEqual(app.attrs["policies"], .list([.map(["policy": .string("office-lan"), "negate": .bool(true)]),
                                                    .map(["policy": .string("finance"), "failure_result": .bool(true)])]))
        let missing = Self.file("""
              - model: application
                identifiers: {slug: ar-aging}
                attrs: {name: A/R Aging, policies: [{policy: nowhere}], policy_engine_mode: most}
            """)
        let found = errors(missing).map(\.description).joined(separator: "\n")
        XCTAssertTrue(found.contains("policy_engine_mode: must be one of any, all, not most"), found)
        XCTAssertTrue(found.contains("attrs.policies[0].policy"), found)
    }
}
