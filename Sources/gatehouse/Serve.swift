import App
import ArgumentParser
import Logging

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server: load the configuration, apply migrations and GATEHOUSE_BLUEPRINTS_DIR, listen.")

    @OptionGroup var config: ConfigFileOption

    func run() throws {
        let config = try config.load(forServe: true)
        let logger = GatehouseLogging.logger(for: config)
        config.warnings.forEach { logger.warning("\($0)") }
        logger.info("gatehouse starting", metadata: ["version": "\(GatehouseVersion.current)"])
        do {
            try MigrationRunner.apply(url: config.databaseURL!, logger: logger)
        } catch {
            logger.critical("cannot migrate the database: \(error)")
            throw ExitCode(1)
        }
        if let directory = config.blueprintsDirectory {
            do {
                try BlueprintStartup.apply(directory: directory, databaseURL: config.databaseURL!,
                                           environment: ProcessEnvironment.current(), sealer: try? config.secretSealer(),
                                           logger: logger)
            } catch {
                error.lines.forEach { logger.critical("\($0)") }
                logger.critical("blueprint \(error.file) rejected; nothing was applied, not starting")
                throw ExitCode(1)
            }
        }
        let status = try ServerRunner.run(config: config, logger: logger)
        if status != 0 { throw ExitCode(status) }
    }
}
