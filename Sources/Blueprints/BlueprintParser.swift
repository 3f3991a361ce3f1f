import Expressions
import Yams

/// Reads a blueprint file and validates it against a model registry, the environment (for
/// `!Env NAME`) and, optionally, what already exists (for references and required fields).
/// Every problem of the file is collected; the file is accepted only when there are none.
public struct BlueprintParser: Sendable {
    public var registry: ModelRegistry
    public var environment: [String: String]

    public init(registry: ModelRegistry = .standard, environment: [String: String]) {
        self.registry = registry
        self.environment = environment
    }

    /// The validated blueprint, or `BlueprintErrors` with every problem found.
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the name errors use.
    ///   - existing: what exists now; references to objects neither in the file nor here are errors.
    ///     Without it, every reference must point into the file.
    public func parse(_ yaml: String, file: String, existing: (any ExistingObjects)? = nil) throws(BlueprintErrors) -> Blueprint {
        let reader = Reader(file: file, registry: registry, environment: environment, existing: existing)
        let blueprint = reader.read(yaml)
        if !reader.errors.isEmpty || blueprint == nil {
            let ordered = reader.errors.enumerated().sorted {
                ($0.element.line ?? 0, $0.element.entryIndex ?? -1, $0.offset) < ($1.element.line ?? 0, $1.element.entryIndex ?? -1, $1.offset)
            }
            throw BlueprintErrors(ordered.map(\.element))
        }
        return blueprint!
    }
}

// MARK: - The reader (one per file)

private let envTag = "!Env"
private let strTag = Tag.Name.str.rawValue
private let intTag = Tag.Name.int.rawValue
private let boolTag = Tag.Name.bool.rawValue
private let floatTag = Tag.Name.float.rawValue
private let nullTag = Tag.Name.null.rawValue

/// Where an error belongs: the entry it is in, if any.
private struct Place {
    var index: Int?
    var entry: String?
}

private final class Reader {
    let file: String
    let registry: ModelRegistry
    let environment: [String: String]
    let existing: (any ExistingObjects)?
    var errors: [BlueprintError] = []

    init(file: String, registry: ModelRegistry, environment: [String: String], existing: (any ExistingObjects)?) {
        self.file = file
        self.registry = registry
        self.environment = environment
        self.existing = existing
    }

    func fail(_ place: Place, _ field: String?, _ node: Node?, _ message: String, line: Int? = nil) {
        errors.append(BlueprintError(file: file, line: line ?? node?.mark?.line, entryIndex: place.index,
                                     entry: place.entry, field: field, message: message))
    }

    // MARK: File level

    func read(_ yaml: String) -> Blueprint? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            let (line, problem) = Reader.describe(error)
            fail(Place(), "yaml", nil, "not valid YAML: \(problem)", line: line)
            return nil
        } catch {
            fail(Place(), "yaml", nil, "not valid YAML")
            return nil
        }
        guard let root, case .mapping(let top) = root else {
            fail(Place(), nil, root, "a blueprint is a mapping with version, metadata and entries", line: root?.mark?.line ?? 1)
            return nil
        }
        let fields = mappingFields(top, place: Place(), prefix: "", allowed: ["version", "metadata", "entries"])

        if let version = fields["version"] {
            if tagName(version) != intTag || version.int != 1 {
                fail(Place(), "version", version, "must be 1 (the only format this Gatehouse reads)")
            }
        } else {
            fail(Place(), "version", root, "is missing (version: 1)")
        }

        var name = ""
        var labels: [String: String] = [:]
        if let metadata = fields["metadata"] {
            if case .mapping(let m) = metadata {
                let mf = mappingFields(m, place: Place(), prefix: "metadata.", allowed: ["name", "labels"])
                if let n = mf["name"] {
                    name = self.name(n, place: Place(), field: "metadata.name") ?? ""
                } else {
                    fail(Place(), "metadata.name", metadata, "is missing")
                }
                if let l = mf["labels"] {
                    if case .mapping(let lm) = l {
                        for (k, v) in lm {
                            guard let key = plainString(k) else { fail(Place(), "metadata.labels", k, "keys must be strings"); continue }
                            if let value = string(v, place: Place(), field: "metadata.labels.\(key)") { labels[key] = value }
                        }
                    } else {
                        fail(Place(), "metadata.labels", l, "must be a mapping of strings")
                    }
                }
            } else {
                fail(Place(), "metadata", metadata, "must be a mapping with name")
            }
        } else {
            fail(Place(), "metadata", root, "is missing (metadata: {name: NAME})")
        }

        var entries: [BlueprintEntry] = []
        if let list = fields["entries"] {
            if case .sequence(let seq) = list {
                for (index, node) in seq.enumerated() {
                    if let entry = readEntry(node, index: index) { entries.append(entry) }
                }
            } else {
                fail(Place(), "entries", list, "must be a list of entries")
            }
        } else {
            fail(Place(), "entries", root, "is missing")
        }

        checkAcrossEntries(entries)
        return Blueprint(file: file, name: name, labels: labels, entries: entries)
    }

    static func describe(_ error: YamlError) -> (Int?, String) {
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let text = context.map { "\(problem) \($0.text)" } ?? problem
            return (mark.line, text)
        case let .reader(problem, _, _, _):
            return (nil, problem)
        default:
            return (nil, "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable")
        }
    }

    /// The mapping's entries by key; unknown and repeated keys are errors.
    func mappingFields(_ mapping: Node.Mapping, place: Place, prefix: String, allowed: [String]) -> [String: Node] {
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = plainString(keyNode) else {
                fail(place, prefix.isEmpty ? nil : String(prefix.dropLast()), keyNode, "keys must be strings")
                continue
            }
            if !allowed.contains(key) {
                fail(place, prefix + key, keyNode, "unknown field (allowed: \(allowed.joined(separator: ", ")))")
            } else if result[key] != nil {
                fail(place, prefix + key, keyNode, "given twice")
            } else {
                result[key] = value
            }
        }
        return result
    }

    // MARK: Entries

    func readEntry(_ node: Node, index: Int) -> BlueprintEntry? {
        var place = Place(index: index, entry: nil)
        guard case .mapping(let mapping) = node else {
            fail(place, nil, node, "an entry is a mapping with model, identifiers, attrs and state")
            return nil
        }
        let fields = mappingFields(mapping, place: place, prefix: "", allowed: ["model", "identifiers", "attrs", "state"])

        guard let modelNode = fields["model"] else {
            fail(place, "model", node, "is missing")
            return nil
        }
        guard let model = name(modelNode, place: place, field: "model") else { return nil }
        place.entry = model
        guard let spec = registry.spec(for: model) else {
            let known = registry.models.keys.sorted().joined(separator: ", ")
            fail(place, "model", modelNode, "unknown model (known: \(known))")
            return nil
        }

        var identifiers: [String: String] = [:]
        if let idNode = fields["identifiers"] {
            if case .mapping(let m) = idNode {
                let idFields = mappingFields(m, place: place, prefix: "identifiers.", allowed: spec.identifiers)
                for id in spec.identifiers {
                    if let value = idFields[id] {
                        if let s = name(value, place: place, field: "identifiers.\(id)") {
                            if s.isEmpty { fail(place, "identifiers.\(id)", value, "must not be empty") } else { identifiers[id] = s }
                        }
                    } else {
                        fail(place, "identifiers.\(id)", idNode, "is missing")
                    }
                }
            } else {
                fail(place, "identifiers", idNode, "must be a mapping (\(spec.identifiers.joined(separator: ", ")))")
            }
        } else {
            fail(place, "identifiers", node, "is missing (\(spec.identifiers.map { "\($0): …" }.joined(separator: ", ")))")
        }
        let complete = identifiers.count == spec.identifiers.count
        let key = EntryKey(model: model, identifiers: identifiers)
        place.entry = key.description

        var state = EntryState.present
        if let stateNode = fields["state"] {
            if let s = name(stateNode, place: place, field: "state") {
                if let parsed = EntryState(rawValue: s) {
                    state = parsed
                } else {
                    fail(place, "state", stateNode, "must be present, created or absent")
                }
            }
        }

        var attrs: [String: FieldValue] = [:]
        var attrLines: [String: Int] = [:]
        if let attrsNode = fields["attrs"] {
            if state == .absent {
                fail(place, "attrs", attrsNode, "not allowed with state absent")
            } else if case .mapping(let m) = attrsNode {
                let attrFields = mappingFields(m, place: place, prefix: "attrs.", allowed: spec.fields.map(\.name))
                for field in spec.fields {
                    guard let valueNode = attrFields[field.name] else { continue }
                    attrLines[field.name] = valueNode.mark?.line
                    if let value = convert(valueNode, field.type, place: place, path: "attrs.\(field.name)") {
                        attrs[field.name] = value
                    }
                }
            } else {
                fail(place, "attrs", attrsNode, "must be a mapping")
            }
        }

        for check in spec.checks {
            for problem in check(attrs) {
                let name = problem.field.hasPrefix("attrs.") ? String(problem.field.dropFirst(6)) : problem.field
                // Written but refused above: that error already names the field.
                if attrLines[name] != nil, attrs[name] == nil { continue }
                fail(place, problem.field, node, problem.message, line: attrLines[name])
            }
        }

        if state != .absent, complete {
            var exists = false
            if let existing {
                do { exists = try existing.fields(of: key) != nil } catch {
                    fail(place, nil, node, "cannot look up the existing object: \(error)")
                }
            }
            if !exists {
                // A field given but invalid has its own error already; "is required" would mislead.
                for field in spec.fields where field.requiredOnCreate && attrs[field.name] == nil && attrLines[field.name] == nil {
                    fail(place, "attrs.\(field.name)", node, "is required to create a \(model)")
                }
            }
        }

        guard complete else { return nil }
        return BlueprintEntry(index: index, key: key, state: state, attrs: attrs, line: node.mark?.line, attrLines: attrLines)
    }

    // MARK: Values

    func tagName(_ node: Node) -> String { node.tag.description }

    /// A mapping key: any scalar that is not tagged.
    func plainString(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node, !tagName(node).hasPrefix("!") else { return nil }
        return scalar.string
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar:
            switch tagName(node) {
            case intTag: return "an integer"
            case floatTag: return "a number"
            case boolTag: return "a boolean"
            case nullTag: return "null"
            case strTag: return "a string"
            case let tag: return "a value tagged \(tag)"
            }
        }
    }

    /// A name written in the file: not `!Env`, because names appear in errors and plans
    /// (model, identifiers, state, references, the blueprint's name).
    func name(_ node: Node, place: Place, field: String) -> String? {
        if tagName(node) == envTag {
            fail(place, field, node, "must be written in the file, not read with !Env")
            return nil
        }
        return string(node, place: place, field: field)
    }

    /// A string value: a YAML string or `!Env NAME`. Never echoes an environment value.
    func string(_ node: Node, place: Place, field: String) -> String? {
        switch stringOrSecret(node, place: place, field: field) {
        case .string(let s)?: return s
        case .secret(let secret)?: return secret.reveal()
        default: return nil
        }
    }

    /// `.string` for a literal, `.secret` for `!Env NAME`, nil (with an error) otherwise.
    func stringOrSecret(_ node: Node, place: Place, field: String) -> FieldValue? {
        let tag = tagName(node)
        if tag == envTag {
            guard case .scalar(let scalar) = node else {
                fail(place, field, node, "!Env takes one variable name")
                return nil
            }
            let variable = scalar.string
            guard !variable.isEmpty, variable.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                fail(place, field, node, "!Env needs a variable name (letters, digits, _)")
                return nil
            }
            guard let value = environment[variable] else {
                fail(place, field, node, "environment variable \(variable) is not set")
                return nil
            }
            if value.isEmpty {
                fail(place, field, node, "environment variable \(variable) is empty")
                return nil
            }
            return .secret(SecretValue(variable: variable, value: value))
        }
        if tag.hasPrefix("!") {
            fail(place, field, node, "unsupported tag \(tag) (only !Env NAME)")
            return nil
        }
        guard case .scalar(let scalar) = node, tag == strTag else {
            let hint = node.isScalar ? " (quote it)" : ""
            fail(place, field, node, "expected a string, got \(kind(node))\(hint)")
            return nil
        }
        return .string(scalar.string)
    }

    func convert(_ node: Node, _ type: FieldType, place: Place, path: String) -> FieldValue? {
        let tag = tagName(node)
        switch type {
        case .string:
            return string(node, place: place, field: path).map(FieldValue.string)

        case .url:
            guard let s = string(node, place: place, field: path) else { return nil }
            guard s.hasPrefix("https://") || s.hasPrefix("http://") else {
                fail(place, path, node, "must be an http(s) URL")
                return nil
            }
            return .string(s)

        case .secret:
            if tag == envTag {
                return stringOrSecret(node, place: place, field: path)
            }
            if tag.hasPrefix("!") {
                fail(place, path, node, "unsupported tag \(tag) (only !Env NAME)")
            } else {
                fail(place, path, node, "must come from the environment (!Env NAME): secrets never sit in the file")
            }
            return nil

        case .bool:
            guard tag == boolTag, let b = node.bool else {
                fail(place, path, node, "expected true or false, got \(kind(node))")
                return nil
            }
            return .bool(b)

        case .int:
            guard tag == intTag, let i = node.int else {
                fail(place, path, node, "expected an integer, got \(kind(node))")
                return nil
            }
            return .int(i)

        case .choice(let values):
            guard case .secret? = stringOrSecret(node, place: place, field: path) else {
                guard case .scalar(let scalar) = node, tag == strTag else { return nil }
                guard values.contains(scalar.string) else {
                    fail(place, path, node, "must be one of \(values.joined(separator: ", ")), not \(scalar.string)")
                    return nil
                }
                return .string(scalar.string)
            }
            fail(place, path, node, "must be one of \(values.joined(separator: ", ")) written in the file, not !Env")
            return nil

        case .expression:
            guard let s = string(node, place: place, field: path) else { return nil }
            do {
                _ = try Expression.parse(s)
            } catch {
                fail(place, path, node, error.description)  // "column 17: expected ..."
                return nil
            }
            return .string(s)

        case .duration:
            guard let s = string(node, place: place, field: path) else { return nil }
            guard Reader.isDuration(s) else {
                fail(place, path, node, "expected a duration like hours=1 or days=30;hours=12")
                return nil
            }
            return .string(s)

        case .stringList, .referenceList:
            guard case .sequence(let seq) = node else {
                fail(place, path, node, "expected \(type), got \(kind(node))")
                return nil
            }
            var items: [String] = []
            for (i, item) in seq.enumerated() {
                let isReference = if case .referenceList = type { true } else { false }
                let text = isReference ? name(item, place: place, field: "\(path)[\(i)]") : string(item, place: place, field: "\(path)[\(i)]")
                if let s = text {
                    if case .referenceList = type, items.contains(s) {
                        fail(place, "\(path)[\(i)]", item, "\(s) is listed twice")
                    }
                    items.append(s)
                }
            }
            if case .referenceList = type { items = Array(Set(items)).sorted() }
            return .list(items.map(FieldValue.string))

        case .reference, .anyReference:
            return name(node, place: place, field: path).map(FieldValue.string)

        case .attributes:
            guard case .mapping(let m) = node else {
                fail(place, path, node, "expected \(type), got \(kind(node))")
                return nil
            }
            var result: [String: FieldValue] = [:]
            for (keyNode, value) in m {
                guard let key = plainString(keyNode) else { fail(place, path, keyNode, "keys must be strings"); continue }
                if result[key] != nil { fail(place, "\(path).\(key)", keyNode, "given twice"); continue }
                if case .sequence(let seq) = value {
                    var items: [FieldValue] = []
                    for (i, item) in seq.enumerated() {
                        if let v = attributeScalar(item, place: place, path: "\(path).\(key)[\(i)]") { items.append(v) }
                    }
                    result[key] = .list(items)
                } else if let v = attributeScalar(value, place: place, path: "\(path).\(key)") {
                    result[key] = v
                }
            }
            return .map(result)

        case .listOf(let specs):
            guard case .sequence(let seq) = node else {
                fail(place, path, node, "expected a list of mappings (\(specs.map(\.name).joined(separator: ", "))), got \(kind(node))")
                return nil
            }
            var items: [FieldValue] = []
            for (i, item) in seq.enumerated() {
                let itemPath = "\(path)[\(i)]"
                guard case .mapping(let m) = item else {
                    fail(place, itemPath, item, "expected a mapping (\(specs.map(\.name).joined(separator: ", "))), got \(kind(item))")
                    continue
                }
                let fields = mappingFields(m, place: place, prefix: itemPath + ".", allowed: specs.map(\.name))
                var values: [String: FieldValue] = [:]
                for spec in specs {
                    if let valueNode = fields[spec.name] {
                        if let v = convert(valueNode, spec.type, place: place, path: "\(itemPath).\(spec.name)") { values[spec.name] = v }
                    } else if spec.requiredOnCreate {
                        fail(place, "\(itemPath).\(spec.name)", item, "is missing")
                    }
                }
                items.append(.map(values))
            }
            return .list(items)
        }
    }

    /// A scalar inside `attributes`: string, integer, number or boolean (`!Env` gives a string).
    func attributeScalar(_ node: Node, place: Place, path: String) -> FieldValue? {
        switch tagName(node) {
        case intTag: if let i = node.int { return .int(i) }
        case floatTag: if let d = node.float { return .double(d) }
        case boolTag: if let b = node.bool { return .bool(b) }
        case strTag, envTag: return string(node, place: place, field: path).map(FieldValue.string)
        default: break
        }
        if node.isScalar, !tagName(node).hasPrefix("!") || tagName(node) == envTag {
            fail(place, path, node, "expected a string, number or boolean, got \(kind(node))")
        } else if tagName(node).hasPrefix("!") {
            fail(place, path, node, "unsupported tag \(tagName(node)) (only !Env NAME)")
        } else {
            fail(place, path, node, "expected a string, number, boolean or a list of them, got \(kind(node))")
        }
        return nil
    }

    static func isDuration(_ s: String) -> Bool {
        let units: Set<Substring> = ["weeks", "days", "hours", "minutes", "seconds"]
        let parts = s.split(separator: ";", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            let kv = part.split(separator: "=", omittingEmptySubsequences: false)
            return kv.count == 2 && units.contains(kv[0]) && !kv[1].isEmpty && kv[1].allSatisfy(\.isASCII) && Int(kv[1]) != nil && Int(kv[1])! >= 0
        }
    }

    // MARK: Across entries

    func checkAcrossEntries(_ entries: [BlueprintEntry]) {
        var first: [EntryKey: BlueprintEntry] = [:]
        for entry in entries {
            let place = Place(index: entry.index, entry: entry.key.description)
            if let earlier = first[entry.key] {
                fail(place, "identifiers", nil, "duplicate entry: the same \(entry.model) as entries[\(earlier.index)]", line: entry.line)
            } else {
                first[entry.key] = entry
            }
        }

        // Provider names are unique across kinds (one `providers` table).
        var providers: [String: BlueprintEntry] = [:]
        for entry in entries where ModelRegistry.providerModels.contains(entry.model) && entry.state != .absent {
            guard let name = entry.key.identifiers["name"] else { continue }
            if let other = providers[name], other.model != entry.model {
                fail(Place(index: entry.index, entry: entry.key.description), "identifiers.name", nil,
                     "provider names are unique across kinds: entries[\(other.index)] is a \(other.model) named \(name)",
                     line: entry.line)
            } else {
                providers[name] = entry
            }
        }

        for entry in entries where entry.state != .absent {
            let place = Place(index: entry.index, entry: entry.key.description)
            for (path, targets) in entryReferenceAlternatives(entry, registry: registry) {
                let described = targets.map(\.description).joined(separator: " or ")
                if let declared = targets.lazy.compactMap({ first[$0] }).first {
                    if declared.state == .absent {
                        fail(place, path, nil, "\(declared.key) is marked absent in entries[\(declared.index)]", line: entry.line(of: path))
                    }
                    continue
                }
                var exists = false
                if let existing {
                    do {
                        for target in targets where !exists { exists = try existing.fields(of: target) != nil }
                    } catch {
                        fail(place, path, nil, "cannot look up \(described): \(error)", line: entry.line(of: path))
                        continue
                    }
                }
                if !exists {
                    fail(place, path, nil, "\(described) is neither in this file nor known", line: entry.line(of: path))
                }
            }
        }

        if case .failure(let failure) = dependencyOrder(entries, registry: registry) {
            let cycle = failure.entries
            let names = cycle.map { "entries[\($0.index)] (\($0.key))" }.joined(separator: " -> ")
            let entry = cycle[0]
            fail(Place(index: entry.index, entry: entry.key.description), "attrs", nil, "references form a cycle: \(names)", line: entry.line)
        }
    }
}

extension Node {
    fileprivate var isScalar: Bool {
        if case .scalar = self { return true }
        return false
    }
}

// MARK: - References and order (shared with the planner)

/// The objects an entry refers to, with the field path of each reference (for a reference
/// to any of several models, every candidate; see `entryReferenceAlternatives`).
func entryReferences(_ entry: BlueprintEntry, registry: ModelRegistry) -> [(String, EntryKey)] {
    entryReferenceAlternatives(entry, registry: registry).flatMap { path, keys in keys.map { (path, $0) } }
}

/// The objects an entry refers to, with the field path of each reference: one key, or for an
/// `anyReference` the same name in each of its models (any one of them satisfies it).
func entryReferenceAlternatives(_ entry: BlueprintEntry, registry: ModelRegistry) -> [(String, [EntryKey])] {
    guard let spec = registry.spec(for: entry.model) else { return [] }
    var result: [(String, [EntryKey])] = []
    for field in spec.fields {
        guard let value = entry.attrs[field.name] else { continue }
        func key(_ model: String, _ name: String) -> EntryKey? {
            guard let target = registry.spec(for: model), target.identifiers.count == 1 else { return nil }
            return EntryKey(model: model, identifiers: [target.identifiers[0]: name])
        }
        switch (field.type, value) {
        case (.anyReference(let models), .string(let name)):
            let keys = models.compactMap { key($0, name) }
            if !keys.isEmpty { result.append(("attrs.\(field.name)", keys)) }
        case (.reference(let model), .string(let name)):
            if let k = key(model, name) { result.append(("attrs.\(field.name)", [k])) }
        case (.referenceList(let model), .list(let items)):
            for case .string(let name) in items {
                if let k = key(model, name) { result.append(("attrs.\(field.name)", [k])) }
            }
        case (.listOf(let specs), .list(let items)):
            for case (let i, .map(let members)) in items.enumerated() {
                for spec in specs {
                    guard case .reference(let model) = spec.type, case .string(let name)? = members[spec.name],
                          let k = key(model, name) else { continue }
                    result.append(("attrs.\(field.name)[\(i)].\(spec.name)", [k]))
                }
            }
        default:
            break
        }
    }
    return result
}

/// Entries ordered so that each comes after the entries of the file it refers to (file order
/// otherwise), or the entries of a reference cycle.
func dependencyOrder(_ entries: [BlueprintEntry], registry: ModelRegistry) -> Result<[BlueprintEntry], DependencyCycleEntries> {
    var byKey: [EntryKey: BlueprintEntry] = [:]
    for entry in entries where byKey[entry.key] == nil { byKey[entry.key] = entry }
    var done: Set<Int> = []
    var visiting: [Int] = []
    var order: [BlueprintEntry] = []

    func visit(_ entry: BlueprintEntry) -> [BlueprintEntry]? {
        if done.contains(entry.index) { return nil }
        if let at = visiting.firstIndex(of: entry.index) {
            return visiting[at...].map { index in entries.first { $0.index == index }! }
        }
        visiting.append(entry.index)
        for (_, target) in entryReferences(entry, registry: registry) {
            if let dependency = byKey[target], let cycle = visit(dependency) { return cycle }
        }
        visiting.removeLast()
        done.insert(entry.index)
        order.append(entry)
        return nil
    }

    for entry in entries {
        if let cycle = visit(entry) { return .failure(DependencyCycleEntries(cycle)) }
    }
    return .success(order)
}

struct DependencyCycleEntries: Error {
    let entries: [BlueprintEntry]
    init(_ entries: [BlueprintEntry]) { self.entries = entries }
}

// MARK: - Several files at once

extension BlueprintParser {
    /// Validates files as a set, as `gatehouse blueprint validate` does: a reference may point to an
    /// object another of these files declares (not `absent`), or to one `existing` knows.
    /// One result per file, in order.
    public func parse(files: [(file: String, yaml: String)], existing: (any ExistingObjects)? = nil) -> [Result<Blueprint, BlueprintErrors>] {
        // First pass: the objects each file declares, whatever else is wrong with it.
        let everything = EverythingExists()
        var declared: [EntryKey: [String: FieldValue]] = [:]
        for (file, yaml) in files {
            if let blueprint = try? parse(yaml, file: file, existing: everything) {
                for entry in blueprint.entries where entry.state != .absent { declared[entry.key] = [:] }
            }
        }
        let known = DeclaredOrExisting(declared: declared, existing: existing)
        return files.map { file, yaml in
            do throws(BlueprintErrors) { return .success(try parse(yaml, file: file, existing: known)) } catch { return .failure(error) }
        }
    }
}

/// Says every object exists (collects declarations without reference errors).
private struct EverythingExists: ExistingObjects {
    func fields(of key: EntryKey) -> [String: FieldValue]? { [:] }
    func secret(_ field: String, of key: EntryKey, matches secret: SecretValue) -> Bool { false }
}

/// Objects declared by the files of a set, then what exists.
private struct DeclaredOrExisting: ExistingObjects {
    let declared: [EntryKey: [String: FieldValue]]
    let existing: (any ExistingObjects)?

    func fields(of key: EntryKey) throws -> [String: FieldValue]? {
        if let found = try existing?.fields(of: key) { return found }
        return declared[key]
    }

    func secret(_ field: String, of key: EntryKey, matches secret: SecretValue) throws -> Bool {
        try existing?.secret(field, of: key, matches: secret) ?? false
    }
}
