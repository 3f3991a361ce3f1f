import App
import ArgumentParser

@main
struct Gatehouse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "A self-hosted identity provider: OIDC, SAML, LDAP and SCIM in one binary.",
        discussion: "Configuration comes from GATEHOUSE_* environment variables and an optional config file; see Docs/configuration.md.",
        version: GatehouseVersion.current,
        subcommands: [Serve.self, Migrate.self, ConfigCommand.self, BlueprintCommand.self, CreateAdmin.self, UsersCommand.self,
                      SecretsCommand.self, KeysCommand.self, SCIMCommand.self, VersionCommand.self, Dev.self]
    )
}

/// `--config FILE`, shared by the commands that read the configuration.
struct ConfigFileOption: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp("A file of KEY=value lines; the environment overrides it. Default: $GATEHOUSE_CONFIG_FILE.", valueName: "file"))
    var file: String?

    /// The configuration, or exit 1 after printing the one-line problem.
    func load(forServe: Bool) throws -> GatehouseConfig {
        do {
            let config = try GatehouseConfig.load(environment: ProcessEnvironment.current(), configFile: file)
            if forServe { try config.validateForServe() }
            return config
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}
