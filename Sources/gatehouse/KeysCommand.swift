import App
import ArgumentParser
import Crypto
import Postgres

/// `gatehouse keys`: the JWT signing keys (see Docs/operating.md, "Signing keys").
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "JWT signing keys: list, rotate.", subcommands: [List.self, Rotate.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every signing key: kid, algorithm, created, rotated (or \"current\"), tab-separated. No key material.")

        @OptionGroup var config: ConfigFileOption

        func run() throws {
            let config = try config.load(forServe: false)
            let pool = try CommandDatabase.openAdminPool(config, command: "keys list", migrate: false)
            defer { pool.close() }
            do {
                for key in try SigningKeyRing.list(store: PostgresSigningKeyStore(pool: pool)) { print(key) }
            } catch {
                printError("keys list: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new current signing key; the old one keeps verifying until its retention ends.",
            discussion: """
                Without --algorithm, rotates both RS256 and ES256. Running servers start signing with the \
                new key within a minute (and verify it at once). Needs GATEHOUSE_SECRET_KEY to seal the new key.
                """)

        @OptionGroup var config: ConfigFileOption

        @Option(help: "RS256 or ES256 (default: both).")
        var algorithm: String?

        func run() throws {
            let algorithms: [JWSAlgorithm]
            if let algorithm {
                guard let chosen = JWSAlgorithm(rawValue: algorithm.uppercased()) else {
                    printError("keys rotate: --algorithm must be RS256 or ES256, not \(algorithm)")
                    throw ExitCode(1)
                }
                algorithms = [chosen]
            } else {
                algorithms = JWSAlgorithm.allCases
            }
            let config = try config.load(forServe: false)
            let sealer: SecretSealer
            do { sealer = try config.secretSealer() } catch {
                printError(error.description)
                throw ExitCode(1)
            }
            let pool = try CommandDatabase.openAdminPool(config, command: "keys rotate", migrate: true)
            defer { pool.close() }
            let ring = SigningKeyRing(store: PostgresSigningKeyStore(pool: pool), sealer: sealer)
            for algorithm in algorithms {
                do {
                    let key = try ring.rotate(algorithm)
                    print("new current \(key.algorithm) key \(key.kid)")
                } catch {
                    printError("keys rotate: \(error)")
                    throw ExitCode(1)
                }
            }
        }
    }
}
