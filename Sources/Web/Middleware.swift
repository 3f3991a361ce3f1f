import HTTP

/// A route handler. Handlers are synchronous: they run on the connection's serial queue and
/// may block (database calls). Thrown errors are mapped to responses by `ErrorMiddleware`.
public typealias Handler = @Sendable (Request) throws -> Response

/// Code that wraps handlers: it may inspect or change the request, answer by itself, or
/// call `next` and adjust the response.
public protocol Middleware: Sendable {
    func handle(_ request: Request, next: Handler) throws -> Response
}

extension Array where Element == any Middleware {
    /// Wraps `handler` so that the first middleware in the array runs first (outermost).
    func wrapping(_ handler: @escaping Handler) -> Handler {
        var next = handler
        for middleware in reversed() {
            let inner = next
            next = { request in try middleware.handle(request, next: inner) }
        }
        return next
    }
}

/// A middleware made from a closure, for small one-off needs and tests.
public struct ClosureMiddleware: Middleware {
    private let body: @Sendable (Request, Handler) throws -> Response
    public init(_ body: @escaping @Sendable (Request, Handler) throws -> Response) { self.body = body }
    public func handle(_ request: Request, next: Handler) throws -> Response { try body(request, next) }
}
