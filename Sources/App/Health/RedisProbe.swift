import Redis

/// Connects (AUTH and SELECT as the URL says) and sends PING, within `timeout` seconds (default 2).
/// A fresh connection each time, outside any client's circuit breaker: readiness wants to know
/// about Redis now, and `CachedProbe` already limits it to one check per second.
public struct RedisProbe: DependencyProbe {
    public let name = "redis"
    public let url: RedisURL
    public let timeout: Double

    public init(url: RedisURL, timeout: Double = 2) {
        self.url = url
        self.timeout = timeout
    }

    public func check() -> ProbeResult {
        do {
            let connection = try RedisConnection(configuration: url.redisConfiguration(connectTimeout: timeout, commandTimeout: timeout))
            defer { connection.close() }
            switch try connection.command(["PING"]) {
            case .status("PONG"): return .ok
            case .error(let message): return .failed(reason: "PING refused: \(message)")
            case let other: return .failed(reason: "unexpected PING reply \(other)")
            }
        } catch {
            return .failed(reason: error.message)
        }
    }
}
