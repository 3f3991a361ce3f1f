import Blueprints
import Crypto
import Foundation
import Store

/// What applying one blueprint file did.
public struct BlueprintApplyResult: Sendable {
    public let blueprint: Blueprint
    public let created: Int
    public let updated: Int
    public let deleted: Int
    public let unchanged: Int

    public var file: String { blueprint.file }

    /// `demo.yaml: blueprint demo: 9 created, 0 updated, 0 deleted, 0 unchanged`
    public var summary: String {
        "\(file): blueprint \(blueprint.name): \(created) created, \(updated) updated, \(deleted) deleted, \(unchanged) unchanged"
    }

    /// The users the blueprint keeps (state other than `absent`).
    public var usernames: [String] {
        blueprint.entries.filter { $0.model == "user" && $0.state != .absent }.compactMap { $0.key.identifiers["username"] }
    }
}

/// Why an apply wrote nothing: the file at fault and one line per problem
/// (`FILE:LINE: entries[I] (MODEL ID=V): FIELD: MESSAGE`).
public struct BlueprintApplyFailure: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let lines: [String]

    public init(file: String, lines: [String]) {
        self.file = file
        self.lines = lines
    }

    public var description: String { lines.joined(separator: "\n") }
}

/// Applies blueprint files to a `BlueprintStore` (`PostgresBlueprintStore`): all files of one
/// call in ONE transaction, under the store's lock so two nodes never apply at once (the second
/// waits, then plans against what the first wrote). Each file is validated against the database
/// as it stands after the files before it; the first bad file rolls everything back.
public struct BlueprintApplier: Sendable {
    public let store: any BlueprintStore
    public let environment: [String: String]
    public let hasher: PasswordHasher
    public let registry: ModelRegistry
    /// Seals client secrets (`GatehouseConfig.secretSealer()`); without it a blueprint that
    /// stores one is rejected.
    public let sealer: SecretSealer?

    public init(store: any BlueprintStore, environment: [String: String], hasher: PasswordHasher = PasswordHasher(),
                registry: ModelRegistry = .standard, sealer: SecretSealer? = nil) {
        self.store = store
        self.environment = environment
        self.hasher = hasher
        self.registry = registry
        self.sealer = sealer
    }

    /// Applies `files` (name for errors, YAML text) in order; one result per file.
    public func apply(_ files: [(file: String, yaml: String)]) throws(BlueprintApplyFailure) -> [BlueprintApplyResult] {
        var current = files.first?.file ?? ""
        do {
            return try store.withBlueprintLock { records in
                let objects = BlueprintObjects(records: records, hasher: hasher, sealer: sealer)
                let parser = BlueprintParser(registry: registry, environment: environment)
                var results: [BlueprintApplyResult] = []
                for (file, yaml) in files {
                    current = file
                    let blueprint: Blueprint
                    do throws(BlueprintErrors) {
                        blueprint = try parser.parse(yaml, file: file, existing: objects)
                    } catch {
                        throw BlueprintApplyFailure(file: file, lines: error.errors.map(\.description))
                    }
                    let refused = blueprint.entries.filter { registry.spec(for: $0.model)?.isApplied != true }
                    if !refused.isEmpty {
                        throw BlueprintApplyFailure(file: file, lines: refused.map {
                            BlueprintError(file: file, line: $0.line, entryIndex: $0.index, entry: $0.key.description,
                                           field: "model", message: "\($0.model) is validated only, not applied yet").description
                        })
                    }
                    let plan = try BlueprintPlan(blueprint: blueprint, against: objects, registry: registry)
                    objects.file = file
                    objects.blueprintName = blueprint.name
                    try plan.apply(to: objects)
                    var counts = (created: 0, updated: 0, deleted: 0, unchanged: 0)
                    for step in plan.steps {
                        switch step.action {
                        case .create: counts.created += 1
                        case .update: counts.updated += 1
                        case .delete: counts.deleted += 1
                        case .unchanged: counts.unchanged += 1
                        }
                    }
                    results.append(BlueprintApplyResult(blueprint: blueprint, created: counts.created, updated: counts.updated,
                                                        deleted: counts.deleted, unchanged: counts.unchanged))
                }
                return results
            }
        } catch let failure as BlueprintApplyFailure {
            throw failure
        } catch {
            throw BlueprintApplyFailure(file: current, lines: ["\(current): \(error)"])
        }
    }

    /// Reads and applies the files at `paths` (in the order given).
    public func apply(paths: [String]) throws(BlueprintApplyFailure) -> [BlueprintApplyResult] {
        var inputs: [(file: String, yaml: String)] = []
        for path in paths {
            do {
                inputs.append((path, try readTextFile(path)))
            } catch {
                throw BlueprintApplyFailure(file: path, lines: ["\(path): cannot read: \(error)"])
            }
        }
        return try apply(inputs)
    }

    /// Every `*.yaml` and `*.yml` file under `directory` (recursively, hidden entries skipped),
    /// sorted by path.
    public static func blueprintFiles(under directory: String) throws(BlueprintApplyFailure) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw BlueprintApplyFailure(file: directory, lines: ["\(directory): cannot list the directory"])
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") else { continue }
            let path = directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
            if fileKind(path) == .file { files.append(path) }
        }
        return files.sorted()
    }
}
