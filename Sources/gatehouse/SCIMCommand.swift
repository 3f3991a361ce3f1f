import App
import ArgumentParser

/// `gatehouse scim token SLUG`: SCIM source administration.
struct SCIMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scim",
        abstract: "SCIM sources (Entra ID provisioning).",
        subcommands: [Token.self])

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a fresh bearer token for a SCIM source and print it once.",
            discussion: """
                The new token replaces the old one at once (only its SHA-256 is stored). Paste it into \
                Entra ID's Secret Token field. A blueprint that sets the source's token overrides it on \
                its next apply: use one or the other. Records the audit event scim.token_issued.
                """)

        @OptionGroup var config: ConfigFileOption

        @Argument(help: "The SCIM source's slug.")
        var slug: String

        func run() throws {
            let config = try config.load(forServe: false)
            let pool = try CommandDatabase.openAdminPool(config, command: "scim token", migrate: false)
            defer { pool.close() }
            do {
                print(try SCIMSource.issueToken(slug: slug, pool: pool))
            } catch {
                printError("scim token: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
