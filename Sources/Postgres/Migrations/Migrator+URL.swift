extension Migrator {
    /// Seconds a command waits for the database before giving up.
    public static let connectTimeout = 10

    /// `status(on:)` on a connection of its own to `url`, closed afterwards.
    public func status(url: String) throws -> MigrationStatus {
        let connection = try PGConnection(url: url, connectTimeout: Self.connectTimeout)
        defer { connection.close() }
        return try status(on: connection)
    }

    /// `migrate(on:willApply:)` on a connection of its own to `url`, closed afterwards; returns
    /// the migrations applied and the status after them (read on the same connection).
    @discardableResult
    public func migrate(url: String, willApply: (Migration) -> Void = { _ in })
        throws -> (applied: [Migration], status: MigrationStatus) {
        let connection = try PGConnection(url: url, connectTimeout: Self.connectTimeout)
        defer { connection.close() }
        let applied = try migrate(on: connection, willApply: willApply)
        return (applied, try status(on: connection))
    }
}
