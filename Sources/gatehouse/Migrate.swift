import App
import ArgumentParser
import Postgres

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (safe to run on several nodes at once).")

    @OptionGroup var config: ConfigFileOption

    @Flag(help: "Only show which migrations are applied and which are pending.")
    var status = false

    func run() throws {
        let config = try config.load(forServe: false)
        let url = try CommandDatabase.url(config)
        do {
            let migrator = Migrator()
            if status {
                let report = try migrator.status(url: url.unredactedURL)
                for applied in report.applied {
                    let changed = report.changed.contains(applied.version) ? "  CHANGED since applied" : ""
                    print("applied  \(applied.version)  \(applied.name)  \(applied.appliedAt)\(changed)")
                }
                for pending in report.pending { print("pending  \(pending.version)  \(pending.name)") }
                print("schema version \(report.databaseVersion) of \(report.binaryVersion)")
                if report.databaseIsNewer {
                    printError(MigrationError.databaseNewer(databaseVersion: report.databaseVersion, binaryVersion: report.binaryVersion).description)
                    throw ExitCode(1)
                }
                return
            }
            let (applied, report) = try migrator.migrate(url: url.unredactedURL) { migration in
                print("applying \(migration.version)  \(migration.name)")
            }
            print(applied.isEmpty ? "up to date at schema version \(report.databaseVersion)"
                                  : "applied \(applied.count) migration(s); schema version \(report.databaseVersion)")
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("migrate: \(error)")
            throw ExitCode(1)
        }
    }
}
