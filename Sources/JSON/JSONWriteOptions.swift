/// How the writer spells a value. The empty set is compact text with members sorted by name:
/// equal values always give the same bytes, however they were built.
public struct JSONWriteOptions: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Members in the order they were read or set instead of sorted by name (for people
    /// reading the text; still deterministic for a given value).
    public static let insertionOrder = JSONWriteOptions(rawValue: 1 << 0)
    /// `<`, `>`, `&` and `'` also escaped (`\u003c`, ...), so the text can sit inside an HTML
    /// `<script>` element or attribute without closing it or starting an entity.
    public static let escapeHTML = JSONWriteOptions(rawValue: 1 << 1)
    /// Two-space indentation, one entry per line, `": "` after member names.
    public static let pretty = JSONWriteOptions(rawValue: 1 << 2)
}
