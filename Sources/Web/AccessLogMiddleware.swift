import Logging

/// One log entry per request: method, route pattern, path, status, duration, client IP and
/// request id. The path is logged without its query string (queries carry authorization
/// codes and tokens); headers, cookies and bodies are never logged.
public struct AccessLogMiddleware: Middleware {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func handle(_ request: Request, next: Handler) throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try next(request)
            log(request, status: response.status.code, start: start)
            return response
        } catch {
            log(request, status: 500, start: start)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.info("request", metadata: [
            "method": "\(request.method.rawValue)",
            "route": "\(request.route ?? "unmatched")",
            "path": "\(request.rawPath)",
            "status": "\(status)",
            "duration_ms": "\((ms * 1000).rounded() / 1000)",
            "client_ip": "\(request.clientIP)",
            "request_id": "\(request.requestID)",
        ])
    }
}
