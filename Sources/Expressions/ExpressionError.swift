/// Why an expression could not be parsed or evaluated, and where in its source (1-based).
public struct ExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The source is not valid syntax (or a JSON text is not valid JSON).
        case parse
        /// An operator or function got values of the wrong type.
        case type
        /// A runtime failure: division by zero, overflow, missing variable, bad index, ...
        case evaluation
        /// A bound from `ExpressionLimits` was reached.
        case limit
    }

    public let kind: Kind
    public let message: String
    public let line: Int
    public let column: Int

    public init(_ kind: Kind, _ message: String, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    init(_ kind: Kind, _ message: String, at position: SourcePosition) {
        self.init(kind, message, line: position.line, column: position.column)
    }

    /// `column 17: expected ...`; the line is named only when the source has several.
    public var description: String {
        line > 1 ? "line \(line), column \(column): \(message)" : "column \(column): \(message)"
    }
}

/// A 1-based place in the source, counted in Unicode scalars.
struct SourcePosition: Sendable, Hashable {
    var line: Int
    var column: Int
}

/// What a function implementation throws; the evaluator adds the position of the call.
public struct ExpressionFunctionError: Error, Sendable, Hashable {
    public let kind: ExpressionError.Kind
    public let message: String

    public init(_ kind: ExpressionError.Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func type(_ message: String) -> ExpressionFunctionError { .init(.type, message) }
    public static func evaluation(_ message: String) -> ExpressionFunctionError { .init(.evaluation, message) }
}
