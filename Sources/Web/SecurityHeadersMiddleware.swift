/// Headers every response gets. A handler that sets its own `Content-Security-Policy`
/// (e.g. a SAML POST-binding page) keeps it; HSTS is sent only over https.
public struct SecurityHeadersMiddleware: Middleware {
    public static let defaultPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
    public let contentSecurityPolicy: String

    public init(contentSecurityPolicy: String = SecurityHeadersMiddleware.defaultPolicy) {
        self.contentSecurityPolicy = contentSecurityPolicy
    }

    public func handle(_ request: Request, next: Handler) throws -> Response {
        var response = try next(request)
        response.headers.setIfAbsent("Content-Security-Policy", contentSecurityPolicy)
        response.headers.setIfAbsent("X-Frame-Options", "DENY")
        response.headers.set("X-Content-Type-Options", "nosniff")
        response.headers.setIfAbsent("Referrer-Policy", "same-origin")
        // Pages of an identity provider carry tokens and personal data: not for shared caches.
        response.headers.setIfAbsent("Cache-Control", "no-store")
        if request.isHTTPS {
            response.headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        }
        return response
    }
}
