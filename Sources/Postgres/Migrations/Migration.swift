/// One schema change, compiled into the binary. Versions start at 1 and increase by one.
/// Never edit a migration once released: its checksum is recorded and checked.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    /// One or more SQL statements, run in a single transaction.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// A row of `gatehouse_schema_migrations`.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    /// `applied_at` as PostgreSQL prints it (ISO 8601).
    public let appliedAt: String
    /// Lower-case hex SHA-256 of the migration's SQL text.
    public let checksum: String
}

public struct MigrationStatus: Sendable {
    public let applied: [AppliedMigration]
    public let pending: [Migration]
    /// Applied versions whose SQL in this binary differs from what was applied.
    public let changed: [Int]
    /// The highest version in the database, 0 if none.
    public let databaseVersion: Int
    /// The highest version this binary knows.
    public let binaryVersion: Int

    public var databaseIsNewer: Bool { databaseVersion > binaryVersion }
}

public enum MigrationError: Error, Sendable, CustomStringConvertible {
    /// The database was migrated by a newer Gatehouse; this binary refuses to touch it.
    case databaseNewer(databaseVersion: Int, binaryVersion: Int)
    /// An applied migration's SQL differs from this binary's.
    case checksumMismatch(version: Int, name: String)
    /// The compiled-in list is not 1, 2, 3, … (a programming error).
    case invalidList(String)
    /// A migration's SQL failed; its transaction was rolled back.
    case migrationFailed(version: Int, name: String, PGError)
    case database(PGError)

    public var description: String {
        switch self {
        case let .databaseNewer(database, binary):
            "database schema is at version \(database) but this gatehouse knows only up to \(binary); upgrade gatehouse (refusing to run)"
        case let .checksumMismatch(version, name):
            "migration \(version) (\(name)) differs from the one applied to this database; released migrations must not change"
        case let .invalidList(problem):
            "invalid migration list: \(problem)"
        case let .migrationFailed(version, name, error):
            "migration \(version) (\(name)) failed and was rolled back: \(error)"
        case let .database(error):
            "database error: \(error)"
        }
    }
}
