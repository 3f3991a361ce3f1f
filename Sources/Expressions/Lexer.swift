/// One token of CEL source with where it starts.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case int(UInt64)        // magnitude; the parser applies a leading minus and range-checks
        case double(Double)
        case string(String)
        case identifier(String)
        case symbol(String)     // operators and punctuation, e.g. "&&", "(", "?"
        case end
    }
    let kind: Kind
    let position: SourcePosition

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .int(let v): return "\(v)"
        case .double(let v): return "\(v)"
        case .string: return "a string"
        case .identifier(let s): return "'\(s)'"
        case .symbol(let s): return "'\(s)'"
        case .end: return "the end of the expression"
        }
    }
}

/// Splits source text into tokens; rejects anything outside the supported subset with its position.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    /// Words CEL reserves; they cannot name variables or fields.
    static let reserved: Set<String> = [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import",
        "let", "loop", "package", "namespace", "return", "var", "void", "while",
    ]

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    static func tokenize(_ source: String) throws(ExpressionError) -> [Token] {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var position: SourcePosition { SourcePosition(line: line, column: column) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() -> Unicode.Scalar? {
        guard index < scalars.count else { return nil }
        let s = scalars[index]
        index += 1
        if s == "\n" { line += 1; column = 1 } else { column += 1 }
        return s
    }

    private static func isDigit(_ s: Unicode.Scalar?) -> Bool { s.map { $0 >= "0" && $0 <= "9" } ?? false }
    private static func isHex(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        return isDigit(s) || (s >= "a" && s <= "f") || (s >= "A" && s <= "F")
    }
    private static func isIdentStart(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        return (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "_"
    }

    private mutating func skipSpaceAndComments() {
        while let s = peek() {
            if s == " " || s == "\t" || s == "\n" || s == "\r" || s == "\u{0C}" {
                _ = advance()
            } else if s == "/" && peek(1) == "/" {
                while let c = peek(), c != "\n" { _ = advance() }
            } else {
                return
            }
        }
    }

    mutating func next() throws(ExpressionError) -> Token {
        skipSpaceAndComments()
        let start = position
        guard let s = peek() else { return Token(kind: .end, position: start) }

        if Lexer.isDigit(s) || (s == "." && Lexer.isDigit(peek(1))) {
            return Token(kind: try number(start), position: start)
        }
        if (s == "r" || s == "R"), let q = peek(1), q == "\"" || q == "'" {
            _ = advance()
            return Token(kind: .string(try string(start, raw: true)), position: start)
        }
        if (s == "b" || s == "B"), let q = peek(1), q == "\"" || q == "'" {
            throw ExpressionError(.parse, "byte strings are not supported", at: start)
        }
        if Lexer.isIdentStart(s) {
            var name = ""
            while Lexer.isIdentStart(peek()) || Lexer.isDigit(peek()), let c = advance() { name.unicodeScalars.append(c) }
            if Lexer.reserved.contains(name) {
                throw ExpressionError(.parse, "'\(name)' is a reserved word", at: start)
            }
            return Token(kind: .identifier(name), position: start)
        }
        if s == "\"" || s == "'" {
            return Token(kind: .string(try string(start, raw: false)), position: start)
        }
        let two = peek(1).map { String(s) + String($0) } ?? ""
        if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
            _ = advance(); _ = advance()
            return Token(kind: .symbol(two), position: start)
        }
        if "+-*/%!<>?:.,()[]{}".unicodeScalars.contains(s) {
            _ = advance()
            return Token(kind: .symbol(String(s)), position: start)
        }
        if s == "=" {
            throw ExpressionError(.parse, "unexpected '=' (comparison is '==')", at: start)
        }
        throw ExpressionError(.parse, "unexpected character '\(s.escaped(asASCII: true))'", at: start)
    }

    private mutating func number(_ start: SourcePosition) throws(ExpressionError) -> Token.Kind {
        if peek() == "0", peek(1) == "x" || peek(1) == "X" {
            _ = advance(); _ = advance()
            var value: UInt64 = 0
            var any = false
            while Lexer.isHex(peek()), let c = advance() {
                any = true
                let (m, o1) = value.multipliedReportingOverflow(by: 16)
                let (a, o2) = m.addingReportingOverflow(UInt64(hexValue(c)))
                if o1 || o2 { throw ExpressionError(.parse, "integer literal out of range", at: start) }
                value = a
            }
            if !any { throw ExpressionError(.parse, "expected hex digits after 0x", at: start) }
            try rejectSuffix(start)
            return .int(value)
        }
        var text = ""
        var isDouble = false
        while Lexer.isDigit(peek()), let c = advance() { text.unicodeScalars.append(c) }
        if peek() == ".", Lexer.isDigit(peek(1)) {
            isDouble = true
            take(into: &text)
            while Lexer.isDigit(peek()), let c = advance() { text.unicodeScalars.append(c) }
        }
        if peek() == "e" || peek() == "E" {
            let sign = peek(1) == "+" || peek(1) == "-"
            if Lexer.isDigit(peek(sign ? 2 : 1)) {
                isDouble = true
                take(into: &text)
                if sign { take(into: &text) }
                while Lexer.isDigit(peek()), let c = advance() { text.unicodeScalars.append(c) }
            }
        }
        try rejectSuffix(start)
        if isDouble {
            guard let d = Double(text) else { throw ExpressionError(.parse, "bad number \(text)", at: start) }
            return .double(d)
        }
        guard let v = UInt64(text) else { throw ExpressionError(.parse, "integer literal out of range", at: start) }
        return .int(v)
    }

    private mutating func take(into text: inout String) {
        if let c = advance() { text.unicodeScalars.append(c) }
    }

    private mutating func rejectSuffix(_ start: SourcePosition) throws(ExpressionError) {
        if peek() == "u" || peek() == "U" {
            throw ExpressionError(.parse, "unsigned integers are not supported", at: start)
        }
        if Lexer.isIdentStart(peek()) || Lexer.isDigit(peek()) {
            throw ExpressionError(.parse, "bad number", at: start)
        }
    }

    private func hexValue(_ c: Unicode.Scalar) -> UInt32 {
        switch c {
        case "0"..."9": return c.value - 48
        case "a"..."f": return c.value - 87
        default: return c.value - 55
        }
    }

    /// A quoted string (single, double, or tripled quotes); escapes follow CEL unless raw.
    private mutating func string(_ start: SourcePosition, raw: Bool) throws(ExpressionError) -> String {
        guard let quote = advance() else { throw ExpressionError(.parse, "unterminated string", at: start) }
        let triple = peek() == quote && peek(1) == quote
        if triple { _ = advance(); _ = advance() }
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw ExpressionError(.parse, "unterminated string", at: start) }
            if c == quote {
                if !triple { _ = advance(); break }
                if peek(1) == quote && peek(2) == quote { _ = advance(); _ = advance(); _ = advance(); break }
            }
            if !triple && (c == "\n" || c == "\r") {
                throw ExpressionError(.parse, "unterminated string (a newline needs \\n or triple quotes)", at: start)
            }
            let here = position
            _ = advance()
            if c != "\\" || raw {
                out.append(c)
                continue
            }
            guard let e = advance() else { throw ExpressionError(.parse, "unterminated string", at: start) }
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "v": out.append("\u{0B}")
            case "\\", "'", "\"", "`", "?": out.append(e)
            case "x", "X", "u", "U":
                let count = e == "u" ? 4 : e == "U" ? 8 : 2
                var value: UInt32 = 0
                for _ in 0..<count {
                    guard Lexer.isHex(peek()), let h = advance() else {
                        throw ExpressionError(.parse, "expected \(count) hex digits after \\\(e)", at: here)
                    }
                    value = value * 16 + hexValue(h)
                }
                guard let scalar = Unicode.Scalar(value) else {
                    throw ExpressionError(.parse, "\\\(e) escape is not a Unicode scalar", at: here)
                }
                out.append(scalar)
            case "0"..."3":
                var value = e.value - 48
                for _ in 0..<2 {
                    guard let o = peek(), o >= "0" && o <= "7" else {
                        throw ExpressionError(.parse, "octal escape needs three digits", at: here)
                    }
                    _ = advance()
                    value = value * 8 + (o.value - 48)
                }
                out.append(Unicode.Scalar(UInt8(truncatingIfNeeded: value)))
            default:
                throw ExpressionError(.parse, "unknown escape \\\(e)", at: here)
            }
        }
        return String(out)
    }
}
