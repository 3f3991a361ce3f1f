/// Bounds that keep parsing and evaluation cheap whatever the source or the context holds.
public struct ExpressionLimits: Sendable, Hashable {
    /// Source length in Unicode scalars; longer sources are rejected before parsing.
    public var maxSourceLength: Int
    /// Depth of the syntax tree (brackets, operator chains, unary operators all count).
    /// Bounds the recursion of both the parser and the evaluator.
    public var maxNestingDepth: Int
    /// Evaluation steps: one per node visited and per macro iteration, plus one per 16 elements
    /// or UTF-8 bytes of every operand and result of an operator or function (so `in` over a big
    /// list, `contains` on a long string, or building one, costs in proportion).
    public var maxSteps: Int
    /// Largest string (UTF-8 bytes) an evaluation may build.
    public var maxStringLength: Int
    /// Largest list or map an evaluation may build.
    public var maxCollectionSize: Int

    public init(maxSourceLength: Int = 4096, maxNestingDepth: Int = 64, maxSteps: Int = 10_000,
                maxStringLength: Int = 65_536, maxCollectionSize: Int = 10_000) {
        self.maxSourceLength = maxSourceLength
        self.maxNestingDepth = maxNestingDepth
        self.maxSteps = maxSteps
        self.maxStringLength = maxStringLength
        self.maxCollectionSize = maxCollectionSize
    }

    public static let `default` = ExpressionLimits()
}
