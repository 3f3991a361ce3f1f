import HTTP
import Logging
import Web

/// `/-/health/live/` (the process answers) and `/-/health/ready/` (its dependencies answer).
///
/// Readiness: PostgreSQL is the store of record, so without it we are not ready (503).
/// Redis is only a cache: without it we still serve, and say "degraded" with a 200 so a
/// load balancer keeps sending traffic.
struct HealthRoutes: RouteCollection {
    let readiness: Readiness
    let logger: Logger
    private let lastStatus = Locked("ready")
    /// Probes whose failure only degrades service.
    let optional: Set<String> = ["redis"]

    func register(on group: RouteGroup) {
        group.get("/-/health/live/") { _ in
            Response(status: .ok, headers: ["Content-Type": "application/json"], body: Array(#"{"status":"ok"}"#.utf8))
        }
        group.get("/-/health/ready/") { _ in
            let results = readiness.check()
            let down = results.filter { !$0.result.isOK }
            let fatal = down.contains { !optional.contains($0.name) }
            let status = fatal ? "unavailable" : (down.isEmpty ? "ready" : "degraded")
            var checks: [String: String] = [:]
            for r in results { checks[r.name] = r.result.isOK ? "ok" : "failed" }
            // Failure reasons go to the log (once per change), not to anonymous callers.
            let changed = lastStatus.withLock { last -> Bool in
                defer { last = status }
                return last != status
            }
            if changed {
                let reasons = down.map { "\($0.name): \($0.result)" }.joined(separator: "; ")
                logger.warning("readiness changed", metadata: ["status": "\(status)", "failures": "\(reasons)"])
            }
            return try Response.json(ReadyBody(status: status, checks: checks), status: fatal ? .serviceUnavailable : .ok)
        }
    }

    private struct ReadyBody: Encodable {
        let status: String
        let checks: [String: String]
    }
}
