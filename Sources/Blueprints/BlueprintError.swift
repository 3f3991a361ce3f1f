/// One problem in a blueprint file, printed as one line:
/// `FILE:LINE: entries[1] (user username=somchai): attrs.password: MESSAGE`.
/// Messages never contain a value read from the environment.
public struct BlueprintError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    /// The entry's position in `entries`, from 0; nil for problems outside the entries.
    public let entryIndex: Int?
    /// `user username=somchai`, or as much of it as could be read.
    public let entry: String?
    /// The field's path, e.g. `attrs.password`, `version`, `identifiers.username`.
    public let field: String?
    public let message: String

    public init(file: String, line: Int?, entryIndex: Int? = nil, entry: String? = nil, field: String?, message: String) {
        self.file = file
        self.line = line
        self.entryIndex = entryIndex
        self.entry = entry
        self.field = field
        self.message = message
    }

    public var description: String {
        var parts = [line.map { "\(file):\($0)" } ?? file]
        if let entryIndex {
            parts.append(entry.map { "entries[\(entryIndex)] (\($0))" } ?? "entries[\(entryIndex)]")
        }
        if let field { parts.append(field) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Every problem found in one file; the file is rejected whole.
public struct BlueprintErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [BlueprintError]

    public init(_ errors: [BlueprintError]) { self.errors = errors }

    /// One line per problem.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
