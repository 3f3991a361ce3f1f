import JSON

/// An attribute path (RFC 7644 §3.10): `[schema URN ":"] attribute ["." sub]`, and for PATCH
/// a value filter `attribute "[" filter "]" ["." sub]`.
public struct SCIMPath: Sendable, Hashable, CustomStringConvertible {
    /// The extension schema URN when the path names one (`urn:…:enterprise:2.0:User`); nil for core attributes.
    public var schema: String?
    public var attribute: String
    public var subAttribute: String?
    /// `emails[type eq "work"]`: which elements of a multi-valued attribute.
    public var filter: SCIMFilter?

    public init(schema: String? = nil, attribute: String, subAttribute: String? = nil, filter: SCIMFilter? = nil) {
        self.schema = schema
        self.attribute = attribute
        self.subAttribute = subAttribute
        self.filter = filter
    }

    public var description: String {
        var s = (schema.map { $0 + ":" } ?? "") + attribute
        if let filter { s += "[\(filter)]" }
        if let subAttribute { s += "." + subAttribute }
        return s
    }

    /// Parses a PATCH `path`. Throws `invalidPath`.
    public static func parse(_ text: String) throws(SCIMError) -> SCIMPath {
        var lexer = FilterLexer(text)
        do throws(SCIMError) {
            guard case .word(let word) = try lexer.next() else { throw SCIMError.invalidPath("path \(JSONWriter.quoted(text)) is not an attribute path") }
            var path = try attributePath(word)
            var token = try lexer.next()
            if token == .openBracket {
                guard path.subAttribute == nil else { throw SCIMError.invalidPath("a value filter must follow the attribute, not a sub-attribute") }
                var parser = FilterParser(lexer: lexer)
                path.filter = try parser.parseOr()
                guard try parser.lexer.next() == .closeBracket else { throw SCIMError.invalidPath("missing ] in \(JSONWriter.quoted(text))") }
                lexer = parser.lexer
                token = try lexer.next()
                if case .word(let rest) = token, rest.hasPrefix("."), rest.count > 1 {
                    path.subAttribute = String(rest.dropFirst())
                    token = try lexer.next()
                }
            }
            guard token == .end else { throw SCIMError.invalidPath("unexpected text after the path in \(JSONWriter.quoted(text))") }
            return path
        } catch {
            if error.scimType == "invalidFilter" { throw .invalidPath(error.detail) }
            throw error
        }
    }

    /// Splits `urn:…:User:manager.value` or `name.givenName` into its parts.
    static func attributePath(_ word: String) throws(SCIMError) -> SCIMPath {
        var schema: String?
        var rest = Substring(word)
        if word.lowercased().hasPrefix("urn:") {
            let lower = word.lowercased()
            // A known schema first: its URN contains dots ("2.0") that are not sub-attribute separators.
            if let known = SCIMSchema.all.map(\.id).filter({ lower.hasPrefix($0.lowercased() + ":") || lower == $0.lowercased() })
                .max(by: { $0.count < $1.count }) {
                schema = known
                rest = word.dropFirst(known.count)
                if rest.hasPrefix(":") { rest = rest.dropFirst() }
            } else if let colon = word.lastIndex(of: ":") {
                schema = String(word[..<colon])
                rest = word[word.index(after: colon)...]
            }
            if rest.isEmpty {
                // The whole extension object (`urn:…:enterprise:2.0:User`).
                return SCIMPath(schema: nil, attribute: schema ?? word)
            }
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ isAttributeName($0) }) else {
            throw .invalidFilter("\(JSONWriter.quoted(word)) is not an attribute path")
        }
        return SCIMPath(schema: schema, attribute: String(parts[0]), subAttribute: parts.count == 2 ? String(parts[1]) : nil)
    }

    static func isAttributeName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "$" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "$") }
    }
}
