import Blueprints
import XCTest

/// Issue 3's example, verbatim but for the variable name.
let storeExample = """
version: 1
metadata: {name: demo}
entries:
  - model: group
    identifiers: {name: finance}
  - model: user
    identifiers: {username: somchai}
    attrs:
      email: somchai@example.co.th
      name: Somchai Prasert
      password: !Env DEMO_PASSWORD
      groups: [finance]
      attributes: {m3_company: "100", m3_division: "AAA", m3_roles: [AR_CLERK]}
    state: present          # present | created | absent
"""

/// Issue 4's example, verbatim, plus the group it refers to.
let oidcExample = """
version: 1
metadata: {name: ar-aging}
entries:
  - model: scope-mapping
    identifiers: {name: erp-claims}
    attrs:
      scope_name: erp
      description: ERP roles
      expression: '{"m3_roles": user.attributes.m3_roles, "m3_company": user.attributes.m3_company, "ar_access_level": "finance" in user.groups ? "full" : "none"}'
  - model: oauth2-provider
    identifiers: {name: ar-aging}
    attrs:
      client_type: confidential          # or public (PKCE, no secret)
      client_id: ar-aging
      client_secret: !Env AR_AGING_SECRET
      redirect_uris: [{matching_mode: strict, url: "https://ar.example.co.th/auth/callback"}]
      signing_alg: RS256                 # or ES256
      scopes: [openid, email, profile, offline_access, erp]
  - model: application
    identifiers: {slug: ar-aging}
    attrs: {name: "A/R Aging", provider: ar-aging, launch_url: "https://ar.example.co.th/", groups: [finance]}
"""

let secretValue = "s3cret-VALUE-never-shown"

func parse(_ yaml: String, file: String = "test.yaml", environment: [String: String] = ["DEMO_PASSWORD": secretValue, "AR_AGING_SECRET": secretValue],
           existing: (any ExistingObjects)? = nil) throws -> Blueprint {
    try BlueprintParser(environment: environment).parse(yaml, file: file, existing: existing)
}

/// The errors a file gives (fails the test when it parses).
func errors(_ yaml: String, file: String = "bad.yaml", environment: [String: String] = ["DEMO_PASSWORD": secretValue],
            existing: (any ExistingObjects)? = nil, line: UInt = #line) -> [BlueprintError] {
    do {
        _ = try BlueprintParser(environment: environment).parse(yaml, file: file, existing: existing)
        XCTFail("parsed a bad file", line: line)
        return []
    } catch {
        for e in error.errors { XCTAssertFalse(e.description.contains(secretValue), "secret in \(e)", line: line) }
        return error.errors
    }
}

/// A file with one user entry after a group entry, the user's attrs given as YAML lines.
func userFile(_ attrs: String, state: String = "present") -> String {
    """
    version: 1
    metadata: {name: t}
    entries:
      - model: group
        identifiers: {name: finance}
      - model: user
        identifiers: {username: somchai}
        state: \(state)
        attrs:
    \(attrs.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
    """
}

final class BlueprintParserTests: XCTestCase {
    func testIssueExampleParses() throws {
        let blueprint = try parse(storeExample, file: "demo.yaml")
        XCTAssertEqual(blueprint.name, "demo")
        XCTAssertEqual(blueprint.entries.count, 2)
        let user = blueprint.entries[1]
        XCTAssertEqual(user.key, EntryKey(model: "user", identifiers: ["username": "somchai"]))
        XCTAssertEqual(user.state, .present)
        XCTAssertEqual(user.line, 6)
        XCTAssertEqual(user.attrs["email"], .string("somchai@example.co.th"))
        XCTAssertEqual(user.attrs["groups"], .list([.string("finance")]))
        XCTAssertEqual(user.attrs["attributes"], .map([
            "m3_company": .string("100"), "m3_division": .string("AAA"), "m3_roles": .list([.string("AR_CLERK")]),
        ]))
        guard case .secret(let password)? = user.attrs["password"] else { return XCTFail("password is not a secret") }
        XCTAssertEqual(password.variable, "DEMO_PASSWORD")
        XCTAssertEqual(password.reveal(), secretValue)
    }

    func testSecretNeverPrinted() throws {
        let blueprint = try parse(storeExample)
        let user = blueprint.entries[1]
        for text in [String(describing: user), String(reflecting: user), "\(blueprint)", "\(user.attrs)"] {
            XCTAssertFalse(text.contains(secretValue), text)
        }
        var dumped = ""
        dump(blueprint, to: &dumped)
        XCTAssertFalse(dumped.contains(secretValue))
        XCTAssertTrue("\(user.attrs["password"]!)".contains("!Env DEMO_PASSWORD"))
    }

    func testMissingVariableNamesItButNoValue() {
        let found = errors(storeExample, file: "demo.yaml", environment: ["OTHER": secretValue])
        XCTAssertEqual(found.map(\.description), [
            "demo.yaml:11: entries[1] (user username=somchai): attrs.password: environment variable DEMO_PASSWORD is not set",
        ])
    }

    func testOIDCExampleValidates() throws {
        let existing = InMemoryObjects([EntryKey(model: "group", identifiers: ["name": "finance"]): [:]])
        let blueprint = try parse(oidcExample, existing: existing)
        XCTAssertEqual(blueprint.entries.map(\.model), ["scope-mapping", "oauth2-provider", "application"])
        let provider = blueprint.entries[1]
        XCTAssertEqual(provider.attrs["redirect_uris"], .list([.map([
            "matching_mode": .string("strict"), "url": .string("https://ar.example.co.th/auth/callback"),
        ])]))
        XCTAssertEqual(provider.attrs["signing_alg"], .string("RS256"))
        XCTAssertTrue(ModelRegistry.standard.spec(for: "oauth2-provider")!.isApplied)
        // A confidential client must have its secret.
        let noSecret = oidcExample.replacingOccurrences(of: "      client_secret: !Env AR_AGING_SECRET\n", with: "")
        XCTAssertEqual(errors(noSecret, existing: existing).map(\.description), [
            "bad.yaml:10: entries[1] (oauth2-provider name=ar-aging): attrs.client_secret: a confidential client needs a secret (client_secret: !Env NAME)",
        ])
        // Without the group anywhere, the application's reference dangles.
        let found = errors(oidcExample, environment: ["AR_AGING_SECRET": "x"])
        XCTAssertEqual(found.map(\.description), [
            "bad.yaml:21: entries[2] (application slug=ar-aging): attrs.groups: group name=finance is neither in this file nor known",
        ])
    }

    func testOIDCModelMistakes() {
        let yaml = """
        version: 1
        metadata: {name: x}
        entries:
          - model: oauth2-provider
            identifiers: {name: p}
            attrs:
              client_type: public
              client_id: p
              client_secret: literal
              redirect_uris: [{matching_mode: fuzzy, url: "https://x/"}, {url: "https://y/", extra: 1}]
              signing_alg: HS256
              access_token_validity: hours=one
        """
        let publicWithSecret = yaml.replacingOccurrences(of: "client_secret: literal", with: "client_secret: !Env S")
            .replacingOccurrences(of: "fuzzy", with: "strict").replacingOccurrences(of: "extra: 1", with: "matching_mode: regex")
            .replacingOccurrences(of: "HS256", with: "ES256").replacingOccurrences(of: "hours=one", with: "days=30;hours=12")
        XCTAssertEqual(errors(publicWithSecret, environment: ["S": secretValue]).map(\.description), [
            "bad.yaml:9: entries[0] (oauth2-provider name=p): attrs.client_secret: a public client has no secret (it uses PKCE)",
        ])
        let text = errors(yaml).map(\.description)
        XCTAssertEqual(text, [
            "bad.yaml:9: entries[0] (oauth2-provider name=p): attrs.client_secret: must come from the environment (!Env NAME): secrets never sit in the file",
            "bad.yaml:10: entries[0] (oauth2-provider name=p): attrs.redirect_uris[0].matching_mode: must be one of strict, regex, not fuzzy",
            "bad.yaml:10: entries[0] (oauth2-provider name=p): attrs.redirect_uris[1].extra: unknown field (allowed: matching_mode, url)",
            "bad.yaml:10: entries[0] (oauth2-provider name=p): attrs.redirect_uris[1].matching_mode: is missing",
            "bad.yaml:11: entries[0] (oauth2-provider name=p): attrs.signing_alg: must be one of RS256, ES256, not HS256",
            "bad.yaml:12: entries[0] (oauth2-provider name=p): attrs.access_token_validity: expected a duration like hours=1 or days=30;hours=12",
        ].sorted { lineOf($0) < lineOf($1) })
    }

    // MARK: Bad files: each error names the file, the entry and the field

    func testYAMLSyntaxError() {
        let found = errors("version: 1\nentries: [\n  - {model: group\n")
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found[0].description.hasPrefix("bad.yaml:"), found[0].description)
        XCTAssertEqual(found[0].field, "yaml")
        XCTAssertNotNil(found[0].line)
    }

    func testBadScopeMappingExpressionNamesEntryAndColumn() throws {
        let yaml = """
        version: 1
        metadata: {name: x}
        entries:
          - model: scope-mapping
            identifiers: {name: erp-claims}
            attrs:
              scope_name: erp
              expression: '{"m3_roles": user.attributes.m3_roles +}'
        """
        XCTAssertEqual(errors(yaml).map(\.description), [
            "bad.yaml:8: entries[0] (scope-mapping name=erp-claims): attrs.expression: column 40: expected an expression, found '}'",
        ])
        let tooDeep = yaml.replacingOccurrences(of: "'{\"m3_roles\": user.attributes.m3_roles +}'",
                                                with: "'" + String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200) + "'")
        XCTAssertEqual(errors(tooDeep).map(\.description), [
            "bad.yaml:8: entries[0] (scope-mapping name=erp-claims): attrs.expression: column 65: expression is nested deeper than 64 levels",
        ])
        let good = yaml.replacingOccurrences(of: " +}", with: "}")
        XCTAssertEqual(try parse(good).entries.first?.attrs["expression"], .string(#"{"m3_roles": user.attributes.m3_roles}"#))
    }

    func testUnknownModel() {
        let found = errors("version: 1\nmetadata: {name: x}\nentries:\n  - model: printer\n    identifiers: {name: p}\n")
        XCTAssertEqual(found.map(\.description), [
            "bad.yaml:4: entries[0] (printer): model: unknown model (known: application, group, oauth-source, oauth2-provider, policy, saml-provider, scim-source, scope-mapping, user)",
        ])
    }

    func testUnknownField() {
        let found = errors(userFile("email: a@b.c\nshoe_size: 42"))
        XCTAssertEqual(found.map(\.description), [
            "bad.yaml:11: entries[1] (user username=somchai): attrs.shoe_size: unknown field (allowed: email, name, password, groups, attributes, is_active, is_superuser)",
        ])
    }

    func testWrongTypes() {
        let found = errors(userFile("email: [a@b.c]\nis_active: \"yes\"\ngroups: finance\nname: 42\nattributes: {m3_roles: [{nested: map}]}"))
        XCTAssertEqual(found.map(\.description), [
            "bad.yaml:10: entries[1] (user username=somchai): attrs.email: expected a string, got a list",
            "bad.yaml:11: entries[1] (user username=somchai): attrs.is_active: expected true or false, got a string",
            "bad.yaml:12: entries[1] (user username=somchai): attrs.groups: expected a list of group names, got a string",
            "bad.yaml:13: entries[1] (user username=somchai): attrs.name: expected a string, got an integer (quote it)",
            "bad.yaml:14: entries[1] (user username=somchai): attrs.attributes.m3_roles[0]: expected a string, number, boolean or a list of them, got a mapping",
        ])
    }

    func testLiteralPassword() {
        let found = errors(userFile("password: \(secretValue)"))
        XCTAssertEqual(found.map(\.description), [
            "bad.yaml:10: entries[1] (user username=somchai): attrs.password: must come from the environment (!Env NAME): secrets never sit in the file",
        ])
    }

    func testDanglingGroupReference() {
        let found = errors(userFile("groups: [finance, it]"))
        XCTAssertEqual(found.map(\.description), [
            "bad.yaml:10: entries[1] (user username=somchai): attrs.groups: group name=it is neither in this file nor known",
        ])
        // Known to the store: fine.
        let existing = InMemoryObjects([EntryKey(model: "group", identifiers: ["name": "it"]): [:]])
        XCTAssertNoThrow(try parse(userFile("groups: [finance, it]"), existing: existing))
    }

    func testReferenceToAnAbsentEntry() {
        let yaml = userFile("groups: [finance]").replacingOccurrences(of: "{name: finance}", with: "{name: finance}\n    state: absent")
        XCTAssertEqual(errors(yaml).map(\.description), [
            "bad.yaml:11: entries[1] (user username=somchai): attrs.groups: group name=finance is marked absent in entries[0]",
        ])
    }

    func testDuplicateEntry() {
        let yaml = "version: 1\nmetadata: {name: x}\nentries:\n  - model: group\n    identifiers: {name: it}\n  - model: group\n    identifiers: {name: it}\n"
        XCTAssertEqual(errors(yaml).map(\.description), [
            "bad.yaml:6: entries[1] (group name=it): identifiers: duplicate entry: the same group as entries[0]",
        ])
    }

    func testBadState() {
        let found = errors(userFile("email: a@b.c", state: "gone"))
        XCTAssertEqual(found.map(\.description), [
            "bad.yaml:8: entries[1] (user username=somchai): state: must be present, created or absent",
        ])
    }

    func testVersion2() {
        let found = errors("version: 2\nmetadata: {name: x}\nentries: []\n")
        XCTAssertEqual(found.map(\.description), ["bad.yaml:1: version: must be 1 (the only format this Gatehouse reads)"])
    }

    func testMissingIdentifiersAndTopLevelFields() {
        let found = errors("version: 1\nentries:\n  - model: user\n    attrs: {email: a@b.c}\n  - model: group\n    identifiers: {title: x}\ncontext: {}\n")
        XCTAssertEqual(found.map(\.description), [
            "bad.yaml:1: metadata: is missing (metadata: {name: NAME})",
            "bad.yaml:3: entries[0] (user): identifiers: is missing (username: …)",
            "bad.yaml:6: entries[1] (group): identifiers.title: unknown field (allowed: name)",
            "bad.yaml:6: entries[1] (group): identifiers.name: is missing",
            "bad.yaml:7: context: unknown field (allowed: version, metadata, entries)",
        ])
    }

    func testAllErrorsOfAFileAreCollected() {
        let yaml = """
        version: 1
        metadata: {name: x}
        entries:
          - model: user
            identifiers: {username: a}
            attrs: {password: plain, groups: [nobody]}
          - model: widget
            identifiers: {name: w}
          - model: group
            identifiers: {name: g}
            state: maybe
        """
        XCTAssertEqual(errors(yaml).count, 4)
    }

    func testUnsupportedTagAndGroupCycle() {
        let yaml = """
        version: 1
        metadata: {name: x}
        entries:
          - model: group
            identifiers: {name: a}
            attrs: {parent: b, attributes: {k: !Find x}}
          - model: group
            identifiers: {name: b}
            attrs: {parent: a}
        """
        XCTAssertEqual(errors(yaml).map(\.description), [
            "bad.yaml:4: entries[0] (group name=a): attrs: references form a cycle: entries[0] (group name=a) -> entries[1] (group name=b)",
            "bad.yaml:6: entries[0] (group name=a): attrs.attributes.k: unsupported tag !Find (only !Env NAME)",
        ])
    }
}

private func lineOf(_ s: String) -> Int { Int(s.split(separator: ":")[1]) ?? 0 }

final class BlueprintSetTests: XCTestCase {
    func testFilesValidatedTogetherMayReferToEachOther() {
        let groups = "version: 1\nmetadata: {name: g}\nentries:\n  - model: group\n    identifiers: {name: finance}\n"
        let users = "version: 1\nmetadata: {name: u}\nentries:\n  - model: user\n    identifiers: {username: a}\n    attrs: {groups: [finance, it]}\n"
        let results = BlueprintParser(environment: [:]).parse(files: [("groups.yaml", groups), ("users.yaml", users)])
        XCTAssertEqual(results.count, 2)
        guard case .success = results[0], case .failure(let problems) = results[1] else { return XCTFail("\(results)") }
        XCTAssertEqual(problems.description, "users.yaml:6: entries[0] (user username=a): attrs.groups: group name=it is neither in this file nor known")
    }
}

final class BlueprintEnvTests: XCTestCase {
    func testEnvInPlainStringsButNotInNames() throws {
        let good = try parse(userFile("email: !Env DEMO_PASSWORD\nattributes: {token: !Env DEMO_PASSWORD}"))
        XCTAssertEqual(good.entries[1].attrs["email"], .string(secretValue))
        XCTAssertEqual(good.entries[1].attrs["attributes"], .map(["token": .string(secretValue)]))
        XCTAssertEqual(errors(userFile("groups: [!Env DEMO_PASSWORD]")).map(\.description), [
            "bad.yaml:10: entries[1] (user username=somchai): attrs.groups[0]: must be written in the file, not read with !Env",
        ])
    }

    func testEmptyVariableAndBadName() {
        XCTAssertEqual(errors(userFile("password: !Env DEMO_PASSWORD"), environment: ["DEMO_PASSWORD": ""]).map(\.description), [
            "bad.yaml:10: entries[1] (user username=somchai): attrs.password: environment variable DEMO_PASSWORD is empty",
        ])
        XCTAssertEqual(errors(userFile("password: !Env [A, b]")).map(\.description), [
            "bad.yaml:10: entries[1] (user username=somchai): attrs.password: !Env takes one variable name",
        ])
    }
}
