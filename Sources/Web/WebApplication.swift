import HTTP
import Logging

/// The whole web layer behind one `HTTPResponder`.
///
///     let app = try WebApplication(config: config)
///     app.mount(OIDCRoutes(...))                           // on the root group
///     app.root.grouped("/if", middleware: [CSRFMiddleware()]).register(PortalRoutes())
///     app.metrics.registerGauge("gatehouse_open_connections", help: "…") { Double(server.openConnections) }
///     let server = HTTPServer(responder: app.responder)
///
/// Every request passes, outermost first: request id, access log, metrics, security
/// headers, any extra global middleware, error mapping, then the router (and the matched
/// group's middleware). The responder never throws.
public final class WebApplication: Sendable {
    public let context: WebContext
    public let router: Router
    public var metrics: Metrics { context.metrics }
    public var config: WebConfig { context.config }
    /// Routes with no middleware of their own (APIs with bearer/client auth, protocol endpoints).
    public let root: RouteGroup
    /// Routes for HTML forms: CSRF-checked on unsafe methods.
    public let forms: RouteGroup
    private let pipeline: Handler

    /// `landing` replaces the built-in page at `/` (App's shows who is signed in; it can
    /// reuse `BuiltInRoutes`' text through `LandingPage.intro`).
    public init(config: WebConfig, messages: MessageCatalog = .web, globalMiddleware: [any Middleware] = [],
                landing: Handler? = nil) throws(WebConfigError) {
        let metrics = Metrics()
        let context = try WebContext(config: config, messages: messages, metrics: metrics)
        let router = Router()
        self.context = context
        self.router = router
        root = RouteGroup(router: router)
        forms = RouteGroup(router: router, middleware: [CSRFMiddleware()])

        var csp = SecurityHeadersMiddleware.defaultPolicy
        if let logoOrigin = config.branding.externalLogoOrigin {
            csp += "; img-src 'self' \(logoOrigin)"
        }
        let chain: [any Middleware] = [
            RequestIDMiddleware(),
            AccessLogMiddleware(logger: config.logger),
            MetricsMiddleware(metrics: metrics),
            SecurityHeadersMiddleware(contentSecurityPolicy: csp),
        ] + globalMiddleware + [ErrorMiddleware(logger: config.logger)]
        pipeline = chain.wrapping { request in
            if let invalid = request.invalid { throw invalid }
            return try router.dispatch(request)
        }

        BuiltInRoutes(formGroup: forms, landing: landing).register(on: root)
        if config.exposeMetrics { root.get("/-/metrics/", BuiltInRoutes.metrics) }
    }

    /// Registers a room's routes on the root group.
    public func mount(_ collection: some RouteCollection) { collection.register(on: root) }

    /// A group under `prefix` with its own middleware (add `CSRFMiddleware()` for HTML forms).
    public func group(_ prefix: String, middleware: [any Middleware] = []) -> RouteGroup {
        root.grouped(prefix, middleware: middleware)
    }

    /// What the HTTP server calls for each request.
    public var responder: HTTPResponder {
        { [self] request, connection in self.respond(request, connection) }
    }

    public func respond(_ http: HTTPRequest, _ connection: ConnectionInfo) -> HTTPResponse {
        let request = Request(http: http, connection: connection, context: context)
        var response: Response
        do {
            response = try pipeline(request)
        } catch {
            // Only reachable if a global middleware throws after error mapping; still no internals.
            context.logger.error("error escaped the middleware chain", metadata: ["request_id": "\(request.requestID)"])
            response = .text("Internal Server Error", status: .internalServerError)
        }
        if let secret = request.newCSRFSecret {
            // Secure follows the external URL, not this hop: behind a TLS-terminating proxy the
            // request may look like plain http while the browser is on https.
            let secure = context.external.scheme == "https"
            response.setCookie(SetCookie(name: CSRF.cookieName(for: context), value: secret, secure: secure ? true : nil))
        }
        return response.httpResponse(requestIsHTTPS: request.isHTTPS)
    }
}
