// Typed values of a validated blueprint. Nothing here holds a Yams type: the YAML nodes are
// read once (BlueprintParser) and turned into these Sendable values.

/// A secret read from the environment by `!Env NAME`. Its description and reflection show only
/// the variable's name; the value is reachable through `reveal()` alone.
public struct SecretValue: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The environment variable the value came from.
    public let variable: String
    private let value: String

    public init(variable: String, value: String) {
        self.variable = variable
        self.value = value
    }

    /// The secret itself, for whoever stores it (hashes a password, seals a client secret).
    public func reveal() -> String { value }

    public var description: String { "!Env \(variable)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["variable": variable]) }
}

/// The value of one field after validation.
public indirect enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([FieldValue])
    case map([String: FieldValue])
    case secret(SecretValue)

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value with each `!Env` value nested in it (an attribute, a plain string field) as the
    /// plain string it is stored as. Only for fields that are not secrets.
    public var revealingSecrets: FieldValue {
        switch self {
        case .secret(let secret): return .string(secret.reveal())
        case .list(let items): return .list(items.map(\.revealingSecrets))
        case .map(let map): return .map(map.mapValues(\.revealingSecrets))
        default: return self
        }
    }

    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
        case .map(let m):
            return "{" + m.keys.sorted().map { "\($0): \(m[$0]!.description)" }.joined(separator: ", ") + "}"
        case .secret(let s): return s.description
        }
    }
}

/// What an entry wants: `present` creates or updates the object to match, `created` creates it
/// when missing and never touches it afterwards, `absent` deletes it when it exists.
public enum EntryState: String, Sendable, Hashable, CaseIterable {
    case present, created, absent
}

/// The identity of an object: its model and its identifier fields (all strings).
public struct EntryKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let model: String
    public let identifiers: [String: String]

    public init(model: String, identifiers: [String: String]) {
        self.model = model
        self.identifiers = identifiers
    }

    /// `user username=somchai`
    public var description: String {
        let ids = identifiers.keys.sorted().map { "\($0)=\(identifiers[$0]!)" }.joined(separator: " ")
        return ids.isEmpty ? model : "\(model) \(ids)"
    }

    public static func < (lhs: EntryKey, rhs: EntryKey) -> Bool { lhs.description < rhs.description }
}

/// One validated entry of a blueprint.
public struct BlueprintEntry: Sendable, Hashable {
    /// Position in the file's `entries` list, from 0.
    public let index: Int
    public let key: EntryKey
    public let state: EntryState
    /// The attributes given in the file, validated against the model. Reference lists are sorted.
    public let attrs: [String: FieldValue]
    /// The entry's line in the file.
    public let line: Int?
    /// The line of each attribute's value.
    public let attrLines: [String: Int]

    public var model: String { key.model }

    public init(index: Int, key: EntryKey, state: EntryState, attrs: [String: FieldValue], line: Int?, attrLines: [String: Int] = [:]) {
        self.index = index
        self.key = key
        self.state = state
        self.attrs = attrs
        self.line = line
        self.attrLines = attrLines
    }

    /// The line of `attrs.NAME` (or of the entry).
    func line(of path: String) -> Int? {
        let name = path.hasPrefix("attrs.") ? String(path.dropFirst(6).prefix { $0 != "." && $0 != "[" }) : path
        return attrLines[name] ?? line
    }
}

/// A validated blueprint file.
public struct Blueprint: Sendable, Hashable {
    /// The file name used in errors.
    public let file: String
    /// `metadata.name`
    public let name: String
    public let labels: [String: String]
    public let entries: [BlueprintEntry]

    public init(file: String, name: String, labels: [String: String], entries: [BlueprintEntry]) {
        self.file = file
        self.name = name
        self.labels = labels
        self.entries = entries
    }
}
