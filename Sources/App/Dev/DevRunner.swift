#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Logging
import Net
import Postgres

/// `gatehouse dev` and `gatehouse dev services`.
public enum DevRunner {
    /// The whole development set-up: private PostgreSQL and Redis where none is configured, a
    /// persisted secret key, migrations, then the server in-process. Returns the exit status.
    public static func run(environment: [String: String], configFile: String?, dataDirectory: String) -> Int32 {
        var config: GatehouseConfig
        do {
            config = try GatehouseConfig.load(environment: environment, configFile: configFile)
        } catch {
            printError(error.description)
            return 1
        }
        // A person is watching: readable logs unless the format was chosen explicitly.
        if !config.explicitKeys.contains(ConfigKey.logFormat) { config.logFormat = .text }
        // A development server holds a demo login: keep it on this machine unless told otherwise.
        if !config.explicitKeys.contains(ConfigKey.listen) {
            config.listen = [ListenAddress(host: "127.0.0.1", port: 9000)]
        }
        let logger = GatehouseLogging.logger(for: config, label: "gatehouse.dev")
        config.warnings.forEach { logger.warning("\($0)") }
        ShutdownSignals.shared.install()

        let services: DevServices
        let endpoints: DevServices.Endpoints
        do {
            services = try DevServices(dataDirectory: dataDirectory, startPostgres: config.databaseURL == nil,
                                       startRedis: config.redisURL == nil, logger: logger)
            logger.info("data folder \(services.dataDirectory)")
            endpoints = try services.start()
        } catch {
            logger.critical("\(error.message)")
            return 1
        }
        defer { services.stop() }
        if ShutdownSignals.shared.received != nil { return 0 }

        if let url = endpoints.databaseURL { config.databaseURL = url }
        if let url = endpoints.redisURL { config.redisURL = url }
        if config.secretKey == nil { config.secretKey = endpoints.secretKey }
        logger.info("services ready", metadata: [
            "database": "\(config.databaseURL?.description ?? "-")", "redis": "\(config.redisURL?.description ?? "-")",
        ])
        do {
            try config.validateForServe()
            try MigrationRunner.apply(url: config.databaseURL!, logger: logger)
        } catch {
            logger.critical("\(error)")
            return 1
        }
        if ShutdownSignals.shared.received != nil { return 0 }
        let demo: DemoLogins?
        do {
            demo = try applyDevBlueprints(config: config, environment: environment, folder: services.dataDirectory, logger: logger)
        } catch {
            logger.critical("\(error)")
            return 1
        }
        logger.info("starting gatehouse", metadata: ["external_url": "\(config.externalURL)"])
        let status: Int32
        do {
            let url = config.externalURL
            let folder = services.dataDirectory
            status = try ServerRunner.run(config: config, logger: Logger(label: "gatehouse")) {
                print("""

                  Gatehouse is running: \(url)/
                  Health: \(url)/-/health/ready/   Metrics: \(url)/-/metrics/
                  Data: \(folder)   Stop: Ctrl-C
                \(demo.map { "\n" + $0.banner } ?? "")
                """)
                fflush(nil)
            }
        } catch {
            logger.critical("server failed: \(error)")
            return 1
        }
        return ShutdownSignals.shared.received != nil ? 0 : status
    }

    /// Who the demo blueprint set up, for the banner.
    struct DemoLogins {
        let usernames: [String]
        /// Where the password is: the file it was generated into, or the variable that set it.
        let passwordSource: String
        /// The generated password, shown once in the banner of this local development server
        /// (it is also in the 0600 file); nil when the operator supplied it.
        let generatedPassword: String?
        let signInURL: String
        /// The superuser in Blueprints/demo/demo.yaml.
        static let administrator = "anan"

        var banner: String {
            """
              Sign in: \(signInURL)
              Demo users (Blueprints/demo): \(usernames.joined(separator: ", ")); administrator: \(DemoLogins.administrator)
              Password (all demo users): \(generatedPassword.map { "\($0)   (" + passwordSource + ")" } ?? passwordSource)

            """
        }
    }

    /// `GATEHOUSE_BLUEPRINTS_DIR` when set; otherwise `Blueprints/demo/` (relative to the working
    /// directory) if it exists, with `GATEHOUSE_DEMO_PASSWORD` generated once into the data
    /// folder (`demo-password`, mode 0600) unless it is set. Returns the demo logins when the
    /// demo was applied.
    static func applyDevBlueprints(config: GatehouseConfig, environment: [String: String], folder: String,
                                   logger: Logger) throws(DevError) -> DemoLogins? {
        let failure = { (error: BlueprintApplyFailure) -> DevError in
            DevError((error.lines + ["blueprint \(error.file) rejected; nothing was applied, not starting"]).joined(separator: "\n"))
        }
        if let directory = config.blueprintsDirectory {
            do {
                try BlueprintStartup.apply(directory: directory, databaseURL: config.databaseURL!, environment: environment,
                                           sealer: try? config.secretSealer(), logger: logger)
            } catch { throw failure(error) }
            return nil
        }
        let demoDirectory = "Blueprints/demo"
        guard fileKind(demoDirectory) == .directory else { return nil }
        var environment = environment
        let passwordSource: String
        var generated: String?
        if let given = environment[demoPasswordVariable], !given.isEmpty {
            passwordSource = "from \(demoPasswordVariable)"
        } else {
            let file = folder + "/demo-password"
            var password = (try? readTextFile(file))?.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
            if password.isEmpty {
                password = SecureRandom.token(byteCount: 12)
                try writeFile(file, contents: password + "\n", mode: 0o600)
                logger.info("generated a demo password", metadata: ["file": "\(file)"])
            }
            environment[demoPasswordVariable] = password
            passwordSource = "in \(file)"
            generated = password
        }
        let results: [BlueprintApplyResult]
        do {
            results = try BlueprintStartup.apply(directory: demoDirectory, databaseURL: config.databaseURL!,
                                                 environment: environment, sealer: try? config.secretSealer(), logger: logger)
        } catch { throw failure(error) }
        return DemoLogins(usernames: results.flatMap(\.usernames), passwordSource: passwordSource,
                          generatedPassword: generated,
                          signInURL: config.externalURL + "/if/flow/\(config.authenticationFlow)/")
    }

    static let demoPasswordVariable = "GATEHOUSE_DEMO_PASSWORD"

    /// Only PostgreSQL and Redis: writes `GATEHOUSE_DATABASE_URL`, `GATEHOUSE_REDIS_URL` and
    /// `GATEHOUSE_SECRET_KEY` lines to `envFile` once both answer, then waits for SIGINT/SIGTERM
    /// and stops both.
    public static func runServices(dataDirectory: String, envFile: String, logFormat: GatehouseConfig.LogFormat = .text) -> Int32 {
        GatehouseLogging.bootstrap(level: .info, format: logFormat)
        let logger = Logger(label: "gatehouse.dev")
        ShutdownSignals.shared.install()
        let services: DevServices
        let endpoints: DevServices.Endpoints
        do {
            services = try DevServices(dataDirectory: dataDirectory, logger: logger)
            endpoints = try services.start()
        } catch {
            logger.critical("\(error.message)")
            return 1
        }
        defer { services.stop() }
        let lines = [
            "GATEHOUSE_DATABASE_URL=\(endpoints.databaseURL!.unredactedURL)",
            "GATEHOUSE_REDIS_URL=\(endpoints.redisURL!.unredactedURL)",
            "GATEHOUSE_SECRET_KEY=\(endpoints.secretKey.hexEncoded)",
        ]
        do {
            try writeFile(envFile, contents: lines.joined(separator: "\n") + "\n", mode: 0o600)
        } catch {
            logger.critical("\(error.message)")
            return 1
        }
        logger.info("services ready; stop with Ctrl-C or SIGTERM", metadata: [
            "env_file": "\(envFile)", "database": "\(endpoints.databaseURL!)", "redis": "\(endpoints.redisURL!)",
        ])
        while ShutdownSignals.shared.wait(timeout: 1) == nil {
            if services.serviceFailed {
                logger.critical("redis-server exited unexpectedly; stopping")
                return 1
            }
        }
        logger.info("shutting down")
        return 0
    }
}

/// Applies migrations with a log line per step; shared by `serve`, `migrate` and `dev`.
public enum MigrationRunner {
    @discardableResult
    public static func apply(url: DatabaseURL, logger: Logger) throws -> [Migration] {
        let (applied, status) = try Migrator().migrate(url: url.unredactedURL) { migration in
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        }
        logger.info(applied.isEmpty ? "database schema is up to date" : "migrations applied",
                    metadata: ["schema_version": "\(status.databaseVersion)", "applied": "\(applied.count)"])
        return applied
    }
}

/// One line on stderr, for errors before logging is set up.
public func printError(_ line: String) {
    LogSink.standardError.emit(line)
}
