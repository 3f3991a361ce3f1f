/// A parsed CEL expression, ready to evaluate any number of times against different variables.
/// See Docs/expressions.md for the supported subset and Gatehouse's deviations from CEL.
public struct Expression: Sendable {
    public let source: String
    let root: Node

    /// Parses `source`, rejecting it if it is longer or nested deeper than `limits` allow.
    public static func parse(_ source: String, limits: ExpressionLimits = .default) throws(ExpressionError) -> Expression {
        Expression(source: source, root: try Parser.parse(source, limits: limits))
    }

    /// Evaluates against `variables` (e.g. `user`, `scopes`); every failure is a thrown error with a position.
    public func evaluate(_ variables: [String: ExprValue], functions: ExpressionFunctions = .standard,
                         limits: ExpressionLimits = .default) throws(ExpressionError) -> ExprValue {
        if root.height > limits.maxNestingDepth {
            throw ExpressionError(.limit, "expression is nested deeper than \(limits.maxNestingDepth) levels", at: root.position)
        }
        var evaluator = Evaluator(variables: variables, functions: functions, limits: limits)
        return try evaluator.evaluate(root)
    }
}
