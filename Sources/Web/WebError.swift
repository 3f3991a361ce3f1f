import HTTP

/// An error that knows how it should look on the wire. Everything that may be shown to a
/// client goes through here; anything else is a logged 500 with a generic body.
public protocol HTTPErrorConvertible: Error {
    var status: HTTPStatus { get }
    /// A short machine-readable code for JSON bodies, e.g. `not_found`.
    var errorCode: String { get }
    /// Text safe to show to the client (no internals), or nil.
    var detail: String? { get }
    /// Extra response headers, e.g. `Allow` or `WWW-Authenticate`.
    var headers: HTTPHeaders { get }
}

extension HTTPErrorConvertible {
    public var detail: String? { nil }
    public var headers: HTTPHeaders { HTTPHeaders() }
    public var errorCode: String {
        switch status.code {
        case 400: return "bad_request"
        case 401: return "unauthorized"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 413: return "content_too_large"
        case 415: return "unsupported_media_type"
        case 429: return "too_many_requests"
        case 500..<600: return "server_error"
        default: return "error"
        }
    }
}

/// The web layer's own errors.
public enum WebError: HTTPErrorConvertible, Equatable, Sendable {
    case badRequest(String)
    case unauthorized
    case forbidden
    case notFound
    case methodNotAllowed([HTTPMethod])
    case contentTooLarge
    case unsupportedMediaType
    case csrfFailed
    case unprocessable(String)
    case tooManyRequests
    case serviceUnavailable

    public var status: HTTPStatus {
        switch self {
        case .badRequest: return .badRequest
        case .unauthorized: return .unauthorized
        case .forbidden, .csrfFailed: return .forbidden
        case .notFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .contentTooLarge: return .contentTooLarge
        case .unsupportedMediaType: return .unsupportedMediaType
        case .unprocessable: return .unprocessableContent
        case .tooManyRequests: return .tooManyRequests
        case .serviceUnavailable: return .serviceUnavailable
        }
    }

    public var errorCode: String {
        switch self {
        case .csrfFailed: return "csrf_failed"
        case .unprocessable: return "unprocessable"
        case .serviceUnavailable: return "unavailable"
        default:
            struct Plain: HTTPErrorConvertible { let status: HTTPStatus }
            return Plain(status: status).errorCode
        }
    }

    public var detail: String? {
        switch self {
        case .badRequest(let why), .unprocessable(let why): return why
        case .csrfFailed: return "CSRF verification failed"
        default: return nil
        }
    }

    public var headers: HTTPHeaders {
        switch self {
        case .methodNotAllowed(let methods):
            var h = HTTPHeaders()
            h.set("Allow", methods.map(\.rawValue).joined(separator: ", "))
            return h
        default:
            return HTTPHeaders()
        }
    }
}
