/// A parsed expression: a tree of nodes, each knowing where it starts in the source.
struct Node: Sendable {
    let kind: NodeKind
    let position: SourcePosition
    /// Levels of nodes from here down (a literal is 1); bounded by `maxNestingDepth`.
    let height: Int
}

enum UnaryOperator: String, Sendable { case not = "!", negate = "-" }

enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case equal = "==", notEqual = "!=", member = "in"
}

/// The comprehension macros, e.g. `list.exists(x, x > 1)`.
enum Macro: String, Sendable {
    case all, exists, existsOne = "exists_one", map, filter
}

indirect enum NodeKind: Sendable {
    case literal(ExprValue)
    case variable(String)
    case list([Node])
    case map([(key: Node, value: Node)])
    /// `target.field`
    case select(Node, field: String)
    /// `has(target.field)`
    case has(Node, field: String)
    /// `target[index]`
    case index(Node, Node)
    /// `name(args)` or `target.name(args)`
    case call(String, target: Node?, arguments: [Node])
    case unary(UnaryOperator, Node)
    case binary(BinaryOperator, Node, Node)
    case and(Node, Node)
    case or(Node, Node)
    case conditional(Node, then: Node, else: Node)
    /// `target.macro(variable, filter?, body)`; `filter` is only for the three-argument `map`.
    case comprehension(Macro, target: Node, variable: String, filter: Node?, body: Node)
}
