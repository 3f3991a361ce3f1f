/// A failure from libpq or the server, with the server's SQLSTATE when there is one.
public struct PGError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke.
        case connection
        /// The server refused or failed a statement (see `sqlState`).
        case query
        /// Waited longer than the caller allowed.
        case timeout
        /// Every connection of a `PGPool` stayed in use for the whole acquire timeout.
        case poolExhausted
        /// The `PGPool` was closed.
        case poolClosed
    }

    public let kind: Kind
    /// Five-character SQLSTATE such as `23505` (unique violation), when the server sent one.
    public let sqlState: String?
    /// The primary message, one line.
    public let message: String
    public let detail: String?
    /// The constraint a violation names (`23505` and the like), when the server says.
    public let constraint: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, constraint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
    }

    /// The connection broke (server restarted, backend terminated, network reset) rather than
    /// the server rejecting a statement: worth one retry on another connection for reads.
    public var isConnectionFailure: Bool {
        if kind == .connection { return true }
        guard let sqlState else { return false }
        // Class 08: connection exception; 57P01–57P03: admin/crash shutdown, cannot connect now.
        return sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    /// `40001` serialization_failure or `40P01` deadlock_detected: the transaction did nothing
    /// and may succeed when run again.
    public var isSerializationFailure: Bool {
        sqlState == "40001" || sqlState == "40P01"
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
