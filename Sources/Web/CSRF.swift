import Crypto
import HTTP

/// Double-submit CSRF protection bound to a server key.
///
/// Each browser gets a random secret in the HttpOnly `gatehouse_csrf` cookie. Forms carry
/// `base64url(HMAC-SHA256(serverKey, secret))`, which an attacker on another site can
/// neither read nor compute. Route groups that serve HTML forms opt in with
/// `CSRFMiddleware`; API groups authenticated by bearer tokens or client secrets do not.
public enum CSRF {
    public static let cookieName = "gatehouse_csrf"
    /// Under an https external URL: the `__Host-` prefix makes browsers refuse the cookie
    /// unless it is Secure, host-only and Path=/, so a sibling subdomain or a plain-http
    /// man-in-the-middle cannot plant a secret of its own.
    public static let secureCookieName = "__Host-gatehouse_csrf"

    /// The cookie name for a deployment, chosen by its external URL's scheme.
    static func cookieName(for context: WebContext) -> String {
        context.external.scheme == "https" ? secureCookieName : cookieName
    }
    public static let formField = "csrf_token"
    public static let headerName = "X-CSRF-Token"

    /// The form token for `secret`.
    public static func token(secret: String, key: [UInt8]) -> String {
        Base64URL.encode(HMAC.sha256(key: key, message: Array(secret.utf8)))
    }

    /// Secrets are 32 random bytes, base64url.
    static func isValidSecret(_ s: String) -> Bool {
        s.utf8.count == 43 && Base64URL.decode(s)?.count == 32
    }

    static func isSafe(_ method: HTTPMethod) -> Bool {
        method == .get || method == .head || method == .options || method == .trace
    }
}

extension Request {
    /// The CSRF token to embed in forms (hidden field `csrf_token`). If the browser has no
    /// secret yet, one is minted and set as a cookie on this response.
    public var csrfToken: String {
        let secret: String
        if let existing = cookies[CSRF.cookieName(for: context)], CSRF.isValidSecret(existing) {
            secret = existing
        } else if let minted = newCSRFSecret {
            secret = minted
        } else {
            secret = SecureRandom.token(byteCount: 32)
            newCSRFSecret = secret
        }
        return CSRF.token(secret: secret, key: context.config.serverKey)
    }
}

/// Rejects unsafe requests (POST, PUT, PATCH, DELETE…) without a valid CSRF token, and any
/// whose `Origin` is present but is not our external origin. Failure is a 403.
public struct CSRFMiddleware: Middleware {
    public init() {}

    public func handle(_ request: Request, next: Handler) throws -> Response {
        guard !CSRF.isSafe(request.method) else { return try next(request) }
        if let origin = request.headers["Origin"] {
            guard origin.trimmingOWS().lowercased() == request.context.externalOrigin else { throw WebError.csrfFailed }
        }
        guard let secret = request.cookies[CSRF.cookieName(for: request.context)], CSRF.isValidSecret(secret) else {
            throw WebError.csrfFailed
        }
        var sent = request.headers[CSRF.headerName]
        if sent == nil, request.mediaType == "application/x-www-form-urlencoded" {
            sent = try request.form()[CSRF.formField]
        }
        guard let sent else { throw WebError.csrfFailed }
        let expected = CSRF.token(secret: secret, key: request.context.config.serverKey)
        guard constantTimeEquals(Array(sent.utf8), Array(expected.utf8)) else { throw WebError.csrfFailed }
        return try next(request)
    }
}
