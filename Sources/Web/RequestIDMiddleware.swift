import Crypto

/// Gives every request an id, echoed in `X-Request-Id` and written to logs and error pages.
/// An incoming `X-Request-Id` is kept only from a trusted proxy, and only if it is at most
/// 64 characters of `[A-Za-z0-9._-]`; otherwise a new random id is made.
public struct RequestIDMiddleware: Middleware {
    public static let headerName = "X-Request-Id"

    public init() {}

    public func handle(_ request: Request, next: Handler) throws -> Response {
        if request.peerIsTrustedProxy, let incoming = request.headers[Self.headerName], Self.isValid(incoming) {
            request.requestID = incoming
        } else {
            request.requestID = SecureRandom.token(byteCount: 16)
        }
        var response = try next(request)
        response.headers.set(Self.headerName, request.requestID)
        return response
    }

    static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) ||
                b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
