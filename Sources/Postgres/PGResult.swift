/// A finished statement's result, copied out of libpq: column names and rows of text values
/// (`nil` is SQL NULL).
public struct PGResult: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// The command tag, such as `INSERT 0 1` or `SELECT 3`.
    public let commandTag: String
    /// Rows affected by INSERT/UPDATE/DELETE/SELECT…, when the server reports it.
    public let affectedRows: Int?

    public init(columns: [String], rows: [[String?]], commandTag: String, affectedRows: Int?) {
        self.columns = columns
        self.rows = rows
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    /// The value in `row` of the column named `column`; nil for NULL or an unknown column.
    public func value(_ row: Int, _ column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }

    /// The first column of the first row, for single-value queries.
    public var scalar: String? { rows.first?.first ?? nil }
}
