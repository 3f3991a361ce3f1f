import FoundationEssentials
import HTTP

/// What a handler returns. Cookies are kept apart from headers until the end so `Secure`
/// can follow the request's scheme.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var cookies: [SetCookie] = []

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func html(_ html: HTML, status: HTTPStatus = .ok) -> Response {
        Response(status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(html.rendered.utf8))
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    public static func json<T: Encodable>(_ value: T, status: HTTPStatus = .ok,
                                          contentType: String = "application/json") throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: ["Content-Type": contentType], body: Array(data))
    }

    /// A redirect (303 See Other by default, or 302). Control characters and spaces in
    /// `location` are percent-encoded so nothing can split the header.
    public static func redirect(to location: String, status: HTTPStatus = .seeOther) -> Response {
        var safe = ""
        for scalar in location.unicodeScalars {
            if scalar.value > 0x20 && scalar.value < 0x7F {
                safe.unicodeScalars.append(scalar)
            } else {
                for b in String(scalar).utf8 { safe += PercentEncoding.escape(b) }
            }
        }
        return Response(status: status, headers: ["Location": safe])
    }

    public static func noContent() -> Response { Response(status: .noContent) }

    public mutating func setCookie(_ cookie: SetCookie) { cookies.append(cookie) }
    public mutating func deleteCookie(_ name: String, path: String = "/") {
        cookies.append(.deletion(name: name, path: path))
    }

    /// The wire response, with `Set-Cookie` fields added.
    public func httpResponse(requestIsHTTPS: Bool) -> HTTPResponse {
        var h = headers
        for c in cookies {
            if let value = c.headerValue(requestIsHTTPS: requestIsHTTPS) { h.add("Set-Cookie", value) }
        }
        return HTTPResponse(status: status, headers: h, body: status.forbidsBody ? [] : body)
    }
}
