/// The functions an expression may call, by name. A method call `x.f(a)` calls `f` with `x` first,
/// so `size(x)` and `x.size()` are the same function. Callers extend the table with `registering`.
public struct ExpressionFunctions: Sendable {
    /// Receives the evaluated arguments (the receiver first for method calls).
    public typealias Implementation = @Sendable ([ExprValue]) throws(ExpressionFunctionError) -> ExprValue

    private var table: [String: Implementation]

    public init(_ table: [String: Implementation] = [:]) {
        self.table = table
    }

    public subscript(name: String) -> Implementation? { table[name] }

    public var names: [String] { table.keys.sorted() }

    /// Adds or replaces a function.
    public mutating func register(_ name: String, _ implementation: @escaping Implementation) {
        table[name] = implementation
    }

    /// A copy with one more function, e.g. `.standard.registering("user_is_in_group") { ... }`.
    public func registering(_ name: String, _ implementation: @escaping Implementation) -> ExpressionFunctions {
        var copy = self
        copy.register(name, implementation)
        return copy
    }

    /// CEL's string and conversion functions used by Gatehouse, `matches`, and `ip_in`.
    public static let standard = ExpressionFunctions([
        "size": { args throws(ExpressionFunctionError) in
            switch try one(args) {
            case .string(let s): return .int(Int64(s.unicodeScalars.count))
            case .list(let l): return .int(Int64(l.count))
            case .map(let m): return .int(Int64(m.count))
            case let other: throw .type("no size for \(other.typeName)")
            }
        },
        "string": { args throws(ExpressionFunctionError) in
            switch try one(args) {
            case .string(let s): return .string(s)
            case .int(let i): return .string(String(i))
            case .double(let d): return .string(d.description)
            case .bool(let b): return .string(b ? "true" : "false")
            case let other: throw .type("cannot convert \(other.typeName) to string")
            }
        },
        "int": { args throws(ExpressionFunctionError) in
            switch try one(args) {
            case .int(let i): return .int(i)
            case .double(let d):
                guard d.isFinite, d > -9.223372036854775808e18, d < 9.223372036854775807e18 else {
                    throw .evaluation("\(d) is out of the int range")
                }
                return .int(Int64(d.rounded(.towardZero)))
            case .string(let s):
                guard let i = Int64(s) else { throw .evaluation("\"\(s)\" is not an integer") }
                return .int(i)
            case let other: throw .type("cannot convert \(other.typeName) to int")
            }
        },
        "double": { args throws(ExpressionFunctionError) in
            switch try one(args) {
            case .double(let d): return .double(d)
            case .int(let i): return .double(Double(i))
            case .string(let s):
                guard let d = Double(s) else { throw .evaluation("\"\(s)\" is not a number") }
                return .double(d)
            case let other: throw .type("cannot convert \(other.typeName) to double")
            }
        },
        "startsWith": { args throws(ExpressionFunctionError) in
            let (s, p) = try twoStrings(args)
            return .bool(s.utf8.starts(with: p.utf8))
        },
        "endsWith": { args throws(ExpressionFunctionError) in
            let (s, p) = try twoStrings(args)
            return .bool(s.utf8.reversed().starts(with: p.utf8.reversed()))
        },
        "contains": { args throws(ExpressionFunctionError) in
            let (s, p) = try twoStrings(args)
            return .bool(SubstringSearch.find(Array(p.utf8), in: Array(s.utf8)))
        },
        "lowerAscii": { args throws(ExpressionFunctionError) in
            guard case .string(let s) = try one(args) else { throw .type("needs a string") }
            return .string(String(decoding: s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self))
        },
        "upperAscii": { args throws(ExpressionFunctionError) in
            guard case .string(let s) = try one(args) else { throw .type("needs a string") }
            return .string(String(decoding: s.utf8.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }, as: UTF8.self))
        },
        "matches": { args throws(ExpressionFunctionError) in
            let (s, pattern) = try twoStrings(args)
            return .bool(try SafeRegex.matches(s, pattern: pattern))
        },
        "ip_in": { args throws(ExpressionFunctionError) in
            let (ip, cidr) = try twoStrings(args)
            return .bool(try IPAddress.contains(cidr: cidr, ip: ip))
        },
    ])

    static func one(_ args: [ExprValue]) throws(ExpressionFunctionError) -> ExprValue {
        guard args.count == 1 else { throw .type("takes 1 argument, got \(args.count)") }
        return args[0]
    }

    static func twoStrings(_ args: [ExprValue]) throws(ExpressionFunctionError) -> (String, String) {
        guard args.count == 2 else { throw .type("takes 2 arguments, got \(args.count)") }
        guard case .string(let a) = args[0], case .string(let b) = args[1] else {
            throw .type("needs two strings, got \(args[0].typeName) and \(args[1].typeName)")
        }
        return (a, b)
    }
}

/// Substring search in linear time (Knuth–Morris–Pratt), so `contains` costs no more than its input.
enum SubstringSearch {
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in 1..<max(needle.count, 1) {
            while k > 0 && needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
        }
        k = 0
        for byte in haystack {
            while k > 0 && byte != needle[k] { k = failure[k - 1] }
            if byte == needle[k] { k += 1 }
            if k == needle.count { return true }
        }
        return false
    }
}
