import App
import ArgumentParser

struct Dev: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run everything for development: private PostgreSQL and Redis (unless configured), migrations, the server.",
        discussion: """
            Data lives in --data-dir (default ./.gatehouse): the database, Redis snapshots, the generated \
            secret key and the chosen ports. Ctrl-C stops the server, then Redis and PostgreSQL; running \
            again reuses the data.
            """,
        subcommands: [Start.self, Services.self],
        defaultSubcommand: Start.self)

    /// `gatehouse dev` (or `gatehouse dev start`).
    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start PostgreSQL and Redis where none is configured, apply migrations and run the server (the default).")

        @OptionGroup var config: ConfigFileOption

        @Option(help: ArgumentHelp("Where the development data lives.", valueName: "dir"))
        var dataDir = "./.gatehouse"

        func run() throws {
            let status = DevRunner.run(environment: ProcessEnvironment.current(), configFile: config.file, dataDirectory: dataDir)
            if status != 0 { throw ExitCode(status) }
        }
    }

    struct Services: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start only PostgreSQL and Redis, write their URLs to --env-file, and stay until SIGINT/SIGTERM.")

        @Option(help: ArgumentHelp("Where the service data lives.", valueName: "dir"))
        var dataDir = "./.gatehouse"

        @Option(help: ArgumentHelp("File to write GATEHOUSE_DATABASE_URL, GATEHOUSE_REDIS_URL and GATEHOUSE_SECRET_KEY lines to (mode 0600) once the services answer.", valueName: "file"))
        var envFile: String

        func run() throws {
            let status = DevRunner.runServices(dataDirectory: dataDir, envFile: envFile)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
