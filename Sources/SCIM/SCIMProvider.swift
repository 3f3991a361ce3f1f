import HTTP
public import Store
public import Web

/// The SCIM 2.0 service provider (RFC 7643/7644) of every SCIM source, under
/// `/source/scim/<slug>/v2/` (authentik's layout). It reaches the accounts and groups only
/// through `store`, so it runs in-process on any `ProvisioningStore`.
public struct SCIMProvider: Sendable {
    public static let prefix = "/source/scim"

    let directory: SCIMDirectory

    /// `log` gets store failures (the client sees a bare 500); `userDeactivated` runs after a
    /// deactivation or delete has committed, to void the user's cached sessions on every node.
    public init(store: any ProvisioningStore,
                log: @escaping @Sendable (_ message: String, _ metadata: [String: String]) -> Void = { _, _ in },
                userDeactivated: @escaping @Sendable (UserID) -> Void = { _ in }) {
        directory = SCIMDirectory(store: store, log: log, userDeactivated: userDeactivated)
    }

    /// Mounts the endpoints on `root`: bearer tokens, no cookies, so no CSRF group. One
    /// catch-all route per method (see `SCIMRoutes`).
    public func register(root: RouteGroup) {
        let routes = SCIMRoutes(directory: directory)
        let group = root.grouped(Self.prefix)
        for method in [HTTPMethod.get, .post, .put, .patch, .delete] {
            group.on(method, "/:slug/v2/*rest") { request in routes.respond(request) }
        }
    }
}
