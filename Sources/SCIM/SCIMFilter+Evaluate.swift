import JSON

/// Evaluating a filter against a resource held as JSON (keys in any case).
extension SCIMFilter {
    public func matches(_ resource: JSONValue) -> Bool {
        switch self {
        case let .and(a, b): return a.matches(resource) && b.matches(resource)
        case let .or(a, b): return a.matches(resource) || b.matches(resource)
        case let .not(a): return !a.matches(resource)
        case let .present(path):
            return SCIMFilter.values(path, in: resource).contains { value in
                switch value {
                case .null: false
                case .string(let s): !s.isEmpty
                case .array(let a): !a.isEmpty
                default: true
                }
            }
        case let .valuePath(path, inner):
            return SCIMFilter.elements(path, in: resource).contains { inner.matches($0) }
        case let .compare(path, op, operand):
            let values = SCIMFilter.values(path, in: resource)
            let exact = SCIMFilter.isCaseExact(path)
            if op == .ne { return !values.contains { SCIMFilter.compare($0, .eq, operand, caseExact: exact) } }
            if operand == .null && op == .eq { return values.allSatisfy { $0 == .null } }
            return values.contains { SCIMFilter.compare($0, op, operand, caseExact: exact) }
        }
    }

    /// The elements of a (multi-valued) attribute, for value filters.
    static func elements(_ path: SCIMPath, in resource: JSONValue) -> [JSONValue] {
        guard let value = container(path, in: resource)?.member(path.attribute) else { return [] }
        return value.arrayValue ?? [value]
    }

    /// The values a comparison looks at: the sub-attribute of each element, or `value` of
    /// complex elements when no sub-attribute is named.
    static func values(_ path: SCIMPath, in resource: JSONValue) -> [JSONValue] {
        guard let value = container(path, in: resource)?.member(path.attribute) else { return [] }
        let items = value.arrayValue ?? [value]
        if let sub = path.subAttribute { return items.compactMap { $0.member(sub) } }
        return items.map { item in
            if case .object = item { return item.member("value") ?? .null }
            return item
        }
    }

    static func container(_ path: SCIMPath, in resource: JSONValue) -> JSONValue? {
        guard let schema = path.schema else { return resource }
        let lower = schema.lowercased()
        if lower == SCIMSchema.userURN.lowercased() || lower == SCIMSchema.groupURN.lowercased() { return resource }
        return resource.member(schema)
    }

    static func isCaseExact(_ path: SCIMPath) -> Bool {
        let name = (path.subAttribute ?? path.attribute).lowercased()
        return path.subAttribute == nil && (name == "id" || name == "externalid")
            || (path.attribute.lowercased() == "meta" && (name == "resourcetype" || name == "version"))
    }

    static func compare(_ value: JSONValue, _ op: Operator, _ operand: JSONValue, caseExact: Bool) -> Bool {
        switch (value, operand) {
        case let (.string(a), .string(b)):
            let x = caseExact ? a : a.lowercased(), y = caseExact ? b : b.lowercased()
            switch op {
            case .eq: return x == y
            case .ne: return x != y
            case .co: return x.contains(y)
            case .sw: return x.hasPrefix(y)
            case .ew: return x.hasSuffix(y)
            case .gt: return x > y
            case .ge: return x >= y
            case .lt: return x < y
            case .le: return x <= y
            }
        case let (.string, .number(n)):
            return compare(value, op, .string(n.text), caseExact: caseExact)
        case let (.number(a), .number(b)):
            // Exact across integers, big integers and doubles (`1` equals `1.0`).
            guard let order = a.order(comparedTo: b) else { return false }
            switch op {
            case .eq: return order == .equal
            case .ne: return order != .equal
            case .gt: return order == .greater
            case .ge: return order != .less
            case .lt: return order == .less
            case .le: return order != .greater
            case .co, .sw, .ew: return false
            }
        case let (.bool(a), .bool(b)):
            return op == .eq ? a == b : op == .ne ? a != b : false
        case let (.bool(a), .string(b)):
            // `active eq "True"`
            guard let flag = SCIMValues.boolean(.string(b)) else { return false }
            return op == .eq ? a == flag : op == .ne ? a != flag : false
        default:
            return false
        }
    }
}
