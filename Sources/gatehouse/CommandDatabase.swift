import App
import ArgumentParser
import Postgres

/// How every command reaches the database: `migrate`, `blueprint apply` and the administrative
/// commands take the URL here, and the administrative ones migrate (or check) the schema and
/// open their pool here, the same way.
enum CommandDatabase {
    /// The configured database URL; prints the problem and exits 1 when there is none.
    static func url(_ config: GatehouseConfig) throws -> DatabaseURL {
        do { return try config.requiredDatabaseURL() } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    /// The database for an administrative command. With `migrate`, pending migrations are applied
    /// first (as `serve` does, under the advisory lock); without, a schema that is not current is
    /// refused with a hint to run `gatehouse migrate`.
    static func openAdminPool(_ config: GatehouseConfig, command: String, migrate: Bool) throws -> PGPool {
        let url = try url(config)
        do {
            if migrate {
                try Migrator().migrate(url: url.unredactedURL)
            } else {
                let status = try Migrator().status(url: url.unredactedURL)
                if !status.pending.isEmpty || status.databaseIsNewer {
                    printError("\(command): the database schema is at version \(status.databaseVersion), this binary expects \(status.binaryVersion); run: gatehouse migrate")
                    throw ExitCode(1)
                }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("\(command): \(error)")
            throw ExitCode(1)
        }
        // A small pool: connections are opened when needed.
        var configuration = PGPoolConfiguration()
        configuration.maxConnections = 2
        configuration.minIdle = 0
        configuration.applicationName = "gatehouse \(command)"
        return PGPool(url: url.unredactedURL, configuration: configuration)
    }
}
