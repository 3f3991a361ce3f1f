import JSON

/// The SCIM PATCH (RFC 7644 §3.5.2), applied to a resource in stored form. It accepts the
/// shapes Entra ID sends with and without `aadOptscim062020`: operation names in any case
/// (`Replace`), booleans as `"False"`, a path-less replace whose value holds dotted or URN
/// keys (`name.givenName`, `urn:…:enterprise:2.0:User:employeeNumber`), value filters in
/// paths (`emails[type eq "work"].value`, `members[value eq "…"]`) and `members` removed by
/// listing them in `value`.
public struct SCIMPatch: Sendable {
    public enum Op: String, Sendable { case add, replace, remove }

    public struct Operation: Sendable {
        public let op: Op
        public let path: SCIMPath?
        public let value: JSONValue?
    }

    public let operations: [Operation]

    /// Parses a PatchOp body. Throws `invalidSyntax` (shape), `invalidPath`.
    public static func parse(_ body: JSONValue) throws(SCIMError) -> SCIMPatch {
        guard let ops = body.member("Operations")?.arrayValue else {
            throw .invalidSyntax("a PatchOp needs an Operations array")
        }
        if let schemas = body.member("schemas")?.arrayValue,
           !schemas.contains(where: { $0.stringValue?.lowercased() == SCIMSchema.patchURN.lowercased() }) {
            throw .invalidSyntax("schemas must contain \(SCIMSchema.patchURN)")
        }
        guard ops.count <= 1000 else { throw .invalidSyntax("at most 1000 operations per PATCH") }
        var operations: [Operation] = []
        for item in ops {
            guard let name = item.member("op")?.stringValue, let op = Op(rawValue: name.lowercased()) else {
                throw .invalidSyntax("each operation needs op add, replace or remove")
            }
            var path: SCIMPath?
            if let text = item.member("path")?.stringValue, !text.isEmpty { path = try SCIMPath.parse(text) }
            let value = item.member("value")
            if op == .remove && path == nil { throw .noTarget("remove needs a path") }
            if op != .remove && value == nil { throw .invalidSyntax("\(op.rawValue) needs a value") }
            operations.append(Operation(op: op, path: path, value: value))
        }
        return SCIMPatch(operations: operations)
    }

    /// The resource after every operation, or the first operation's error (nothing applied).
    public func apply(to resource: JSONObject, type: SCIMResourceType) throws(SCIMError) -> JSONObject {
        var document = resource
        for operation in operations {
            if let path = operation.path {
                try Self.apply(operation.op, path: path, value: operation.value, to: &document, type: type)
            } else {
                try Self.applyPathless(operation.op, value: operation.value ?? .null, to: &document, type: type)
            }
        }
        return document
    }

    /// `{"op":"replace","value":{"displayName":"x","name.givenName":"y","urn:…:User:department":"z"}}`
    static func applyPathless(_ op: Op, value: JSONValue, to document: inout JSONObject,
                              type: SCIMResourceType) throws(SCIMError) {
        guard case .object(let members) = value else { throw .invalidValue("\(op.rawValue) without a path needs an object value") }
        for key in members.keys.sorted() {
            let item = members[key]!
            if key.lowercased() == "schemas" { continue }
            if let ext = type.extensionSchema(key) {
                guard case .object(let inner) = item else { throw .invalidValue("\(ext.id) must be an object") }
                for (name, sub) in inner {
                    try apply(op, path: SCIMPath(schema: ext.id, attribute: name), value: sub, to: &document, type: type)
                }
                continue
            }
            // Keys may be paths: `name.givenName`, `emails[type eq "work"].value`, `urn:…:User:employeeNumber`.
            try apply(op, path: try SCIMPath.parse(key), value: item, to: &document, type: type)
        }
    }

    static func apply(_ op: Op, path raw: SCIMPath, value: JSONValue?, to document: inout JSONObject,
                      type: SCIMResourceType) throws(SCIMError) {
        if raw.schema == nil, let ext = type.extensionSchema(raw.attribute) {
            try applyToExtension(op, ext, value: value, to: &document, type: type)
            return
        }
        guard let attribute = type.attribute(for: raw) else {
            if op == .remove { return }
            throw .invalidPath("\(raw) is not an attribute of \(type.name)")
        }
        if attribute.mutability == .readOnly {
            throw .mutability("\(attribute.name) is read-only")
        }
        // Never stored (passwords are not provisioned: staff sign in through Entra ID).
        if attribute.returned == .never { return }
        var path = raw
        path.attribute = attribute.name
        // Where the attribute lives: the resource itself or its extension object.
        let extensionKey = raw.schema.flatMap { type.extensionSchema($0)?.id }
        var container = extensionKey.map { document[$0]?.objectValue ?? [:] } ?? document
        var sub: SCIMAttribute?
        if let name = path.subAttribute {
            guard let found = attribute.sub(name) else {
                if op == .remove { return }
                throw .invalidPath("\(name) is not a sub-attribute of \(attribute.name)")
            }
            sub = found
            path.subAttribute = found.name
        }
        try applyToAttribute(op, path: path, attribute: attribute, sub: sub, value: value, container: &container)
        if let extensionKey {
            document[extensionKey] = container.isEmpty ? nil : .object(container)
        } else {
            document = container
        }
    }

    /// A path naming a whole extension (`urn:…:enterprise:2.0:User`): its attributes one by one.
    static func applyToExtension(_ op: Op, _ ext: SCIMSchema, value: JSONValue?, to document: inout JSONObject,
                                 type: SCIMResourceType) throws(SCIMError) {
        if op == .remove {
            document[ext.id] = nil
            return
        }
        guard case .object(let members)? = value else { throw .invalidValue("\(ext.id) must be an object") }
        if op == .replace { document[ext.id] = nil }
        for key in members.keys.sorted() where key.lowercased() != "schemas" {
            try apply(op, path: SCIMPath(schema: ext.id, attribute: key), value: members[key], to: &document, type: type)
        }
    }

    static func applyToAttribute(_ op: Op, path: SCIMPath, attribute: SCIMAttribute, sub: SCIMAttribute?,
                                 value: JSONValue?, container: inout JSONObject) throws(SCIMError) {
        let name = attribute.name
        let current = container[name]

        // Filtered: emails[type eq "work"](.value), members[value eq "…"]
        if let filter = path.filter {
            guard attribute.multiValued else { throw .invalidFilter("\(name) is not multi-valued") }
            var items = current?.arrayValue ?? []
            let hits = items.indices.filter { filter.matches(items[$0]) }
            switch op {
            case .remove:
                if let sub {
                    for i in hits { items[i] = removing(sub.name, from: items[i]) }
                } else {
                    for i in hits.reversed() { items.remove(at: i) }
                }
            case .add, .replace:
                guard let value else { throw .invalidSyntax("\(op.rawValue) needs a value") }
                if hits.isEmpty {
                    // Entra ID replaces `emails[type eq "work"].value` on users that have no work
                    // e-mail yet: create the element the filter describes.
                    guard var seed = seedElement(filter) else { throw .noTarget("no \(name) value matches \(filter)") }
                    if let sub {
                        seed[sub.name] = value
                    } else if case .object(let fields) = value {
                        for (k, v) in fields { seed[k] = v }
                    }
                    if let stored = try SCIMValues.single(.object(seed), attribute: attribute) { items.append(stored) }
                } else {
                    for i in hits {
                        var element = items[i].objectValue ?? [:]
                        if let sub {
                            element[sub.name] = try SCIMValues.value(value, attribute: sub)
                        } else {
                            guard case .object(let fields) = value else { throw .invalidValue("\(name) elements are objects") }
                            for (k, v) in fields { element[k] = v }
                        }
                        guard let stored = try SCIMValues.single(.object(element), attribute: attribute) else { continue }
                        items[i] = stored
                    }
                }
            }
            if attribute.kind == .complex { items = primaryOnce(items, latest: hits.last) }
            container[name] = items.isEmpty ? nil : .array(items)
            return
        }

        // name.givenName, emails.value
        if let sub {
            switch op {
            case .remove:
                if let items = current?.arrayValue {
                    container[name] = .array(items.map { removing(sub.name, from: $0) })
                } else if let current {
                    let left = removing(sub.name, from: current)
                    container[name] = left.objectValue?.isEmpty == true ? nil : left
                }
            case .add, .replace:
                let stored = try SCIMValues.value(value ?? .null, attribute: sub)
                if attribute.multiValued {
                    let items = current?.arrayValue ?? []
                    container[name] = .array(items.map { item in
                        var element = item.objectValue ?? [:]
                        element[sub.name] = stored
                        return .object(element)
                    })
                } else {
                    var element = current?.objectValue ?? [:]
                    element[sub.name] = stored
                    container[name] = element.isEmpty ? nil : .object(element)
                }
            }
            return
        }

        // The attribute itself.
        switch op {
        case .remove:
            if attribute.multiValued, let value, let listed = value.arrayValue ?? (value == .null ? nil : [value]) {
                // Entra ID: {"op":"Remove","path":"members","value":[{"value":"<id>"}]}
                let drop = Set(listed.compactMap { $0.member("value") ?? $0 })
                let items = (current?.arrayValue ?? []).filter { !drop.contains($0.member("value") ?? $0) }
                container[name] = items.isEmpty ? nil : .array(items)
            } else {
                container[name] = nil
            }
        case .add:
            guard let stored = try SCIMValues.value(value ?? .null, attribute: attribute) else { return }
            if attribute.multiValued {
                var items = current?.arrayValue ?? []
                for item in stored.arrayValue ?? [] {
                    let key = item.member("value") ?? item
                    if let index = items.firstIndex(where: { ($0.member("value") ?? $0) == key }) {
                        items[index] = item
                    } else {
                        items.append(item)
                    }
                }
                container[name] = .array(attribute.kind == .complex ? primaryOnce(items, latest: nil) : items)
            } else if attribute.kind == .complex, case .object(var merged) = current ?? .object([:]), case .object(let fields) = stored {
                for (k, v) in fields { merged[k] = v }
                container[name] = .object(merged)
            } else {
                container[name] = stored
            }
        case .replace:
            let stored = try SCIMValues.value(value ?? .null, attribute: attribute)
            if !attribute.multiValued, attribute.kind == .complex, case .object(var merged)? = current,
               case .object(let fields)? = stored {
                for (k, v) in fields { merged[k] = v }
                container[name] = .object(merged)
            } else {
                container[name] = stored
            }
        }
    }

    static func removing(_ key: String, from value: JSONValue) -> JSONValue {
        guard case .object(var o) = value else { return value }
        o[key] = nil
        return .object(o)
    }

    /// The element a filter of `eq` comparisons joined by `and` describes (`type eq "work"`).
    static func seedElement(_ filter: SCIMFilter) -> JSONObject? {
        switch filter {
        case let .compare(path, .eq, value) where path.schema == nil && path.subAttribute == nil:
            return [path.attribute: value]
        case let .and(a, b):
            guard let x = seedElement(a), let y = seedElement(b) else { return nil }
            return x.merging(y) { first, _ in first }
        default:
            return nil
        }
    }

    /// At most one element may be `primary` (RFC 7643 §2.4): the latest one set wins.
    static func primaryOnce(_ items: [JSONValue], latest: Int?) -> [JSONValue] {
        let primaries = items.indices.filter { items[$0].member("primary") == .bool(true) }
        guard primaries.count > 1 else { return items }
        let keep = latest.flatMap { primaries.contains($0) ? $0 : nil } ?? primaries.last!
        return items.enumerated().map { index, item in
            index != keep && primaries.contains(index) ? removing("primary", from: item) : item
        }
    }
}
