import JSON

/// A parsed `filter` (RFC 7644 §3.4.2.2), also used inside PATCH paths.
public indirect enum SCIMFilter: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable, CaseIterable { case eq, ne, co, sw, ew, gt, ge, lt, le }

    case compare(SCIMPath, Operator, JSONValue)
    case present(SCIMPath)
    case and(SCIMFilter, SCIMFilter)
    case or(SCIMFilter, SCIMFilter)
    case not(SCIMFilter)
    /// `emails[type eq "work"]`: some element of the multi-valued attribute matches the inner filter,
    /// whose paths are relative to the element.
    case valuePath(SCIMPath, SCIMFilter)

    /// Parses a filter. Bare words as values are read as strings (`externalId eq 1234`), as
    /// Entra ID sometimes sends them. Throws `invalidFilter`.
    public static func parse(_ text: String) throws(SCIMError) -> SCIMFilter {
        guard text.utf8.count <= 4096 else { throw .invalidFilter("the filter is too long") }
        // Nothing stored can contain NUL (PostgreSQL refuses it), so a filter with one is malformed.
        guard !text.unicodeScalars.contains("\0") else { throw .invalidFilter("the filter contains NUL") }
        var parser = FilterParser(lexer: FilterLexer(text))
        let filter = try parser.parseOr()
        guard try parser.lexer.next() == .end else { throw .invalidFilter("unexpected text after the filter") }
        return filter
    }

    public var description: String {
        switch self {
        case let .compare(path, op, value): "\(path) \(op.rawValue) \(value.serialized)"
        case let .present(path): "\(path) pr"
        case let .and(a, b): "(\(a) and \(b))"
        case let .or(a, b): "(\(a) or \(b))"
        case let .not(a): "not (\(a))"
        case let .valuePath(path, inner): "\(path)[\(inner)]"
        }
    }
}

enum FilterToken: Equatable {
    case word(String)
    case string(String)
    case openParen, closeParen, openBracket, closeBracket
    case end
}

struct FilterLexer {
    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    mutating func peek() throws(SCIMError) -> FilterToken {
        var copy = self
        return try copy.next()
    }

    mutating func next() throws(SCIMError) -> FilterToken {
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
        guard index < scalars.count else { return .end }
        let c = scalars[index]
        switch c {
        case "(": index += 1; return .openParen
        case ")": index += 1; return .closeParen
        case "[": index += 1; return .openBracket
        case "]": index += 1; return .closeBracket
        case "\"": return .string(try quoted())
        default:
            var word = ""
            while index < scalars.count {
                let s = scalars[index]
                if s == " " || s == "\t" || s == "(" || s == ")" || s == "[" || s == "]" || s == "\"" { break }
                word.unicodeScalars.append(s)
                index += 1
            }
            return .word(word)
        }
    }

    /// A JSON string literal starting at `index`.
    mutating func quoted() throws(SCIMError) -> String {
        index += 1
        var out = ""
        while index < scalars.count {
            let s = scalars[index]
            index += 1
            if s == "\"" { return out }
            if s == "\\" {
                guard index < scalars.count else { break }
                let e = scalars[index]
                index += 1
                switch e {
                case "\"", "\\", "/": out.unicodeScalars.append(e)
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case "b": out += "\u{8}"
                case "f": out += "\u{C}"
                case "u":
                    guard index + 4 <= scalars.count,
                          let code = UInt32(String(String.UnicodeScalarView(scalars[index..<index + 4])), radix: 16),
                          let scalar = Unicode.Scalar(code), code != 0 else { throw .invalidFilter("bad \\u escape in a string") }
                    out.unicodeScalars.append(scalar)
                    index += 4
                default: throw .invalidFilter("bad escape in a string")
                }
            } else {
                out.unicodeScalars.append(s)
            }
        }
        throw .invalidFilter("unterminated string")
    }
}

/// Recursive descent, precedence `not` > `and` > `or` (RFC 7644 §3.4.2.2).
struct FilterParser {
    var lexer: FilterLexer
    var depth = 0

    mutating func parseOr() throws(SCIMError) -> SCIMFilter {
        var left = try parseAnd()
        while case .word(let w) = try lexer.peek(), w.lowercased() == "or" {
            _ = try lexer.next()
            left = .or(left, try parseAnd())
        }
        return left
    }

    mutating func parseAnd() throws(SCIMError) -> SCIMFilter {
        var left = try parseUnary()
        while case .word(let w) = try lexer.peek(), w.lowercased() == "and" {
            _ = try lexer.next()
            left = .and(left, try parseUnary())
        }
        return left
    }

    mutating func parseUnary() throws(SCIMError) -> SCIMFilter {
        depth += 1
        defer { depth -= 1 }
        guard depth < 32 else { throw .invalidFilter("the filter nests too deeply") }
        let token = try lexer.next()
        switch token {
        case .openParen:
            let inner = try parseOr()
            guard try lexer.next() == .closeParen else { throw .invalidFilter("missing )") }
            return inner
        case .word(let w) where w.lowercased() == "not":
            guard try lexer.next() == .openParen else { throw .invalidFilter("not must be followed by (") }
            let inner = try parseOr()
            guard try lexer.next() == .closeParen else { throw .invalidFilter("missing )") }
            return .not(inner)
        case .word(let w):
            let path = try SCIMPath.attributePath(w)
            if try lexer.peek() == .openBracket {
                _ = try lexer.next()
                guard path.subAttribute == nil else { throw .invalidFilter("a value filter must follow the attribute") }
                let inner = try parseOr()
                guard try lexer.next() == .closeBracket else { throw .invalidFilter("missing ]") }
                // Entra ID: `emails[type eq "work"].value eq "x"`.
                if case .word(let rest) = try lexer.peek(), rest.hasPrefix("."), rest.count > 1 {
                    _ = try lexer.next()
                    let sub = SCIMPath(attribute: String(rest.dropFirst()))
                    return .valuePath(path, .and(inner, try comparison(sub)))
                }
                return .valuePath(path, inner)
            }
            return try comparison(path)
        default:
            throw .invalidFilter("expected an attribute path")
        }
    }

    mutating func comparison(_ path: SCIMPath) throws(SCIMError) -> SCIMFilter {
        guard case .word(let opText) = try lexer.next() else { throw .invalidFilter("expected an operator after \(path)") }
        let lower = opText.lowercased()
        if lower == "pr" { return .present(path) }
        guard let op = SCIMFilter.Operator(rawValue: lower) else { throw .invalidFilter("unknown operator \(JSONWriter.quoted(opText))") }
        switch try lexer.next() {
        case .string(let s): return .compare(path, op, .string(s))
        case .word(let w):
            switch w.lowercased() {
            case "true": return .compare(path, op, .bool(true))
            case "false": return .compare(path, op, .bool(false))
            case "null": return .compare(path, op, .null)
            default:
                // A number by JSON's grammar (so `0x10` or `1e` stays an unquoted string).
                if let n = JSONNumber(w) { return .compare(path, op, .number(n)) }
                // An unquoted value: Entra ID sends `externalId eq 7e8d…` in some tenants.
                if w.lowercased() == "and" || w.lowercased() == "or" { throw .invalidFilter("expected a value after \(op.rawValue)") }
                return .compare(path, op, .string(w))
            }
        default:
            throw .invalidFilter("expected a value after \(op.rawValue)")
        }
    }
}
