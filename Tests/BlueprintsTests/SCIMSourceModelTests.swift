import Blueprints
import XCTest

final class SCIMSourceModelTests: XCTestCase {
    func file(_ attrs: String) -> String {
        """
        version: 1
        metadata: {name: scim}
        entries:
          - model: scim-source
            identifiers: {slug: entra}
            attrs:
              \(attrs)
        """
    }

    func testValidSource() throws {
        let blueprint = try parse(file("{name: Entra ID, token: !Env SCIM_TOKEN, purge_on_delete: true}"),
                                  environment: ["SCIM_TOKEN": secretValue])
        XCTAssertEqual(blueprint.entries.first?.model, "scim-source")
        XCTAssertEqual(blueprint.entries.first?.key.identifiers["slug"], "entra")
        XCTAssertEqual(ModelRegistry.standard.spec(for: "scim-source")?.isApplied, true)
    }

    func testTokenMustComeFromTheEnvironmentAndNameIsRequired() {
        let literal = errors(file("{name: Entra ID, token: \(secretValue)}"))
        XCTAssertEqual(literal.map(\.field), ["attrs.token"])
        let missingName = errors(file("{purge_on_delete: false}"))
        XCTAssertEqual(missingName.map(\.field), ["attrs.name"])
        let wrongType = errors(file("{name: Entra ID, purge_on_delete: sometimes}"))
        XCTAssertEqual(wrongType.map(\.field), ["attrs.purge_on_delete"])
    }
}
