import Logging

/// Runs the HTTP server (and later the LDAP listener) until the process is asked to stop.
///
/// Contract for the implementation that replaces this body:
/// - `config` has passed `validateForServe()` and migrations have been applied.
/// - Return when `ShutdownSignals.shared` fires (SIGINT/SIGTERM), after draining connections;
///   call `ShutdownSignals.shared.install()` (idempotent — `gatehouse dev` has already done it)
///   and register with `onShutdown`. `gatehouse dev` stops PostgreSQL and Redis after this returns.
/// - The return value is the process exit status (0 after a requested shutdown).
public enum ServerRunner {
    public static func run(config: GatehouseConfig, logger: Logger) throws -> Int32 {
        logger.error("server not wired yet", metadata: ["listen": "\(config.listen.map(\.description).joined(separator: ","))"])
        return 1
    }
}
