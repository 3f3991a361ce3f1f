import Postgres

/// Connects and runs `SELECT 1` (`PGHealthCheck`), within `timeout` seconds for each step (default 2).
public struct PostgresProbe: DependencyProbe {
    public let name = "postgres"
    public let url: DatabaseURL
    public let timeout: Double

    public init(url: DatabaseURL, timeout: Double = 2) {
        self.url = url
        self.timeout = timeout
    }

    public func check() -> ProbeResult {
        do {
            try PGHealthCheck.check(url: url.unredactedURL, timeout: timeout)
            return .ok
        } catch {
            return .failed(reason: error.description)
        }
    }
}
