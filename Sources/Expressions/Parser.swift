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
        let condition = try binary(minLevel: 1)
        guard isSymbol("?") else { return condition }
        return try conditional(condition)
    }

    // The parser's recursion goes expression → binary → unary → member/primary → expression, once
    // per bracket level; rarer paths live in helpers so those frames stay small in debug builds.

    private mutating func conditional(_ condition: Node) throws(ExpressionError) -> Node {
        let at = current.position
        index += 1
        let then = try binary(minLevel: 1)
        try expect(":", "after the then-branch of '?'")
        let otherwise = try expression()
        return try node(.conditional(condition, then: then, else: otherwise), at, [condition, then, otherwise])
    }

    /// A binary operator token and its binding level: 1 `||`, 2 `&&`, 3 relations, 4 `+ -`, 5 `* / %`.
    private var binaryOperator: (op: BinaryOperator?, level: Int)? {
        switch current.kind {
        case .symbol("||"): return (nil, 1)
        case .symbol("&&"): return (nil, 2)
        case .symbol("<"): return (.less, 3)
        case .symbol("<="): return (.lessOrEqual, 3)
        case .symbol(">"): return (.greater, 3)
        case .symbol(">="): return (.greaterOrEqual, 3)
        case .symbol("=="): return (.equal, 3)
        case .symbol("!="): return (.notEqual, 3)
        case .identifier("in"): return (.member, 3)
        case .symbol("+"): return (.add, 4)
        case .symbol("-"): return (.subtract, 4)
        case .symbol("*"): return (.multiply, 5)
        case .symbol("/"): return (.divide, 5)
        case .symbol("%"): return (.remainder, 5)
        default: return nil
        }
    }

    /// Precedence climbing: one frame per operator level actually nested, all left-associative.
    /// (One function instead of one per level keeps the stack used per bracket level small.)
    private mutating func binary(minLevel: Int) throws(ExpressionError) -> Node {
        var left = try unary()
        while let (op, level) = binaryOperator, level >= minLevel {
            let at = current.position
            let isOr = isSymbol("||")
            index += 1
            let right = try binary(minLevel: level + 1)
            let kind: NodeKind = if let op { .binary(op, left, right) } else if isOr { .or(left, right) } else { .and(left, right) }
            left = try node(kind, at, [left, right])
        }
        return left
    }

    /// Prefix operators are gathered in a loop (no recursion), then applied innermost first.
    private mutating func unary() throws(ExpressionError) -> Node {
        guard isSymbol("!") || isSymbol("-") else { return try member(try primary()) }
        return try prefixed()
    }

    private mutating func prefixed() throws(ExpressionError) -> Node {
        var prefixes: [(UnaryOperator, SourcePosition)] = []
        while isSymbol("!") || isSymbol("-") {
            prefixes.append((isSymbol("!") ? .not : .negate, current.position))
            index += 1
            if prefixes.count > maxDepth {
                throw ExpressionError(.limit, "expression is nested deeper than \(maxDepth) levels", at: current.position)
            }
        }
        var operand: Node
        if let last = prefixes.last, last.0 == .negate, case .int = current.kind {
            operand = try negatedLiteral(at: last.1)
            prefixes.removeLast()
        } else {
            operand = try primary()
        }
        operand = try member(operand)
        return prefixes.isEmpty ? operand : try applyPrefixes(prefixes, to: operand)
    }

    private func applyPrefixes(_ prefixes: [(UnaryOperator, SourcePosition)], to operand: Node) throws(ExpressionError) -> Node {
        var result = operand
        for (op, at) in prefixes.reversed() {
            result = try node(.unary(op, result), at, [result])
        }
        return result
    }

    /// `-9223372036854775808` is only writable as a negated literal.
    private mutating func negatedLiteral(at: SourcePosition) throws(ExpressionError) -> Node {
        guard case .int(let magnitude) = current.kind else { throw ExpressionError(.parse, "expected a number", at: current.position) }
        let literalAt = current.position
        index += 1
        guard magnitude <= UInt64(Int64.max) + 1 else {
            throw ExpressionError(.parse, "integer literal out of range", at: literalAt)
        }
        let value = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        return try node(.literal(.int(value)), at, [])
    }

    private mutating func member(_ start: Node) throws(ExpressionError) -> Node {
        var target = start
        while isSymbol(".") || isSymbol("[") {
            target = try isSymbol(".") ? dotSuffix(target) : indexSuffix(target)
        }
        return target
    }

    /// `.field` or `.method(args)`.
    private mutating func dotSuffix(_ target: Node) throws(ExpressionError) -> Node {
        let at = current.position
        index += 1
        let name = try identifier("a field or method name after '.'")
        guard isSymbol("(") else { return try node(.select(target, field: name), at, [target]) }
        let callAt = current.position
        index += 1
        let args = try arguments(closing: ")")
        return try call(name, target: target, arguments: args, at: at, callAt: callAt)
    }

    /// `[key]`.
    private mutating func indexSuffix(_ target: Node) throws(ExpressionError) -> Node {
        let at = current.position
        index += 1
        let key = try expression()
        try expect("]", "to close the index")
        return try node(.index(target, key), at, [target, key])
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
        if isSymbol("(") { return try parenthesized() }
        if isSymbol("[") { return try listLiteral() }
        if isSymbol("{") { return try mapLiteral() }
        if case .identifier = current.kind { return try identifierOrCall() }
        return try literal()
    }

    private mutating func literal() throws(ExpressionError) -> Node {
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
        default:
            throw ExpressionError(.parse, "expected an expression, found \(token.display)", at: at)
        }
    }

    private mutating func listLiteral() throws(ExpressionError) -> Node {
        let at = current.position
        index += 1
        let items = try arguments(closing: "]")
        return try node(.list(items), at, items)
    }

    private mutating func parenthesized() throws(ExpressionError) -> Node {
        let at = current.position
        index += 1
        let inner = try expression()
        try expect(")", "to close '(' at column \(at.column)")
        return inner
    }

    private mutating func mapLiteral() throws(ExpressionError) -> Node {
        let at = current.position
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
    }

    private mutating func identifierOrCall() throws(ExpressionError) -> Node {
        let at = current.position
        guard case .identifier(let name) = current.kind else {
            throw ExpressionError(.parse, "expected a name, found \(current.display)", at: at)
        }
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
    }
}
