/// Walks the tree once, counting steps; recursion depth is the tree's height, which the parser bounded.
struct Evaluator {
    private let variables: [String: ExprValue]
    private let functions: ExpressionFunctions
    private let limits: ExpressionLimits
    /// Macro variables in scope, innermost last; they shadow `variables`.
    private var locals: [(name: String, value: ExprValue)] = []
    private var steps = 0

    init(variables: [String: ExprValue], functions: ExpressionFunctions, limits: ExpressionLimits) {
        self.variables = variables
        self.functions = functions
        self.limits = limits
    }

    // MARK: Cost

    private mutating func tick(_ at: SourcePosition, _ count: Int = 1) throws(ExpressionError) {
        steps += count
        if steps > limits.maxSteps {
            throw ExpressionError(.limit, "evaluation took more than \(limits.maxSteps) steps", at: at)
        }
    }

    /// Charges a freshly built value to the step budget and checks it against the size limits.
    private mutating func built(_ value: ExprValue, _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        switch value {
        case .string(let s) where s.utf8.count > limits.maxStringLength:
            throw ExpressionError(.limit, "string longer than \(limits.maxStringLength) bytes", at: at)
        case .list(let l) where l.count > limits.maxCollectionSize:
            throw ExpressionError(.limit, "list longer than \(limits.maxCollectionSize) elements", at: at)
        case .map(let m) where m.count > limits.maxCollectionSize:
            throw ExpressionError(.limit, "map larger than \(limits.maxCollectionSize) entries", at: at)
        default:
            try tick(at, value.cost / 16)
            return value
        }
    }

    // MARK: Nodes

    /// Dispatches each kind to its own method without binding payloads here: this frame is on the
    /// stack once per tree level, and a debug build reserves room for every binding of every case.
    mutating func evaluate(_ node: Node) throws(ExpressionError) -> ExprValue {
        try tick(node.position)
        switch node.kind {
        case .literal, .variable: return try leaf(node)
        case .list, .map: return try collection(node)
        case .select, .has, .index: return try access(node)
        case .call: return try call(node)
        case .unary, .binary: return try operation(node)
        case .and, .or, .conditional: return try control(node)
        case .comprehension: return try comprehension(node)
        }
    }

    private static func misrouted(_ node: Node) -> ExpressionError {
        ExpressionError(.evaluation, "internal error: unexpected node", at: node.position)
    }

    private func leaf(_ node: Node) throws(ExpressionError) -> ExprValue {
        switch node.kind {
        case .literal(let value): return value
        case .variable(let name): return try variable(name, node.position)
        default: throw Evaluator.misrouted(node)
        }
    }

    private mutating func collection(_ node: Node) throws(ExpressionError) -> ExprValue {
        switch node.kind {
        case .list(let items): return try list(items, node.position)
        case .map(let entries): return try map(entries, node.position)
        default: throw Evaluator.misrouted(node)
        }
    }

    private mutating func access(_ node: Node) throws(ExpressionError) -> ExprValue {
        switch node.kind {
        case .select(let target, let field): return try select(target, field, node.position)
        case .has(let target, let field): return try has(target, field, node.position)
        case .index(let target, let key): return try index(target, key, node.position)
        default: throw Evaluator.misrouted(node)
        }
    }

    private mutating func call(_ node: Node) throws(ExpressionError) -> ExprValue {
        guard case .call(let name, let target, let arguments) = node.kind else { throw Evaluator.misrouted(node) }
        return try call(name, target, arguments, node.position)
    }

    private mutating func operation(_ node: Node) throws(ExpressionError) -> ExprValue {
        switch node.kind {
        case .unary(let op, let operand): return try unary(op, operand, node.position)
        case .binary(let op, let left, let right): return try binary(op, left, right, node.position)
        default: throw Evaluator.misrouted(node)
        }
    }

    private mutating func control(_ node: Node) throws(ExpressionError) -> ExprValue {
        switch node.kind {
        case .and(let left, let right): return try logical(left, right, absorbing: false, at: node.position)
        case .or(let left, let right): return try logical(left, right, absorbing: true, at: node.position)
        case .conditional(let condition, let then, let otherwise): return try conditional(condition, then, otherwise)
        default: throw Evaluator.misrouted(node)
        }
    }

    private mutating func comprehension(_ node: Node) throws(ExpressionError) -> ExprValue {
        guard case .comprehension(let macro, let target, let variable, let filter, let body) = node.kind else {
            throw Evaluator.misrouted(node)
        }
        return try comprehension(macro, target, variable, filter, body, at: node.position)
    }

    private func variable(_ name: String, _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        if let local = locals.last(where: { $0.name == name }) { return local.value }
        if let value = variables[name] { return value }
        throw ExpressionError(.evaluation, "undeclared reference to '\(name)'", at: at)
    }

    private mutating func list(_ items: [Node], _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        var values: [ExprValue] = []
        values.reserveCapacity(items.count)
        for item in items { values.append(try evaluate(item)) }
        return try built(.list(values), at)
    }

    private mutating func map(_ entries: [(key: Node, value: Node)], _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        var result: [String: ExprValue] = [:]
        for entry in entries {
            let key = try evaluate(entry.key)
            guard case .string(let k) = key else {
                throw ExpressionError(.type, "map keys must be strings, not \(key.typeName)", at: entry.key.position)
            }
            if result[k] != nil {
                throw ExpressionError(.evaluation, "map key \"\(k)\" is given twice", at: entry.key.position)
            }
            result[k] = try evaluate(entry.value)
        }
        return try built(.map(result), at)
    }

    private mutating func select(_ targetNode: Node, _ field: String, _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        let target = try evaluate(targetNode)
        guard case .map(let m) = target else {
            throw ExpressionError(.type, "cannot read field '\(field)' of \(target.typeName)", at: at)
        }
        return m[field] ?? .null  // Gatehouse: a missing key reads as null
    }

    private mutating func has(_ targetNode: Node, _ field: String, _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        let target = try evaluate(targetNode)
        guard case .map(let m) = target else {
            throw ExpressionError(.type, "has() needs a map, not \(target.typeName)", at: at)
        }
        return .bool(m[field] != nil)
    }

    private mutating func index(_ targetNode: Node, _ keyNode: Node, _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        let target = try evaluate(targetNode)
        let key = try evaluate(keyNode)
        return try index(target, key, at)
    }

    private mutating func call(_ name: String, _ targetNode: Node?, _ argumentNodes: [Node], _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        var arguments: [ExprValue] = []
        if let targetNode { arguments.append(try evaluate(targetNode)) }
        for argument in argumentNodes { arguments.append(try evaluate(argument)) }
        let style = targetNode == nil ? "\(name)()" : ".\(name)()"
        guard let implementation = functions[name] else {
            throw ExpressionError(.evaluation, "unknown function \(style)", at: at)
        }
        try tick(at, arguments.reduce(0) { $0 + $1.cost } / 16)  // functions read their arguments
        let result: ExprValue
        do throws(ExpressionFunctionError) {
            result = try implementation(arguments)
        } catch {
            throw ExpressionError(error.kind, "\(style): \(error.message)", at: at)
        }
        return try built(result, at)
    }

    private mutating func unary(_ op: UnaryOperator, _ operandNode: Node, _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        let operand = try evaluate(operandNode)
        switch (op, operand) {
        case (.not, .bool(let b)): return .bool(!b)
        case (.negate, .int(let i)):
            guard i != Int64.min else { throw ExpressionError(.evaluation, "integer overflow", at: at) }
            return .int(-i)
        case (.negate, .double(let d)): return .double(-d)
        default:
            throw ExpressionError(.type, "no operator '\(op.rawValue)' for \(operand.typeName)", at: at)
        }
    }

    private mutating func binary(_ op: BinaryOperator, _ leftNode: Node, _ rightNode: Node, _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        let left = try evaluate(leftNode)
        let right = try evaluate(rightNode)
        try tick(at, (left.cost + right.cost) / 16)  // `in`, `==`, `<` walk their operands
        return try built(try Operators.apply(op, left, right, at: at), at)
    }

    private mutating func conditional(_ conditionNode: Node, _ thenNode: Node, _ elseNode: Node) throws(ExpressionError) -> ExprValue {
        let condition = try evaluate(conditionNode)
        guard case .bool(let b) = condition else {
            throw ExpressionError(.type, "the condition of '?' must be a bool, not \(condition.typeName)", at: conditionNode.position)
        }
        return try evaluate(b ? thenNode : elseNode)
    }

    private func index(_ target: ExprValue, _ key: ExprValue, _ at: SourcePosition) throws(ExpressionError) -> ExprValue {
        switch (target, key) {
        case (.list(let l), .int(let i)):
            guard i >= 0 && i < Int64(l.count) else {
                throw ExpressionError(.evaluation, "index \(i) out of range (list of \(l.count))", at: at)
            }
            return l[Int(i)]
        case (.list(let l), .double(let d)) where d.rounded() == d && d >= 0 && d < Double(l.count):
            return l[Int(d)]
        case (.map(let m), .string(let k)):
            return m[k] ?? .null  // Gatehouse: a missing key reads as null, like field access
        default:
            throw ExpressionError(.type, "cannot index \(target.typeName) with \(key.typeName)", at: at)
        }
    }

    /// CEL's commutative `&&` / `||`: the absorbing value (false for `&&`, true for `||`) on either
    /// side wins even if the other side is an error or not a bool. Limit errors always propagate.
    private mutating func logical(_ leftNode: Node, _ rightNode: Node, absorbing: Bool, at: SourcePosition) throws(ExpressionError) -> ExprValue {
        let op = absorbing ? "||" : "&&"
        var firstError: ExpressionError?
        for side in [leftNode, rightNode] {
            do throws(ExpressionError) {
                let value = try evaluate(side)
                guard case .bool(let b) = value else {
                    throw ExpressionError(.type, "'\(op)' needs bools, not \(value.typeName)", at: side.position)
                }
                if b == absorbing { return .bool(absorbing) }
            } catch {
                if error.kind == .limit { throw error }
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return .bool(!absorbing)
    }

    private mutating func comprehension(_ macro: Macro, _ targetNode: Node, _ variable: String, _ filter: Node?, _ body: Node,
                                        at: SourcePosition) throws(ExpressionError) -> ExprValue {
        let target = try evaluate(targetNode)
        let elements: [ExprValue]
        switch target {
        case .list(let l): elements = l
        case .map(let m): elements = m.keys.sorted().map(ExprValue.string)  // macros range over a map's keys
        default:
            throw ExpressionError(.type, "\(macro.rawValue)() needs a list or a map, not \(target.typeName)", at: at)
        }
        locals.append((variable, .null))
        defer { locals.removeLast() }
        var mapped: [ExprValue] = []
        var matches = 0
        var deferredError: ExpressionError?
        for element in elements {
            try tick(at)
            locals[locals.count - 1].value = element
            switch macro {
            case .map:
                if let filter, try predicate(filter, macro) == false { continue }
                mapped.append(try evaluate(body))
                if mapped.count > limits.maxCollectionSize { _ = try built(.list(mapped), at) }
            case .filter:
                if try predicate(body, macro) { mapped.append(element) }
            case .existsOne:
                if try predicate(body, macro) { matches += 1 }
            case .exists, .all:
                // Like `||` / `&&` over the elements: an absorbing result wins over errors elsewhere.
                do throws(ExpressionError) {
                    let result = try predicate(body, macro)
                    if macro == .exists && result { return .bool(true) }
                    if macro == .all && !result { return .bool(false) }
                } catch {
                    if error.kind == .limit { throw error }
                    if deferredError == nil { deferredError = error }
                }
            }
        }
        if let deferredError { throw deferredError }
        switch macro {
        case .map, .filter: return try built(.list(mapped), at)
        case .existsOne: return .bool(matches == 1)
        case .exists: return .bool(false)
        case .all: return .bool(true)
        }
    }

    private mutating func predicate(_ node: Node, _ macro: Macro) throws(ExpressionError) -> Bool {
        let value = try evaluate(node)
        guard case .bool(let b) = value else {
            throw ExpressionError(.type, "the predicate of \(macro.rawValue)() must be a bool, not \(value.typeName)", at: node.position)
        }
        return b
    }
}
