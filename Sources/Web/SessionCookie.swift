
/// The session cookie: `gatehouse_session`, or `__Host-gatehouse_session` (Secure,
/// host-only, Path=/) when the external URL is https. HttpOnly, SameSite=Lax. Its value is
/// the random token; the store knows only SHA-256(token).
public enum SessionCookie {
    public static let name = "gatehouse_session"
    public static let secureName = "__Host-gatehouse_session"

    public static func isSecure(_ request: Request) -> Bool { request.context.externalOrigin.hasPrefix("https:") }

    public static func name(for request: Request) -> String { isSecure(request) ? secureName : name }

    /// Sets `token`; `maxAge` nil makes a browser-session cookie (pre-login sessions).
    public static func set(_ token: String, maxAge: Int?, for request: Request) -> SetCookie {
        SetCookie(name: name(for: request), value: token, maxAge: maxAge, path: "/", httpOnly: true,
                  secure: isSecure(request) ? true : nil, sameSite: .lax)
    }

    public static func clear(for request: Request) -> SetCookie {
        SetCookie(name: name(for: request), value: "", maxAge: 0, path: "/", httpOnly: true,
                  secure: isSecure(request) ? true : nil, sameSite: .lax)
    }

    /// Tokens are 32 random bytes in base64url (43 characters); anything else is not looked up.
    public static func isPlausible(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
        }
    }

    /// The token the request's cookie carries, when it is shaped like one of ours.
    public static func token(in request: Request) -> String? {
        guard let token = request.cookies[name(for: request)], isPlausible(token) else { return nil }
        return token
    }
}
