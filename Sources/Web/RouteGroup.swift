import HTTP

/// A path prefix with its own middleware. Each protocol room registers its routes on a
/// group, so it can add (say) CSRF checks to its HTML forms and bearer auth to its API
/// without touching anyone else's routes.
public struct RouteGroup: Sendable {
    public let router: Router
    /// e.g. `/application/o` (no trailing slash; empty for the root).
    public let prefix: String
    public let middleware: [any Middleware]

    public init(router: Router, prefix: String = "", middleware: [any Middleware] = []) {
        self.router = router
        self.prefix = RouteGroup.normalizedPrefix(prefix)
        self.middleware = middleware
    }

    /// A sub-group: longer prefix, this group's middleware followed by `middleware`.
    public func grouped(_ prefix: String = "", middleware more: [any Middleware] = []) -> RouteGroup {
        RouteGroup(router: router, prefix: self.prefix + RouteGroup.normalizedPrefix(prefix), middleware: middleware + more)
    }

    public func grouped(_ more: any Middleware...) -> RouteGroup { grouped("", middleware: more) }

    public func on(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        router.add(method, fullPath(path), middleware: middleware, handler)
    }

    public func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    public func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
    public func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
    public func patch(_ path: String, _ handler: @escaping Handler) { on(.patch, path, handler) }
    public func delete(_ path: String, _ handler: @escaping Handler) { on(.delete, path, handler) }
    public func options(_ path: String, _ handler: @escaping Handler) { on(.options, path, handler) }

    /// Lets a collection add its routes here.
    public func register(_ collection: some RouteCollection) { collection.register(on: self) }

    func fullPath(_ path: String) -> String {
        if path.isEmpty { return prefix.isEmpty ? "/" : prefix }
        return prefix + (path.hasPrefix("/") ? path : "/" + path)
    }

    static func normalizedPrefix(_ p: String) -> String {
        var s = Substring(p)
        while s.hasSuffix("/") { s = s.dropLast() }
        if s.isEmpty { return "" }
        return s.hasPrefix("/") ? String(s) : "/" + s
    }
}

/// A set of routes a room contributes, e.g. `OIDCRoutes`, `SCIMRoutes`.
public protocol RouteCollection {
    func register(on group: RouteGroup)
}
