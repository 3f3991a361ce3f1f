/// The binary operators over values; no implicit conversions (as in CEL, `1 + 2.0` is a type error).
enum Operators {
    static func apply(_ op: BinaryOperator, _ left: ExprValue, _ right: ExprValue, at: SourcePosition) throws(ExpressionError) -> ExprValue {
        func noOverload() -> ExpressionError {
            ExpressionError(.type, "no operator '\(op.rawValue)' for \(left.typeName) and \(right.typeName)", at: at)
        }
        func overflow() -> ExpressionError { ExpressionError(.evaluation, "integer overflow", at: at) }

        switch op {
        case .equal: return .bool(left.celEquals(right))
        case .notEqual: return .bool(!left.celEquals(right))
        case .member:
            switch right {
            case .list(let l): return .bool(l.contains { left.celEquals($0) })
            case .map(let m):
                guard case .string(let key) = left else { return .bool(false) }
                return .bool(m[key] != nil)
            default: throw noOverload()
            }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let order = compare(left, right) else { throw noOverload() }
            switch op {
            case .less: return .bool(order < 0)
            case .lessOrEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .add:
            switch (left, right) {
            case (.int(let a), .int(let b)):
                let (r, o) = a.addingReportingOverflow(b)
                if o { throw overflow() }
                return .int(r)
            case (.double(let a), .double(let b)): return .double(a + b)
            case (.string(let a), .string(let b)): return .string(a + b)
            case (.list(let a), .list(let b)): return .list(a + b)
            default: throw noOverload()
            }
        case .subtract, .multiply, .divide, .remainder:
            switch (left, right) {
            case (.int(let a), .int(let b)):
                let (r, o): (Int64, Bool)
                switch op {
                case .subtract: (r, o) = a.subtractingReportingOverflow(b)
                case .multiply: (r, o) = a.multipliedReportingOverflow(by: b)
                default:
                    if b == 0 { throw ExpressionError(.evaluation, op == .divide ? "division by zero" : "modulus by zero", at: at) }
                    (r, o) = op == .divide ? a.dividedReportingOverflow(by: b) : a.remainderReportingOverflow(dividingBy: b)
                }
                if o { throw overflow() }
                return .int(r)
            case (.double(let a), .double(let b)):
                switch op {
                case .subtract: return .double(a - b)
                case .multiply: return .double(a * b)
                case .divide: return .double(a / b)  // IEEE 754: x / 0.0 is ±infinity, as in CEL
                default: throw noOverload()          // CEL has no % on doubles
                }
            default: throw noOverload()
            }
        }
    }

    /// -1, 0 or 1; nil when the two values have no order (different kinds, NaN, collections).
    static func compare(_ left: ExprValue, _ right: ExprValue) -> Int? {
        func order<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : a > b ? 1 : 0 }
        switch (left, right) {
        case (.int(let a), .int(let b)): return order(a, b)
        case (.double(let a), .double(let b)): return a.isNaN || b.isNaN ? nil : order(a, b)
        case (.int(let a), .double(let b)): return b.isNaN ? nil : order(Double(a), b)
        case (.double(let a), .int(let b)): return a.isNaN ? nil : order(a, Double(b))
        case (.string(let a), .string(let b)):
            // By Unicode code point, as CEL orders strings (Swift's `<` on String is not that).
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1
                : b.unicodeScalars.lexicographicallyPrecedes(a.unicodeScalars) ? 1 : 0
        case (.bool(let a), .bool(let b)): return order(a ? 1 : 0, b ? 1 : 0)
        default: return nil
        }
    }
}
