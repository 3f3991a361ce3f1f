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

    mutating func evaluate(_ node: Node) throws(ExpressionError) -> ExprValue {
        try tick(node.position)
        let at = node.position
        switch node.kind {
        case .literal(let value):
            return value

        case .variable(let name):
            if let local = locals.last(where: { $0.name == name }) { return local.value }
            if let value = variables[name] { return value }
            throw ExpressionError(.evaluation, "undeclared reference to '\(name)'", at: at)

        case .list(let items):
            var values: [ExprValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try evaluate(item)) }
            return try built(.list(values), at)

        case .map(let entries):
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

        case .select(let targetNode, let field):
            let target = try evaluate(targetNode)
            guard case .map(let m) = target else {
                throw ExpressionError(.type, "cannot read field '\(field)' of \(target.typeName)", at: at)
            }
            return m[field] ?? .null  // Gatehouse: a missing key reads as null

        case .has(let targetNode, let field):
            let target = try evaluate(targetNode)
            guard case .map(let m) = target else {
                throw ExpressionError(.type, "has() needs a map, not \(target.typeName)", at: at)
            }
            return .bool(m[field] != nil)

        case .index(let targetNode, let keyNode):
            let target = try evaluate(targetNode)
            let key = try evaluate(keyNode)
            return try index(target, key, at)

        case .call(let name, let targetNode, let argumentNodes):
            var arguments: [ExprValue] = []
            if let targetNode { arguments.append(try evaluate(targetNode)) }
            for argument in argumentNodes { arguments.append(try evaluate(argument)) }
            let style = targetNode == nil ? "\(name)()" : ".\(name)()"
            guard let implementation = functions[name] else {
                throw ExpressionError(.evaluation, "unknown function \(style)", at: at)
            }
            let result: ExprValue
            do throws(ExpressionFunctionError) {
                result = try implementation(arguments)
            } catch {
                throw ExpressionError(error.kind, "\(style): \(error.message)", at: at)
            }
            return try built(result, at)

        case .unary(let op, let operandNode):
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

        case .binary(let op, let leftNode, let rightNode):
            let left = try evaluate(leftNode)
            let right = try evaluate(rightNode)
            return try built(try Operators.apply(op, left, right, at: at), at)

        case .and(let leftNode, let rightNode):
            return try logical(leftNode, rightNode, absorbing: false, at: at)

        case .or(let leftNode, let rightNode):
            return try logical(leftNode, rightNode, absorbing: true, at: at)

        case .conditional(let conditionNode, let thenNode, let elseNode):
            let condition = try evaluate(conditionNode)
            guard case .bool(let b) = condition else {
                throw ExpressionError(.type, "the condition of '?' must be a bool, not \(condition.typeName)", at: conditionNode.position)
            }
            return try evaluate(b ? thenNode : elseNode)

        case .comprehension(let macro, let targetNode, let variable, let filter, let body):
            return try comprehension(macro, try evaluate(targetNode), variable, filter, body, at: at)
        }
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
        var results: [Bool] = []
        for side in [leftNode, rightNode] {
            do throws(ExpressionError) {
                let value = try evaluate(side)
                guard case .bool(let b) = value else {
                    throw ExpressionError(.type, "'\(op)' needs bools, not \(value.typeName)", at: side.position)
                }
                if b == absorbing { return .bool(absorbing) }
                results.append(b)
            } catch {
                if error.kind == .limit { throw error }
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return .bool(!absorbing)
    }

    private mutating func comprehension(_ macro: Macro, _ target: ExprValue, _ variable: String, _ filter: Node?, _ body: Node,
                                        at: SourcePosition) throws(ExpressionError) -> ExprValue {
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
