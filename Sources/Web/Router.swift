import HTTP
import Synchronization

/// Maps method + path to a handler. Routes are usually added at startup but may be added
/// at any time; lookups take a snapshot under a lock.
///
/// - Path matches but the method does not: 405 with `Allow`.
/// - HEAD is served by the GET route unless a HEAD route exists (the server drops the body).
/// - GET/HEAD for `/x` when only `/x/` exists: 308 to `/x/` (authentik's URLs end in `/`).
public final class Router: Sendable {
    struct Route: Sendable {
        let method: HTTPMethod
        let pattern: RoutePattern
        /// The handler already wrapped in its group's middleware.
        let handler: Handler
    }

    private let routes = ReadWriteLock<[Route]>([])

    public init() {}

    /// Adds a route; `middleware` runs around `handler` (outermost first).
    public func add(_ method: HTTPMethod, _ path: String, middleware: [any Middleware] = [], _ handler: @escaping Handler) {
        let pattern = RoutePattern(path)
        let route = Route(method: method, pattern: pattern, handler: middleware.wrapping(handler))
        routes.write { list in
            precondition(!list.contains { $0.method == method && $0.pattern == pattern },
                         "route registered twice: \(method) \(path)")
            list.append(route)
        }
    }

    /// Every registered (method, pattern), for diagnostics.
    public var registeredRoutes: [(method: HTTPMethod, pattern: String)] {
        routes.read { $0.map { ($0.method, $0.pattern.text) } }
    }

    static let methodOrder: [HTTPMethod] = [.get, .head, .post, .put, .patch, .delete, .options]

    /// Finds and runs the handler. Sets `request.route` and `request.pathParameters`.
    public func dispatch(_ request: Request) throws -> Response {
        let snapshot = routes.read { $0 }
        let segments = RoutePattern.split(request.path)
        let matches = Router.matching(snapshot, segments)

        let wanted = request.method
        var chosen = matches.first { $0.route.method == wanted }
        if chosen == nil && wanted == .head {
            chosen = matches.first { $0.route.method == .get }
        }
        if let chosen {
            request.route = chosen.route.pattern.text
            request.pathParameters = chosen.params
            return try chosen.route.handler(request)
        }
        if let first = matches.first {
            request.route = first.route.pattern.text
            var allowed = Set(matches.map(\.route.method))
            if allowed.contains(.get) { allowed.insert(.head) }
            let ordered = Router.methodOrder.filter(allowed.contains)
                + allowed.filter { !Router.methodOrder.contains($0) }.sorted { $0.rawValue < $1.rawValue }
            throw WebError.methodNotAllowed(ordered)
        }
        // The slashed form exists: redirect there, keeping the query. Never for a path that
        // starts with `//` or `/\`, which a browser would read as another host.
        if (wanted == .get || wanted == .head), !request.rawPath.hasSuffix("/"),
           !request.rawPath.hasPrefix("//"), !request.rawPath.hasPrefix("/\\") {
            let slashed = RoutePattern.split(request.path + "/")
            if Router.matching(snapshot, slashed).contains(where: { $0.route.method == .get }) {
                let target = request.rawPath + "/" + (request.rawQuery.map { "?" + $0 } ?? "")
                return Response.redirect(to: target, status: HTTPStatus(308))
            }
        }
        throw WebError.notFound
    }

    /// Matching routes, most specific pattern first (registration order breaks ties).
    private static func matching(_ routes: [Route], _ segments: [Substring]) -> [(route: Route, params: [String: String])] {
        var found: [(route: Route, params: [String: String])] = []
        for route in routes {
            if let params = route.pattern.match(segments) { found.append((route, params)) }
        }
        // Stable insertion sort keeps registration order among equals.
        var sorted: [(route: Route, params: [String: String])] = []
        for item in found {
            let index = sorted.firstIndex { item.route.pattern.isMoreSpecific(than: $0.route.pattern) } ?? sorted.count
            sorted.insert(item, at: index)
        }
        return sorted
    }
}
