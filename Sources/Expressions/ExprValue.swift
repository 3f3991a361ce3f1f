/// A value an expression reads or produces: the JSON data model plus a distinct int and double.
/// Map keys are always strings, as in the claims and attributes Gatehouse stores.
public indirect enum ExprValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([ExprValue])
    case map([String: ExprValue])

    /// The CEL type name, used in error messages (`int`, `string`, `list`, ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "double"
        case .string: return "string"
        case .list: return "list"
        case .map: return "map"
        }
    }

    /// The Bool inside, or nil for any other value. Policies must produce exactly a bool.
    public var asBool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// Loose truthiness for callers that accept any value: false, null, 0, "" and empty collections are false.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0 && !d.isNaN
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .map(let m): return !m.isEmpty
        }
    }

    /// Element count that limits and step costs are charged by (characters are UTF-8 bytes).
    var cost: Int {
        switch self {
        case .string(let s): return s.utf8.count
        case .list(let l): return l.count
        case .map(let m): return m.count
        default: return 1
        }
    }
}

extension ExprValue {
    /// CEL equality: numbers compare across int and double, other kinds never equal each other.
    /// (The synthesized `==` is structural and keeps `1 != 1.0`.)
    func celEquals(_ other: ExprValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .double(let b)): return Double(a) == b
        case (.double(let a), .int(let b)): return a == Double(b)
        case (.list(let a), .list(let b)):
            guard a.count == b.count else { return false }
            return zip(a, b).allSatisfy { $0.celEquals($1) }
        case (.map(let a), .map(let b)):
            guard a.count == b.count else { return false }
            return a.allSatisfy { key, value in b[key].map { value.celEquals($0) } ?? false }
        default: return self == other
        }
    }
}

extension ExprValue: CustomStringConvertible {
    /// The JSON form; doubles keep a decimal point so they read back as doubles.
    public var description: String { jsonText() }
}
