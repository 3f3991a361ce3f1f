/// Recursive descent over CEL's grammar, from loosest to tightest binding:
/// `?:`, `||`, `&&`, relations (`< <= > >= == != in`), `+ -`, `* / %`, unary `! -`, member access.
/// Every node is checked against the depth limit as it is built, so neither this parser
/// nor the evaluator can recurse deeper than `maxNestingDepth`.
struct Parser {
    private let tokens: [Token]
    private var index = 0
    private let maxDepth: Int
    /// Current recursion depth of `expression()`, for nesting that builds no node (parentheses).
    private var depth = 0

    init(tokens: [Token], maxDepth: Int) {
        self.tokens = tokens
        self.maxDepth = maxDepth
    }

    static func parse(_ source: String, limits: ExpressionLimits) throws(ExpressionError) -> Node {
        var length = 0
        for _ in source.unicodeScalars {
            length += 1
            if length > limits.maxSourceLength {
                throw ExpressionError(.limit, "expression is longer than \(limits.maxSourceLength) characters", line: 1, column: 1)
            }
        }
        var parser = Parser(tokens: try Lexer.tokenize(source), maxDepth: limits.maxNestingDepth)
        let root = try parser.expression()
        let rest = parser.current
        if rest.kind != .end {
            throw ExpressionError(.parse, "expected an operator or the end of the expression, found \(rest.display)", at: rest.position)
        }
        return root
    }

    // MARK: Tokens

    private var current: Token { tokens[min(index, tokens.count - 1)] }

    private func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }

    private mutating func accept(_ s: String) -> Bool {
        if isSymbol(s) { index += 1; return true }
        return false
    }

    private mutating func expect(_ s: String, _ what: String) throws(ExpressionError) {
        guard accept(s) else {
            throw ExpressionError(.parse, "expected '\(s)' \(what), found \(current.display)", at: current.position)
        }
    }

    private mutating func identifier(_ what: String) throws(ExpressionError) -> String {
        guard case .identifier(let name) = current.kind else {
            throw ExpressionError(.parse, "expected \(what), found \(current.display)", at: current.position)
        }
        index += 1
        return name
    }

    private func node(_ kind: NodeKind, _ position: SourcePosition, _ children: [Node]) throws(ExpressionError) -> Node {
        let height = 1 + (children.map(\.height).max() ?? 0)
        if height > maxDepth {
            throw ExpressionError(.limit, "expression is nested deeper than \(maxDepth) levels", at: position)
        }
        return Node(kind: kind, position: position, height: height)
    }

    // MARK: Grammar

    mutating func expression() throws(ExpressionError) -> Node {
        depth += 1
        defer { depth -= 1 }
        if depth > maxDepth {
            throw ExpressionError(.limit, "expression is nested deeper than \(maxDepth) levels", at: current.position)
        }
        let condition = try logicalOr()
        guard isSymbol("?") else { return condition }
        let at = current.position
        index += 1
        let then = try logicalOr()
        try expect(":", "after the then-branch of '?'")
        let otherwise = try expression()
        return try node(.conditional(condition, then: then, else: otherwise), at, [condition, then, otherwise])
    }

    private mutating func logicalOr() throws(ExpressionError) -> Node {
        var left = try logicalAnd()
        while isSymbol("||") {
            let at = current.position
            index += 1
            let right = try logicalAnd()
            left = try node(.or(left, right), at, [left, right])
        }
        return left
    }

    private mutating func logicalAnd() throws(ExpressionError) -> Node {
        var left = try relation()
        while isSymbol("&&") {
            let at = current.position
            index += 1
            let right = try relation()
            left = try node(.and(left, right), at, [left, right])
        }
        return left
    }

    private mutating func relation() throws(ExpressionError) -> Node {
        var left = try addition()
        while true {
            let op: BinaryOperator
            switch current.kind {
            case .symbol("<"): op = .less
            case .symbol("<="): op = .lessOrEqual
            case .symbol(">"): op = .greater
            case .symbol(">="): op = .greaterOrEqual
            case .symbol("=="): op = .equal
            case .symbol("!="): op = .notEqual
            case .identifier("in"): op = .member
            default: return left
            }
            let at = current.position
            index += 1
            let right = try addition()
            left = try node(.binary(op, left, right), at, [left, right])
        }
    }

    private mutating func addition() throws(ExpressionError) -> Node {
        var left = try multiplication()
        while isSymbol("+") || isSymbol("-") {
            let at = current.position
            let op: BinaryOperator = isSymbol("+") ? .add : .subtract
            index += 1
            let right = try multiplication()
            left = try node(.binary(op, left, right), at, [left, right])
        }
        return left
    }

    private mutating func multiplication() throws(ExpressionError) -> Node {
        var left = try unary()
        while isSymbol("*") || isSymbol("/") || isSymbol("%") {
            let at = current.position
            let op: BinaryOperator = isSymbol("*") ? .multiply : isSymbol("/") ? .divide : .remainder
            index += 1
            let right = try unary()
            left = try node(.binary(op, left, right), at, [left, right])
        }
        return left
    }

    /// Prefix operators are gathered in a loop (no recursion), then applied innermost first.
    private mutating func unary() throws(ExpressionError) -> Node {
        var prefixes: [(UnaryOperator, SourcePosition)] = []
        while isSymbol("!") || isSymbol("-") {
            prefixes.append((isSymbol("!") ? .not : .negate, current.position))
            index += 1
            if prefixes.count > maxDepth {
                throw ExpressionError(.limit, "expression is nested deeper than \(maxDepth) levels", at: current.position)
            }
        }
        var operand: Node
        // `-9223372036854775808` is only writable as a negated literal.
        if let last = prefixes.last, last.0 == .negate, case .int(let magnitude) = current.kind {
            let at = last.1
            let literalAt = current.position
            index += 1
            guard magnitude <= UInt64(Int64.max) + 1 else {
                throw ExpressionError(.parse, "integer literal out of range", at: literalAt)
            }
            let value = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            operand = try member(try node(.literal(.int(value)), at, []))
            prefixes.removeLast()
        } else {
            operand = try member(try primary())
        }
        for (op, at) in prefixes.reversed() {
            operand = try node(.unary(op, operand), at, [operand])
        }
        return operand
    }

    private mutating func member(_ start: Node) throws(ExpressionError) -> Node {
        var target = start
        while true {
            let at = current.position
            if accept(".") {
                let name = try identifier("a field or method name after '.'")
                if isSymbol("(") {
                    let callAt = current.position
                    index += 1
                    let args = try arguments(closing: ")")
                    target = try call(name, target: target, arguments: args, at: at, callAt: callAt)
                } else {
                    target = try node(.select(target, field: name), at, [target])
                }
            } else if accept("[") {
                let key = try expression()
                try expect("]", "to close the index")
                target = try node(.index(target, key), at, [target, key])
            } else {
                return target
            }
        }
    }

    /// A method call; the comprehension macros take an identifier as their first argument.
    private func call(_ name: String, target: Node, arguments: [Node], at: SourcePosition, callAt: SourcePosition) throws(ExpressionError) -> Node {
        guard let macro = Macro(rawValue: name) else {
            return try node(.call(name, target: target, arguments: arguments), at, [target] + arguments)
        }
        let counts = macro == .map ? [2, 3] : [2]
        guard counts.contains(arguments.count) else {
            throw ExpressionError(.parse, "\(name)() takes \(macro == .map ? "2 or 3" : "2") arguments: a variable name and an expression", at: callAt)
        }
        guard case .variable(let variable) = arguments[0].kind else {
            throw ExpressionError(.parse, "the first argument of \(name)() must be a variable name", at: arguments[0].position)
        }
        let filter = arguments.count == 3 ? arguments[1] : nil
        let body = arguments[arguments.count - 1]
        return try node(.comprehension(macro, target: target, variable: variable, filter: filter, body: body), at, [target] + arguments)
    }

    private mutating func arguments(closing: String) throws(ExpressionError) -> [Node] {
        var items: [Node] = []
        if accept(closing) { return items }
        while true {
            items.append(try expression())
            if accept(closing) { return items }
            try expect(",", "or '\(closing)' in the list")
            if accept(closing) { return items }  // trailing comma
        }
    }

    private mutating func primary() throws(ExpressionError) -> Node {
        let token = current
        let at = token.position
        switch token.kind {
        case .int(let magnitude):
            index += 1
            guard magnitude <= UInt64(Int64.max) else { throw ExpressionError(.parse, "integer literal out of range", at: at) }
            return try node(.literal(.int(Int64(magnitude))), at, [])
        case .double(let d):
            index += 1
            return try node(.literal(.double(d)), at, [])
        case .string(let s):
            index += 1
            return try node(.literal(.string(s)), at, [])
        case .identifier(let name):
            index += 1
            switch name {
            case "true": return try node(.literal(.bool(true)), at, [])
            case "false": return try node(.literal(.bool(false)), at, [])
            case "null": return try node(.literal(.null), at, [])
            case "in": throw ExpressionError(.parse, "expected an expression, found 'in'", at: at)
            default: break
            }
            guard isSymbol("(") else { return try node(.variable(name), at, []) }
            let callAt = current.position
            index += 1
            let args = try arguments(closing: ")")
            if name == "has" {
                guard args.count == 1, case .select(let target, let field) = args[0].kind else {
                    throw ExpressionError(.parse, "has() takes one field selection, like has(user.attributes.team)", at: callAt)
                }
                return try node(.has(target, field: field), at, [args[0]])
            }
            return try node(.call(name, target: nil, arguments: args), at, args)
        case .symbol("("):
            index += 1
            let inner = try expression()
            try expect(")", "to close '(' at column \(at.column)")
            return inner
        case .symbol("["):
            index += 1
            let items = try arguments(closing: "]")
            return try node(.list(items), at, items)
        case .symbol("{"):
            index += 1
            var entries: [(key: Node, value: Node)] = []
            if !accept("}") {
                while true {
                    let key = try expression()
                    try expect(":", "after a map key")
                    let value = try expression()
                    entries.append((key, value))
                    if accept("}") { break }
                    try expect(",", "or '}' in the map")
                    if accept("}") { break }
                }
            }
            return try node(.map(entries), at, entries.flatMap { [$0.key, $0.value] })
        case .end:
            throw ExpressionError(.parse, "expected an expression, found the end of the expression", at: at)
        default:
            throw ExpressionError(.parse, "expected an expression, found \(token.display)", at: at)
        }
    }
}
