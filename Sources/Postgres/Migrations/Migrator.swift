/// Applies the compiled-in migrations, in order, each in its own transaction, under a
/// session-level advisory lock so that several nodes starting at once are safe: the first
/// applies, the others wait and then find nothing left to do.
public struct Migrator: Sendable {
    /// `pg_advisory_lock` key: the bytes of "GATEHOUS" (0x4741544548_4f5553).
    public static let advisoryLockKey: Int64 = 0x4741_5445_484F_5553
    public static let tableName = "gatehouse_schema_migrations"

    public let migrations: [Migration]

    public init(migrations: [Migration] = GatehouseMigrations.all) {
        self.migrations = migrations
    }

    /// What is applied and what is pending. Reads only; creates nothing.
    public func status(on connection: PGConnection) throws(MigrationError) -> MigrationStatus {
        try validateList()
        do {
            let exists = try connection.execute("SELECT to_regclass($1) IS NOT NULL", params: [Self.tableName]).scalar == "t"
            return try computeStatus(on: connection, tableExists: exists)
        } catch {
            throw .database(error)
        }
    }

    /// Applies every pending migration and returns those it applied (empty when up to date).
    /// `willApply` is called before each one, e.g. to log it.
    @discardableResult
    public func migrate(on connection: PGConnection, willApply: (Migration) -> Void = { _ in }) throws(MigrationError) -> [Migration] {
        try validateList()
        do {
            try connection.execute("SELECT pg_advisory_lock($1::bigint)", params: [String(Self.advisoryLockKey)])
        } catch {
            throw .database(error)
        }
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1::bigint)", params: [String(Self.advisoryLockKey)]) }

        let status: MigrationStatus
        do {
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS gatehouse_schema_migrations (
                    version bigint PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    checksum text NOT NULL
                )
                """)
            status = try computeStatus(on: connection, tableExists: true)
        } catch {
            throw .database(error)
        }
        if status.databaseIsNewer {
            throw .databaseNewer(databaseVersion: status.databaseVersion, binaryVersion: status.binaryVersion)
        }
        if let version = status.changed.first {
            throw .checksumMismatch(version: version, name: migrations.first { $0.version == version }?.name ?? "?")
        }
        var done: [Migration] = []
        for migration in status.pending {
            willApply(migration)
            do {
                try connection.execute("BEGIN")
                try connection.executeTrustedScript(migration.sql)
                try connection.execute(
                    "INSERT INTO gatehouse_schema_migrations (version, name, checksum) VALUES ($1::bigint, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))",
                    params: [String(migration.version), migration.name, migration.sql])
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw .migrationFailed(version: migration.version, name: migration.name, error)
            }
            done.append(migration)
        }
        return done
    }

    // MARK: - private

    /// Versions must be positive and strictly increasing. Gaps are allowed: branches reserve
    /// version numbers and merge in any order (each pending version is applied once, by number).
    private func validateList() throws(MigrationError) {
        var previous = 0
        for (index, migration) in migrations.enumerated() {
            guard migration.version > previous else {
                throw .invalidList("version \(migration.version) at position \(index + 1) does not follow version \(previous)")
            }
            previous = migration.version
        }
    }

    private func computeStatus(on connection: PGConnection, tableExists: Bool) throws(PGError) -> MigrationStatus {
        var applied: [AppliedMigration] = []
        if tableExists {
            let rows = try connection.execute(
                "SELECT version, name, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), checksum FROM gatehouse_schema_migrations ORDER BY version"
            ).rows
            applied = rows.map { row in
                AppliedMigration(version: Int(row[0] ?? "") ?? 0, name: row[1] ?? "", appliedAt: row[2] ?? "", checksum: row[3] ?? "")
            }
        }
        var changed: [Int] = []
        for record in applied {
            guard let known = migrations.first(where: { $0.version == record.version }) else { continue }
            let checksum = try connection.execute("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", params: [known.sql]).scalar
            if checksum != record.checksum { changed.append(record.version) }
        }
        let appliedVersions = Set(applied.map(\.version))
        return MigrationStatus(
            applied: applied,
            pending: migrations.filter { !appliedVersions.contains($0.version) },
            changed: changed,
            databaseVersion: applied.map(\.version).max() ?? 0,
            binaryVersion: migrations.last?.version ?? 0)
    }
}
