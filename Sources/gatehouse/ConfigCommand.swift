import App
import ArgumentParser

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration for serve and print it with secrets masked (exit 1 with the problem otherwise).")

        @OptionGroup var config: ConfigFileOption

        func run() throws {
            let config = try config.load(forServe: true)
            config.warnings.forEach { printError("warning: \($0)") }
            print(config.description)
        }
    }
}
