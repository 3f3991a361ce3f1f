import App
import ArgumentParser
import Blueprints
import Postgres

struct BlueprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blueprint", abstract: "Check and apply blueprints (configuration as code); see Docs/blueprints.md.",
        subcommands: [Apply.self, Validate.self])

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply blueprint files to the database: all of them in one transaction, or none.",
            discussion: """
                The configuration comes from the environment (and --config) as for serve; migrations are \
                applied first. !Env NAME reads the process environment. Prints one summary line per file; \
                on a bad file prints its problems, writes nothing and exits 1.
                """)

        @OptionGroup var config: ConfigFileOption

        @Argument(help: ArgumentHelp("Blueprint files (YAML), applied in this order.", valueName: "file"))
        var files: [String]

        func run() throws {
            let config = try config.load(forServe: false)
            let url = try CommandDatabase.url(config)
            let logger = GatehouseLogging.logger(for: config)
            do {
                try MigrationRunner.apply(url: url, logger: logger)
            } catch {
                printError("cannot migrate the database: \(error)")
                throw ExitCode(1)
            }
            let store = PostgresBlueprintStore(url: url.unredactedURL)
            do {
                let results = try BlueprintApplier(store: store, environment: ProcessEnvironment.current(),
                                                   sealer: try? config.secretSealer()).apply(paths: files)
                results.forEach { print($0.summary) }
            } catch {
                error.lines.forEach { printError($0) }
                printError("\(error.file): rejected; nothing was applied")
                throw ExitCode(1)
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate blueprint files without touching the database (exit 1 with one line per problem).",
            discussion: """
                !Env NAME reads the process environment. The files are checked as a set: an entry may refer \
                to an object another of the files declares. Objects that exist only in the database cannot \
                be seen here, so a reference to one is reported as unknown.
                """)

        @Argument(help: ArgumentHelp("Blueprint files (YAML).", valueName: "file"))
        var files: [String]

        func run() throws {
            var inputs: [(file: String, yaml: String)] = []
            var failed = false
            for file in files {
                do {
                    inputs.append((file, try readTextFile(file)))
                } catch {
                    printError("\(file): cannot read: \(error)")
                    failed = true
                }
            }
            let parser = BlueprintParser(environment: ProcessEnvironment.current())
            for (input, result) in zip(inputs, parser.parse(files: inputs)) {
                switch result {
                case .success(let blueprint):
                    print(Validate.summary(blueprint))
                case .failure(let errors):
                    errors.errors.forEach { printError($0.description) }
                    printError("\(input.file): rejected (\(errors.errors.count) problem\(errors.errors.count == 1 ? "" : "s"))")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }

        /// `demo.yaml: ok: blueprint demo, 9 entries (group 4, user 5)`
        static func summary(_ blueprint: Blueprint) -> String {
            var counts: [String: Int] = [:]
            for entry in blueprint.entries { counts[entry.model, default: 0] += 1 }
            let models = counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
            var line = "\(blueprint.file): ok: blueprint \(blueprint.name), \(blueprint.entries.count) entr\(blueprint.entries.count == 1 ? "y" : "ies")"
            if !models.isEmpty { line += " (\(models))" }
            let notApplied = counts.keys.sorted().filter { ModelRegistry.standard.spec(for: $0)?.isApplied == false }
            if !notApplied.isEmpty { line += "; validated only, not applied yet: \(notApplied.joined(separator: ", "))" }
            return line
        }
    }
}
