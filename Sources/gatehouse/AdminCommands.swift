import App
import Logging
import Redis
import ArgumentParser
import Crypto
import Postgres
import Store

struct CreateAdmin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin",
        abstract: "Create a superuser (or, with --update, reset an existing one).",
        discussion: """
            Without --password: on a terminal the password is asked for twice (not echoed); otherwise a \
            strong password is generated and printed once on stdout. Passwords need at least \
            \(AdminAccounts.minimumPasswordLength) characters. Pending migrations are applied first. \
            Records the audit event user.create_admin (without the password).
            """)

    @OptionGroup var config: ConfigFileOption

    @Option(help: "The username (unique, compared case-insensitively).")
    var username: String

    @Option(help: "The e-mail address.")
    var email: String

    @Option(help: ArgumentHelp("The password (visible in the process list and shell history: prefer the prompt).", valueName: "password"))
    var password: String?

    @Option(help: "The display name.")
    var name: String?

    @Flag(help: "If the user exists, make it an active superuser with this password instead of failing.")
    var update = false

    func run() throws {
        let config = try config.load(forServe: false)
        var generated = false
        let secret: String
        if let password {
            secret = password
        } else if Terminal.standardInputIsTerminal {
            guard let first = Terminal.readSecret(prompt: "Password for \(username): "),
                  let second = Terminal.readSecret(prompt: "Repeat the password: ") else {
                printError("create-admin: no password entered")
                throw ExitCode(1)
            }
            guard first == second else {
                printError("create-admin: the passwords do not match")
                throw ExitCode(1)
            }
            secret = first
        } else {
            secret = AdminAccounts.generatePassword()
            generated = true
        }
        if let problem = AdminAccounts.passwordProblem(secret) {
            printError("create-admin: \(problem)")
            throw ExitCode(1)
        }
        let pool = try CommandDatabase.openAdminPool(config, command: "create-admin", migrate: true)
        defer { pool.close() }
        let accounts = AdminAccounts(users: PostgresUserStore(pool: pool), events: PostgresEventStore(pool: pool))
        do {
            let outcome = try accounts.createAdmin(username: username, email: email, name: name, password: secret, update: update)
            print("\(outcome.created ? "created" : "updated") superuser \(outcome.user.username) (id \(outcome.user.id))")
            if generated {
                print("generated password (shown only this once): \(secret)")
            }
        } catch {
            printError("create-admin: \(error)")
            throw ExitCode(1)
        }
    }
}

struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "List and deactivate users, reset their second factors.",
        subcommands: [List.self, Deactivate.self, ResetMFA.self])

    struct ResetMFA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-mfa",
            abstract: "Remove every authenticator app and recovery code of a user (exit 1 if there is no such user).")

        @OptionGroup var config: ConfigFileOption

        @Argument(help: "The username.")
        var username: String

        func run() throws {
            let config = try config.load(forServe: false)
            let pool = try CommandDatabase.openAdminPool(config, command: "users reset-mfa", migrate: true)
            defer { pool.close() }
            do {
                let store = sealedAuthenticatorStore(pool: pool, sealer: try config.secretSealer())
                let accounts = AdminAccounts(users: PostgresUserStore(pool: pool), events: PostgresEventStore(pool: pool))
                let (user, removed) = try accounts.resetMFA(username: username, authenticators: store)
                print("reset \(user.username): \(removed) authenticators and recovery codes removed")
            } catch {
                printError("users reset-mfa: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every user: username, email, active, superuser (tab-separated, one per line).")

        @OptionGroup var config: ConfigFileOption

        func run() throws {
            let config = try config.load(forServe: false)
            let pool = try CommandDatabase.openAdminPool(config, command: "users list", migrate: false)
            defer { pool.close() }
            do {
                for user in try PostgresUserStore(pool: pool).allUsers() { print(AdminAccounts.listLine(user)) }
            } catch {
                printError("users list: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate a user and end all their sessions at once (exit 1 if there is no such user).")

        @OptionGroup var config: ConfigFileOption

        @Argument(help: "The username.")
        var username: String

        func run() throws {
            let config = try config.load(forServe: false)
            let pool = try CommandDatabase.openAdminPool(config, command: "users deactivate", migrate: true)
            defer { pool.close() }
            // With Redis configured, go through the session cache so every node's cached
            // sessions of this user are void at once (not only after the cache entry ages out).
            var users: any UserStore = PostgresUserStore(pool: pool)
            if let redisURL = config.redisURL {
                let logger = Logger(label: "gatehouse.users")
                let client = RedisClient(configuration: redisURL.redisConfiguration(), logger: logger)
                users = CachedUserStore(base: users, cache: SessionCache(client: client, logger: logger))
            }
            let accounts = AdminAccounts(users: users, events: PostgresEventStore(pool: pool))
            do {
                let user = try accounts.deactivate(username: username)
                print("deactivated \(user.username); their sessions have ended")
            } catch {
                printError("users deactivate: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "Master key for stored secrets: generate, rotate (see Docs/operating.md).",
        subcommands: [GenerateKey.self, RotateMasterKey.self])

    struct GenerateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate-key",
            abstract: "Print a fresh random 32-byte key as 64 hex characters (for GATEHOUSE_SECRET_KEY).")

        func run() {
            print(SecretKey.generate().hexEncoded)
        }
    }

    struct RotateMasterKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-master-key",
            abstract: "Reseal every stored secret under GATEHOUSE_SECRET_KEY (opening old ones with GATEHOUSE_SECRET_KEY_PREVIOUS).",
            discussion: """
                Prints the counts resealed, already current and failed. A value that cannot be opened \
                (unknown key, altered) is left untouched and listed on stderr by location; the exit status \
                is then 1. Safe to re-run; safe while the server runs (rows are locked per batch).
                """)

        @OptionGroup var config: ConfigFileOption

        @Flag(help: "Only count; write nothing.")
        var dryRun = false

        @Option(help: "Rows per transaction.")
        var batchSize = 100

        func run() throws {
            let config = try config.load(forServe: false)
            let sealer: SecretSealer
            do { sealer = try config.secretSealer() } catch {
                printError(error.description)
                throw ExitCode(1)
            }
            if config.secretKeyPrevious.isEmpty {
                printError("warning: \(ConfigKey.secretKeyPrevious) is not set: values sealed under an earlier key will be reported as failed")
            }
            let pool = try CommandDatabase.openAdminPool(config, command: "secrets rotate-master-key", migrate: !dryRun)
            defer { pool.close() }
            let report: MasterKeyRotation.Report
            do {
                report = try MasterKeyRotation(store: PostgresSealedValueStore(pool: pool), sealer: sealer, batchSize: batchSize)
                    .run(dryRun: dryRun)
            } catch {
                printError("secrets rotate-master-key: \(error)")
                throw ExitCode(1)
            }
            report.failures.forEach { printError("failed: \($0)") }
            let verb = dryRun ? "would reseal" : "resealed"
            print("current key \(sealer.currentKeyID): \(verb) \(report.resealed), already current \(report.alreadyCurrent), failed \(report.failed)\(dryRun ? " (dry run, nothing written)" : "")")
            if report.failed > 0 { throw ExitCode(1) }
        }
    }
}
