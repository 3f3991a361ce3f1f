import XCTest
@testable import HTTP

final class HTTPResponseEncoderTests: XCTestCase {
    static let date = "Sun, 06 Nov 1994 08:49:37 GMT"

    func encode(_ response: HTTPResponse, method: HTTPMethod? = .get, version: HTTPVersion = .http11,
                keepAlive: Bool = true) -> String {
        var out: [UInt8] = []
        HTTPResponseEncoder.encode(response, requestMethod: method, requestVersion: version, keepAlive: keepAlive,
                                   date: Self.date, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits an encoded response into its head lines and body.
    func split(_ wire: String) -> (lines: [String], body: String) {
        guard let end = wire.range(of: "\r\n\r\n") else {
            XCTFail("no end of head in \(wire)")
            return ([], "")
        }
        let head = wire[..<end.lowerBound]
        return (head.components(separatedBy: "\r\n"), String(wire[end.upperBound...]))
    }

    func testExactWireFormat() {
        let response = HTTPResponse(status: .ok, contentType: "text/plain", body: "hi")
        XCTAssertEqual(encode(response),
                       "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\n"
                           + "Content-Length: 2\r\n\r\nhi")
    }

    func testStatusLineDateAndContentLength() {
        let (lines, body) = split(encode(HTTPResponse(status: .notFound, body: Array("missing".utf8))))
        XCTAssertEqual(lines.first, "HTTP/1.1 404 Not Found")
        XCTAssertEqual(lines.filter { $0.hasPrefix("Date: ") }, ["Date: \(Self.date)"])
        XCTAssertEqual(lines.filter { $0.hasPrefix("Content-Length: ") }, ["Content-Length: 7"])
        XCTAssertEqual(body, "missing")
        // An empty 200 still says how long it is, so the connection can be reused.
        let (emptyLines, emptyBody) = split(encode(HTTPResponse(status: .ok)))
        XCTAssertTrue(emptyLines.contains("Content-Length: 0"))
        XCTAssertEqual(emptyBody, "")
    }

    func testCustomStatusAndReason() {
        let (lines, _) = split(encode(HTTPResponse(status: HTTPStatus(299, "Fine Indeed"))))
        XCTAssertEqual(lines.first, "HTTP/1.1 299 Fine Indeed")
        let (unknown, _) = split(encode(HTTPResponse(status: HTTPStatus(599))))
        XCTAssertEqual(unknown.first, "HTTP/1.1 599 Status 599")
    }

    func testReasonPhraseCannotSplitTheResponse() {
        let wire = encode(HTTPResponse(status: HTTPStatus(200, "OK\r\nSet-Cookie: evil=1\r\n")))
        let (lines, _) = split(wire)
        XCTAssertEqual(lines.first, "HTTP/1.1 200 OKSet-Cookie: evil=1")
        XCTAssertFalse(lines.contains { $0.hasPrefix("Set-Cookie") })
    }

    func testConnectionHeader() {
        let closing = split(encode(HTTPResponse(status: .ok), keepAlive: false)).lines
        XCTAssertEqual(closing.filter { $0.lowercased().hasPrefix("connection:") }, ["Connection: close"])

        let persistent11 = split(encode(HTTPResponse(status: .ok), version: .http11, keepAlive: true)).lines
        XCTAssertFalse(persistent11.contains { $0.lowercased().hasPrefix("connection:") },
                       "1.1 is persistent by default; no Connection field needed")

        let persistent10 = split(encode(HTTPResponse(status: .ok), version: .http10, keepAlive: true)).lines
        XCTAssertEqual(persistent10.filter { $0.lowercased().hasPrefix("connection:") }, ["Connection: keep-alive"])

        let closing10 = split(encode(HTTPResponse(status: .ok), version: .http10, keepAlive: false)).lines
        XCTAssertEqual(closing10.filter { $0.lowercased().hasPrefix("connection:") }, ["Connection: close"])
        // The status line is always HTTP/1.1 (RFC 9110 §6.2: the highest version we conform to).
        XCTAssertEqual(closing10.first, "HTTP/1.1 200 OK")
    }

    func testHeadGetsContentLengthButNoBody() {
        let wire = encode(HTTPResponse(status: .ok, contentType: "text/html", body: "<p>hello</p>"), method: .head)
        let (lines, body) = split(wire)
        XCTAssertTrue(lines.contains("Content-Length: 12"))
        XCTAssertEqual(body, "")
        XCTAssertTrue(wire.hasSuffix("\r\n\r\n"))
    }

    func testNoBodyStatusesHaveNoBodyAndNoContentLength() {
        for status in [HTTPStatus.noContent, .notModified, .continue, HTTPStatus(101)] {
            let wire = encode(HTTPResponse(status: status, headers: ["ETag": "\"x\""], body: Array("ignored".utf8)))
            let (lines, body) = split(wire)
            XCTAssertEqual(lines.first, "HTTP/1.1 \(status.code) \(status.reason)")
            XCTAssertFalse(lines.contains { $0.lowercased().hasPrefix("content-length") }, "\(status)")
            XCTAssertFalse(lines.contains { $0.lowercased().hasPrefix("transfer-encoding") }, "\(status)")
            XCTAssertEqual(body, "", "\(status)")
            XCTAssertTrue(lines.contains("ETag: \"x\""))
        }
    }

    func testHandlerFramingFieldsAreDropped() {
        var response = HTTPResponse(status: .ok, body: Array("abc".utf8))
        response.headers.add("Content-Length", "999")
        response.headers.add("content-length", "1")
        response.headers.add("Transfer-Encoding", "chunked")
        response.headers.add("Connection", "keep-alive")
        response.headers.add("Keep-Alive", "timeout=5")
        response.headers.add("Date", "yesterday")
        response.headers.add("X-Kept", "yes")
        let (lines, body) = split(encode(response, keepAlive: false))
        XCTAssertEqual(lines.filter { $0.lowercased().hasPrefix("content-length") }, ["Content-Length: 3"])
        XCTAssertFalse(lines.contains { $0.lowercased().hasPrefix("transfer-encoding") })
        XCTAssertEqual(lines.filter { $0.lowercased().hasPrefix("connection") }, ["Connection: close"])
        XCTAssertFalse(lines.contains { $0.lowercased().hasPrefix("keep-alive") })
        XCTAssertEqual(lines.filter { $0.lowercased().hasPrefix("date") }, ["Date: \(Self.date)"])
        XCTAssertTrue(lines.contains("X-Kept: yes"))
        XCTAssertEqual(body, "abc")
    }

    func testUnsafeHeadersAreDropped() {
        var response = HTTPResponse(status: .found)
        response.headers.add("Location", "/ok")
        response.headers.add("X-Split", "a\r\nSet-Cookie: session=stolen")
        response.headers.add("X-LF", "a\nb")
        response.headers.add("X-CR", "a\rb")
        response.headers.add("X-NUL", "a\u{0}b")
        response.headers.add("X-DEL", "a\u{7F}b")
        response.headers.add("X-Bad\r\nInjected", "v")
        response.headers.add("Bad Name", "v")
        response.headers.add("", "empty-name")
        response.headers.add("X-Tab", "a\tb")
        response.headers.add("Set-Cookie", "a=1")
        response.headers.add("Set-Cookie", "b=2")
        let wire = encode(response)
        let (lines, _) = split(wire)
        XCTAssertEqual(lines, [
            "HTTP/1.1 302 Found",
            "Date: \(Self.date)",
            "Location: /ok",
            "X-Tab: a\tb",
            "Set-Cookie: a=1",
            "Set-Cookie: b=2",
            "Content-Length: 0",
        ])
        XCTAssertFalse(wire.contains("stolen"))
        XCTAssertFalse(wire.contains("Injected"))
        // The only bare CR or LF bytes on the wire are inside CRLF pairs.
        let bytes = Array(wire.utf8)
        for (i, b) in bytes.enumerated() {
            if b == 13 { XCTAssertEqual(bytes[i + 1], 10) }
            if b == 10 { XCTAssertEqual(bytes[i - 1], 13) }
            XCTAssertNotEqual(b, 0)
        }
    }

    func testParseErrorResponseCloses() {
        var out: [UInt8] = []
        HTTPResponseEncoder.encodeParseError(HTTPParseError(.badRequest, "bare LF in request head"), date: Self.date, into: &out)
        let (lines, body) = split(String(decoding: out, as: UTF8.self))
        XCTAssertEqual(lines.first, "HTTP/1.1 400 Bad Request")
        XCTAssertTrue(lines.contains("Connection: close"))
        XCTAssertTrue(lines.contains("Date: \(Self.date)"))
        XCTAssertTrue(lines.contains("Content-Type: text/plain; charset=utf-8"))
        XCTAssertTrue(lines.contains("X-Content-Type-Options: nosniff"))
        XCTAssertTrue(lines.contains("Content-Length: \(body.utf8.count)"))
        XCTAssertEqual(body, "400 Bad Request\n")
        XCTAssertFalse(body.contains("bare LF"), "the internal reason is not sent to the client")

        for status in [HTTPStatus.uriTooLong, .requestHeaderFieldsTooLarge, .contentTooLarge, .expectationFailed,
                       .notImplemented, .httpVersionNotSupported] {
            var o: [UInt8] = []
            HTTPResponseEncoder.encodeParseError(HTTPParseError(status, "x"), date: Self.date, into: &o)
            let (l, b) = split(String(decoding: o, as: UTF8.self))
            XCTAssertEqual(l.first, "HTTP/1.1 \(status.code) \(status.reason)")
            XCTAssertTrue(l.contains("Connection: close"))
            XCTAssertEqual(b, "\(status.code) \(status.reason)\n")
        }
    }

    func testEncodeAppendsToExistingOutput() {
        var out = Array("previous".utf8)
        HTTPResponseEncoder.encode(HTTPResponse(status: .noContent), requestMethod: .get, keepAlive: true,
                                   date: Self.date, into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self),
                       "previousHTTP/1.1 204 No Content\r\nDate: \(Self.date)\r\n\r\n")
    }

    func testContinueResponse() {
        XCTAssertEqual(HTTPResponseEncoder.continueResponse, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    func testEncodedResponseBodyIsBinarySafe() {
        let body: [UInt8] = [0, 13, 10, 0xFF, 0x80]
        var out: [UInt8] = []
        HTTPResponseEncoder.encode(HTTPResponse(status: .ok, body: body), requestMethod: .post, keepAlive: true,
                                   date: Self.date, into: &out)
        XCTAssertEqual(Array(out.suffix(5)), body)
        XCTAssertTrue(String(decoding: out, as: UTF8.self).contains("Content-Length: 5\r\n"))
    }
}

final class HTTPDateTests: XCTestCase {
    func testEpoch() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    func testRFCExample() {
        // The example IMF-fixdate in RFC 9110 §5.6.7.
        XCTAssertEqual(HTTPDate.format(epochSeconds: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    func testLeapDays() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: 1_709_210_096), "Thu, 29 Feb 2024 12:34:56 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 1_709_210_096 + 11 * 3600 + 25 * 60 + 3), "Thu, 29 Feb 2024 23:59:59 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 1_709_210_096 + 11 * 3600 + 25 * 60 + 4), "Fri, 01 Mar 2024 00:00:00 GMT")
        // 2000 is a leap year (divisible by 400), 2100 is not (divisible by 100).
        XCTAssertEqual(HTTPDate.format(epochSeconds: 951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 4_107_542_399), "Sun, 28 Feb 2100 23:59:59 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 4_107_542_400), "Mon, 01 Mar 2100 00:00:00 GMT")
    }

    func testOtherDates() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: -1), "Wed, 31 Dec 1969 23:59:59 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: 253_402_300_799), "Fri, 31 Dec 9999 23:59:59 GMT")
    }

    /// Found by Tests/Fuzz: floor division for negative times computed `epochSeconds - 86_399`,
    /// which overflowed (a trap) within a day of Int.min.
    func testExtremeValuesDoNotTrap() {
        XCTAssertTrue(HTTPDate.format(epochSeconds: .min).hasSuffix(" 08:29:52 GMT"))
        XCTAssertTrue(HTTPDate.format(epochSeconds: .min + 1).hasSuffix(" 08:29:53 GMT"))
        XCTAssertTrue(HTTPDate.format(epochSeconds: .max).hasSuffix(" GMT"))
        XCTAssertEqual(HTTPDate.format(epochSeconds: -86_400), "Wed, 31 Dec 1969 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.format(epochSeconds: -86_401), "Tue, 30 Dec 1969 23:59:59 GMT")
    }
}
