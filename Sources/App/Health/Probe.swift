#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of one dependency check.
public enum ProbeResult: Sendable, Equatable, CustomStringConvertible {
    case ok
    /// `reason` is one line and never contains a password.
    case failed(reason: String)

    public var isOK: Bool { self == .ok }

    public var description: String {
        switch self {
        case .ok: "ok"
        case .failed(let reason): "failed: \(reason)"
        }
    }
}

/// Something readiness depends on. `check()` blocks for at most the probe's timeout.
public protocol DependencyProbe: Sendable {
    var name: String { get }
    func check() -> ProbeResult
}

/// Wraps a probe so that it runs at most once per `ttl` seconds (default 1 s): a readiness
/// endpoint polled by load balancers then opens one connection per second, not one per hit.
/// Callers that arrive while a check runs wait for it and share its result.
public final class CachedProbe: DependencyProbe, Sendable {
    public let probe: any DependencyProbe
    public let ttl: Double
    private let clock: @Sendable () -> Double
    private let state = Locked<(result: ProbeResult, at: Double)?>(nil)

    public init(_ probe: any DependencyProbe, ttl: Double = 1.0, clock: @escaping @Sendable () -> Double = monotonicSeconds) {
        self.probe = probe
        self.ttl = ttl
        self.clock = clock
    }

    public var name: String { probe.name }

    public func check() -> ProbeResult {
        state.withLock { cached in
            if let cached, clock() - cached.at < ttl { return cached.result }
            let result = probe.check()
            cached = (result, clock())
            return result
        }
    }
}

/// The set of probes behind `/-/health/ready/`.
public struct Readiness: Sendable {
    public let probes: [CachedProbe]

    public init(probes: [any DependencyProbe]) {
        self.probes = probes.map { ($0 as? CachedProbe) ?? CachedProbe($0) }
    }

    /// PostgreSQL and (when configured) Redis, each cached for 1 s.
    public init(config: GatehouseConfig) {
        var probes: [any DependencyProbe] = []
        if let database = config.databaseURL { probes.append(PostgresProbe(url: database)) }
        if let redis = config.redisURL { probes.append(RedisProbe(url: redis)) }
        self.init(probes: probes)
    }

    /// Each probe's name and result, in order.
    public func check() -> [(name: String, result: ProbeResult)] {
        probes.map { ($0.name, $0.check()) }
    }
}

/// Seconds on a monotonic clock.
@Sendable public func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
