#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The private PostgreSQL and Redis of `gatehouse dev`, in one data folder.
public final class DevServices {
    public struct Endpoints: Sendable {
        /// nil when PostgreSQL was not started (configured elsewhere).
        public let databaseURL: DatabaseURL?
        public let redisURL: RedisURL?
        public let secretKey: SecretKey
    }

    private let folder: DevFolder
    private let logger: Logger
    private let postgres: PostgresDevServer?
    private let redis: RedisDevServer?

    /// Finds the programs and prepares the folder; starts nothing yet.
    public init(dataDirectory: String, startPostgres: Bool = true, startRedis: Bool = true, logger: Logger) throws(DevError) {
        self.logger = logger
        folder = try DevFolder(path: dataDirectory)
        postgres = startPostgres ? try PostgresDevServer(folder: folder, logger: logger) : nil
        redis = startRedis ? try RedisDevServer(folder: folder, logger: logger) : nil
    }

    public var dataDirectory: String { folder.root }

    /// Starts what was asked for and returns once each answers. On failure, stops what did start.
    public func start() throws(DevError) -> Endpoints {
        let key = try folder.secretKey()
        // If a second Ctrl-C cuts the orderly stop short, still tell both servers to stop:
        // SIGTERM for Redis, SIGINT (fast shutdown) for the postmaster.
        let pidFiles = [(folder.redisPidFile, SIGTERM), (folder.postgresData + "/postmaster.pid", SIGINT)]
        ShutdownSignals.shared.onForcedExit {
            for (file, signal) in pidFiles {
                if let text = try? readTextFile(file), let first = text.split(separator: "\n").first,
                   let pid = pid_t(first.trimmingWhitespace()), pid > 1 {
                    kill(pid, signal)
                }
            }
        }
        do {
            try postgres?.start()
            try redis?.start()
        } catch {
            stop()
            throw error
        }
        let database = postgres.map { try! DatabaseURL(validating: $0.url) }
        return Endpoints(databaseURL: database, redisURL: redis?.url, secretKey: key)
    }

    /// Whether a service child died on its own.
    public var serviceFailed: Bool { redis?.hasExited ?? false }

    /// Stops Redis, then PostgreSQL. Safe to call more than once.
    public func stop() {
        redis?.stop()
        postgres?.stop()
    }
}
