import HTTP
import JSON
import Logging

/// The one place errors become responses. `HTTPErrorConvertible` errors are shown as they
/// describe themselves (JSON for API clients, a localized page otherwise); anything else is
/// logged with the request id and answered with a 500 that reveals nothing.
public struct ErrorMiddleware: Middleware {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func handle(_ request: Request, next: Handler) throws -> Response {
        do {
            return try next(request)
        } catch let error as any HTTPErrorConvertible {
            if error.status.code >= 500 {
                logger.error("request failed", metadata: ["request_id": "\(request.requestID)", "error": "\(String(reflecting: error))"])
            }
            return ErrorPages.response(for: error, request: request)
        } catch {
            logger.error("unhandled error", metadata: ["request_id": "\(request.requestID)", "error": "\(String(reflecting: error))"])
            return ErrorPages.response(for: InternalError(), request: request)
        }
    }
}

/// What an unknown error is shown as.
struct InternalError: HTTPErrorConvertible {
    var status: HTTPStatus { .internalServerError }
}

public enum ErrorPages {
    /// The response for `error`, shaped by what the client prefers.
    public static func response(for error: any HTTPErrorConvertible, request: Request) -> Response {
        var response: Response
        if request.prefersJSON {
            var body: JSONObject = ["error": .string(error.errorCode)]
            if let detail = error.detail { body["detail"] = .string(detail) }
            body["request_id"] = .string(request.requestID)
            // In this order; HTML-escaped, since a browser may show the body.
            response = Response(status: error.status, headers: ["Content-Type": "application/json"],
                                body: JSONValue.object(body).bytes([.insertionOrder, .escapeHTML]))
        } else {
            response = .html(page(for: error, request: request), status: error.status)
        }
        for field in error.headers { response.headers.set(field.name, field.value) }
        return response
    }

    static func page(for error: any HTTPErrorConvertible, request: Request) -> HTML {
        let code = error.status.code
        let known: Set<Int> = [400, 401, 403, 404, 405, 413, 415, 429, 500]
        let key = known.contains(code) ? String(code) : (code >= 500 ? "500" : "generic")
        let title = request.t("error.\(key).title")
        let bodyKey = (error as? WebError) == .csrfFailed ? "error.csrf.body" : "error.\(key).body"
        // Detail is developer-written text meant for clients; 5xx never shows any.
        let detail: HTML? = code < 500 && (error as? WebError) != .csrfFailed
            ? error.detail.map { "<p class=\"gh-muted\">\($0)</p>" } : nil
        let content: HTML = """
        <h1>\(title)</h1>
        <p>\(request.t(bodyKey))</p>
        \(detail)
        <p class="gh-muted">\(request.t("error.request_id")): <span class="gh-code">\(request.requestID)</span></p>
        <p><a class="gh-button" href="/">\(request.t("nav.home"))</a></p>
        """
        return Layout.page(request, title: title, content: content)
    }
}
