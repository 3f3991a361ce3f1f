/// Writes a response head and body onto the wire (RFC 9112 §4, §6).
public enum HTTPResponseEncoder {
    /// Header fields the encoder owns; a handler's own values for these are dropped.
    static let framingFields = ["Content-Length", "Transfer-Encoding", "Connection", "Date", "Keep-Alive"]

    /// Appends the encoded response to `out`.
    /// - Parameters:
    ///   - requestMethod: HEAD answers carry the length of the body they would have had, but no body.
    ///   - keepAlive: false adds `Connection: close`.
    ///   - date: an IMF-fixdate string for the `Date` field.
    public static func encode(_ response: HTTPResponse, requestMethod: HTTPMethod?, requestVersion: HTTPVersion = .http11,
                              keepAlive: Bool, date: String, into out: inout [UInt8]) {
        let status = response.status
        out.append(contentsOf: "HTTP/1.1 \(status.code) ".utf8)
        appendSafe(status.reason, into: &out)
        out.append(contentsOf: crlf)
        out.append(contentsOf: "Date: ".utf8)
        out.append(contentsOf: date.utf8)
        out.append(contentsOf: crlf)
        for field in response.headers where !framingFields.contains(where: { field.name.equalsIgnoringASCIICase($0) }) {
            // A header carrying CR, LF or NUL would let a value split the response: drop it.
            guard isSafeName(field.name), isSafeValue(field.value) else { continue }
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: crlf)
        }
        let hasBody = !status.forbidsBody
        if hasBody {
            out.append(contentsOf: "Content-Length: \(response.body.count)\r\n".utf8)
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if requestVersion == .http10 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: crlf)
        if hasBody && requestMethod != .head {
            out.append(contentsOf: response.body)
        }
    }

    /// `100 Continue` interim response.
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A minimal response for a request that could not be parsed; always closes.
    public static func encodeParseError(_ error: HTTPParseError, date: String, into out: inout [UInt8]) {
        var response = HTTPResponse(status: error.status, contentType: "text/plain; charset=utf-8",
                                    body: "\(error.status.code) \(error.status.reason)\n")
        response.headers.add("X-Content-Type-Options", "nosniff")
        encode(response, requestMethod: nil, keepAlive: false, date: date, into: &out)
    }

    static let crlf: [UInt8] = [13, 10]

    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(HTTPRequestParser.isTokenByte)
    }

    static func isSafeValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 9 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    static func appendSafe(_ text: String, into out: inout [UInt8]) {
        for b in text.utf8 where b == 9 || (b >= 0x20 && b != 0x7F) { out.append(b) }
    }
}
