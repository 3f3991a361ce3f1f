import HTTP

/// Counts requests by route pattern, method and status, and times them by route.
/// Labels never hold a raw path: unmatched requests are `unmatched`.
public struct MetricsMiddleware: Middleware {
    public static let requestsTotal = "gatehouse_http_requests_total"
    public static let requestDuration = "gatehouse_http_request_duration_seconds"
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    let metrics: Metrics

    public init(metrics: Metrics) {
        self.metrics = metrics
        metrics.registerCounter(Self.requestsTotal, help: "HTTP requests by route pattern, method and status.")
        metrics.registerHistogram(Self.requestDuration, help: "HTTP request duration in seconds by route pattern.")
    }

    public func handle(_ request: Request, next: Handler) throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let route = request.route ?? "unmatched"
            let method = Self.knownMethods.contains(request.method.rawValue) ? request.method.rawValue : "other"
            let routeLabel = Metrics.LabelSet.Pair(name: "route", value: route)
            metrics.increment(Self.requestsTotal, key: Metrics.LabelSet(sorted: [
                Metrics.LabelSet.Pair(name: "method", value: method), routeLabel,
                Metrics.LabelSet.Pair(name: "status", value: String(status)),
            ]))
            metrics.observe(Self.requestDuration, key: Metrics.LabelSet(sorted: [routeLabel]), seconds)
        }
        let response = try next(request)
        status = response.status.code
        return response
    }
}
