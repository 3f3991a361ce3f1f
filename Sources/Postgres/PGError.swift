/// A failure from libpq or the server, with the server's SQLSTATE when there is one.
public struct PGError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server refused or failed a statement (see `sqlState`).
        case query
        /// Waited longer than the caller allowed.
        case timeout
    }

    public let kind: Kind
    /// Five-character SQLSTATE such as `23505` (unique violation), when the server sent one.
    public let sqlState: String?
    /// The primary message, one line.
    public let message: String
    public let detail: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
    }

    public var description: String {
        var text = sqlState.map { "[\($0)] " } ?? ""
        text += message
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }

    /// libpq messages end with a newline and may span lines; keep them to one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
