/// What exists now, as the planner and the reference check see it. The PostgreSQL store will
/// implement this over its tables; `InMemoryObjects` implements it for tests.
public protocol ExistingObjects {
    /// The object's stored fields (named and typed as in blueprints: references by identifier,
    /// reference lists sorted), or nil when there is no such object. Secret fields are left out:
    /// they are compared with `secret(_:of:matches:)`.
    func fields(of key: EntryKey) throws -> [String: FieldValue]?
    /// Whether the stored secret equals this one (verify a password hash, unseal a client secret).
    func secret(_ field: String, of key: EntryKey, matches secret: SecretValue) throws -> Bool
}

/// Where a plan is applied: all steps in one transaction, or none.
public protocol BlueprintTarget {
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction(_ body: (any BlueprintTransaction) throws -> Void) throws
}

/// The writes a plan needs. Implementations refuse models they do not store yet.
public protocol BlueprintTransaction {
    func create(_ key: EntryKey, fields: [String: FieldValue]) throws
    /// Sets only the given fields.
    func update(_ key: EntryKey, fields: [String: FieldValue]) throws
    func delete(_ key: EntryKey) throws
}

/// What one entry does when applied.
public enum PlanAction: Sendable, Hashable, CustomStringConvertible {
    case create
    /// The names of the fields whose stored value differs.
    case update(fields: [String])
    case unchanged
    case delete

    public var description: String {
        switch self {
        case .create: return "create"
        case .update(let fields): return "update " + fields.joined(separator: ", ")
        case .unchanged: return "unchanged"
        case .delete: return "delete"
        }
    }
}

public struct PlanStep: Sendable, Hashable, CustomStringConvertible {
    public let entry: BlueprintEntry
    public let action: PlanAction
    public var key: EntryKey { entry.key }
    public var description: String { "\(action) \(entry.key)" }
}

/// The steps that make the store match a blueprint, computed against what exists now.
/// Creates and updates come in dependency order (a group before its members, a parent before
/// its children); deletes come last, in reverse. Applying a plan and planning again gives a plan
/// with no changes.
public struct BlueprintPlan: Sendable, Hashable {
    public let blueprint: Blueprint
    public let steps: [PlanStep]

    /// The steps that change something.
    public var changes: [PlanStep] { steps.filter { $0.action != .unchanged } }
    /// True when applying would change nothing.
    public var isEmpty: Bool { changes.isEmpty }

    public init(blueprint: Blueprint, against existing: any ExistingObjects, registry: ModelRegistry = .standard) throws {
        self.blueprint = blueprint
        let ordered: [BlueprintEntry]
        switch dependencyOrder(blueprint.entries, registry: registry) {
        case .success(let entries): ordered = entries
        case .failure: ordered = blueprint.entries  // a validated blueprint has no cycle
        }
        var steps: [PlanStep] = []
        var deletes: [PlanStep] = []
        for entry in ordered {
            let current = try existing.fields(of: entry.key)
            switch (entry.state, current) {
            case (.absent, nil):
                steps.append(PlanStep(entry: entry, action: .unchanged))
            case (.absent, _?):
                deletes.append(PlanStep(entry: entry, action: .delete))
            case (.present, nil), (.created, nil):
                steps.append(PlanStep(entry: entry, action: .create))
            case (.created, _?):
                steps.append(PlanStep(entry: entry, action: .unchanged))
            case (.present, let current?):
                var differing: [String] = []
                for name in entry.attrs.keys.sorted() {
                    let wanted = entry.attrs[name]!
                    if case .secret(let secret) = wanted {
                        if try !existing.secret(name, of: entry.key, matches: secret) { differing.append(name) }
                    } else if current[name] != wanted, current[name] != wanted.revealingSecrets {
                        // (A store keeps an `!Env` value inside a non-secret field as plain data.)
                        differing.append(name)
                    }
                }
                steps.append(PlanStep(entry: entry, action: differing.isEmpty ? .unchanged : .update(fields: differing)))
            }
        }
        self.steps = steps + deletes.reversed()
    }

    /// Applies every change in one transaction of the target.
    public func apply(to target: any BlueprintTarget) throws {
        try target.transaction { transaction in
            for step in steps {
                switch step.action {
                case .create:
                    try transaction.create(step.key, fields: step.entry.attrs)
                case .update(let names):
                    var fields: [String: FieldValue] = [:]
                    for name in names { fields[name] = step.entry.attrs[name] }
                    try transaction.update(step.key, fields: fields)
                case .delete:
                    try transaction.delete(step.key)
                case .unchanged:
                    break
                }
            }
        }
    }
}

/// Objects held in memory: what exists, for tests and offline validation, and a target that
/// applies plans transactionally (all or nothing). Not thread-safe.
public final class InMemoryObjects: ExistingObjects, BlueprintTarget {
    public private(set) var objects: [EntryKey: [String: FieldValue]]

    public init(_ objects: [EntryKey: [String: FieldValue]] = [:]) {
        self.objects = objects
    }

    public func fields(of key: EntryKey) throws -> [String: FieldValue]? {
        objects[key].map { $0.filter { if case .secret = $0.value { return false } else { return true } } }
    }

    public func secret(_ field: String, of key: EntryKey, matches secret: SecretValue) throws -> Bool {
        guard case .secret(let stored)? = objects[key]?[field] else { return false }
        return stored.reveal() == secret.reveal()
    }

    public func transaction(_ body: (any BlueprintTransaction) throws -> Void) throws {
        let transaction = Transaction(objects)
        try body(transaction)
        objects = transaction.objects
    }

    public enum Failure: Error, Equatable {
        case exists(EntryKey)
        case missing(EntryKey)
    }

    private final class Transaction: BlueprintTransaction {
        var objects: [EntryKey: [String: FieldValue]]
        init(_ objects: [EntryKey: [String: FieldValue]]) { self.objects = objects }

        func create(_ key: EntryKey, fields: [String: FieldValue]) throws {
            guard objects[key] == nil else { throw Failure.exists(key) }
            objects[key] = fields
        }

        func update(_ key: EntryKey, fields: [String: FieldValue]) throws {
            guard var current = objects[key] else { throw Failure.missing(key) }
            current.merge(fields) { $1 }
            objects[key] = current
        }

        func delete(_ key: EntryKey) throws {
            guard objects.removeValue(forKey: key) != nil else { throw Failure.missing(key) }
        }
    }
}
