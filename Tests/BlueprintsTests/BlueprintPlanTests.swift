import Blueprints
import XCTest

final class BlueprintPlanTests: XCTestCase {
    func testFirstPlanCreatesEverythingAndTheSecondIsEmpty() throws {
        let store = InMemoryObjects()
        let blueprint = try parse(storeExample, existing: store)
        let first = try BlueprintPlan(blueprint: blueprint, against: store)
        XCTAssertEqual(first.changes.map(\.description), ["create group name=finance", "create user username=somchai"])
        XCTAssertFalse(first.isEmpty)
        try first.apply(to: store)
        XCTAssertEqual(store.objects.count, 2)

        let second = try BlueprintPlan(blueprint: try parse(storeExample, existing: store), against: store)
        XCTAssertTrue(second.isEmpty, "\(second.changes)")
        XCTAssertEqual(second.steps.map(\.action), [.unchanged, .unchanged])
    }

    func testChangedFieldsAndSecretAreUpdated() throws {
        let store = InMemoryObjects()
        try BlueprintPlan(blueprint: try parse(storeExample), against: store).apply(to: store)
        let edited = storeExample.replacingOccurrences(of: "Somchai Prasert", with: "Somchai P.")
        let blueprint = try parse(edited, environment: ["DEMO_PASSWORD": "another"], existing: store)
        let plan = try BlueprintPlan(blueprint: blueprint, against: store)
        XCTAssertEqual(plan.changes.map(\.action), [.update(fields: ["name", "password"])])
        try plan.apply(to: store)
        XCTAssertTrue(try BlueprintPlan(blueprint: blueprint, against: store).isEmpty)
    }

    func testDependencyOrderPutsReferencedEntriesFirst() throws {
        let yaml = """
        version: 1
        metadata: {name: x}
        entries:
          - model: user
            identifiers: {username: a}
            attrs: {groups: [warehouse]}
          - model: group
            identifiers: {name: warehouse}
            attrs: {parent: operations}
          - model: group
            identifiers: {name: operations}
        """
        let store = InMemoryObjects()
        let plan = try BlueprintPlan(blueprint: try parse(yaml), against: store)
        XCTAssertEqual(plan.steps.map(\.description), [
            "create group name=operations", "create group name=warehouse", "create user username=a",
        ])
    }

    func testAbsentPlansADeleteAndCreatedNeverUpdates() throws {
        let somchai = EntryKey(model: "user", identifiers: ["username": "somchai"])
        let finance = EntryKey(model: "group", identifiers: ["name": "finance"])
        let store = InMemoryObjects([somchai: ["email": .string("old@example.co.th")], finance: [:]])
        let yaml = """
        version: 1
        metadata: {name: x}
        entries:
          - model: user
            identifiers: {username: somchai}
            state: absent
          - model: user
            identifiers: {username: nobody}
            state: absent
          - model: group
            identifiers: {name: finance}
            attrs: {is_superuser: true}
            state: created
        """
        let plan = try BlueprintPlan(blueprint: try parse(yaml), against: store)
        XCTAssertEqual(plan.changes.map(\.description), ["delete user username=somchai"])
        try plan.apply(to: store)
        XCTAssertNil(store.objects[somchai])
        XCTAssertTrue(try BlueprintPlan(blueprint: try parse(yaml), against: store).isEmpty)
    }

    func testAFailingStepAppliesNothing() throws {
        let store = InMemoryObjects()
        let plan = try BlueprintPlan(blueprint: try parse(storeExample), against: store)
        // Something else creates the user between planning and applying: the whole plan fails.
        let other = try BlueprintPlan(blueprint: try parse(storeExample.replacingOccurrences(of: "{name: finance}", with: "{name: finance2}")
            .replacingOccurrences(of: "[finance]", with: "[finance2]")), against: store)
        try other.apply(to: store)
        XCTAssertThrowsError(try plan.apply(to: store))
        XCTAssertNil(store.objects[EntryKey(model: "group", identifiers: ["name": "finance"])])
    }

    func testDemoBlueprintValidates() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Blueprints/demo/demo.yaml").standardized.path
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
        let blueprint = try parse(yaml, file: "demo.yaml", environment: ["GATEHOUSE_DEMO_PASSWORD": "demo-password"])
        XCTAssertGreaterThanOrEqual(blueprint.entries.filter { $0.model == "user" }.count, 3)
        let groups = Set(blueprint.entries.filter { $0.model == "group" }.compactMap { $0.key.identifiers["name"] })
        XCTAssertTrue(groups.isSuperset(of: ["finance", "it", "warehouse", "operations"]))
        let store = InMemoryObjects()
        let plan = try BlueprintPlan(blueprint: blueprint, against: store)
        XCTAssertEqual(plan.changes.count, blueprint.entries.count)
        try plan.apply(to: store)
        XCTAssertTrue(try BlueprintPlan(blueprint: blueprint, against: store).isEmpty)
    }
}
