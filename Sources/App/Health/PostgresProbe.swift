import Postgres

/// Connects and runs `SELECT 1`, within `timeout` seconds for each step (default 2).
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
            let connection = try PGConnection(url: url.unredactedURL, connectTimeout: Int(timeout.rounded(.up)),
                                              applicationName: "gatehouse-probe")
            defer { connection.close() }
            try connection.ping(timeout: timeout)
            return .ok
        } catch {
            return .failed(reason: error.description)
        }
    }
}
