import XCTest
@testable import HTTP

final class HTTPResponseParserTests: XCTestCase {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Feeds everything at once, then signals EOF if still incomplete.
    private func parse(_ s: String, method: HTTPMethod = .get,
                       limits: HTTPResponseParser.Limits = .init()) throws -> HTTPResponse {
        var p = HTTPResponseParser(requestMethod: method, limits: limits)
        if let r = try p.feed(bytes(s)) { return r }
        return try p.finish()
    }

    private func assertParseError(_ s: String, _ expected: HTTPResponseParseError? = nil,
                                  method: HTTPMethod = .get, limits: HTTPResponseParser.Limits = .init(),
                                  file: StaticString = #filePath, line: UInt = #line) {
        do {
            let r = try parse(s, method: method, limits: limits)
            XCTFail("expected an error, got \(r.status)", file: file, line: line)
        } catch let error as HTTPResponseParseError {
            if let expected {
                XCTAssertEqual(error, expected, file: file, line: line)
            } else if case .malformed = error {
            } else {
                XCTFail("expected malformed, got \(error)", file: file, line: line)
            }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    func testContentLength() throws {
        var p = HTTPResponseParser()
        let r = try XCTUnwrap(try p.feed(bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloEXTRA")))
        XCTAssertEqual(r.status.code, 200)
        XCTAssertEqual(r.status.reason, "OK")
        XCTAssertEqual(r.headers["content-type"], "text/plain")
        XCTAssertEqual(r.body, bytes("hello"))
        XCTAssertEqual(p.version, .http11)
        XCTAssertTrue(p.isComplete)
    }

    func testContentLengthZeroCompletesWithoutEOF() throws {
        var p = HTTPResponseParser()
        let r = try XCTUnwrap(try p.feed(bytes("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")))
        XCTAssertEqual(r.status.code, 404)
        XCTAssertEqual(r.body, [])
        XCTAssertEqual(p.version, .http10)
    }

    func testIdenticalDuplicateContentLengthAccepted() throws {
        let r = try parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc")
        XCTAssertEqual(r.body, bytes("abc"))
    }

    func testChunked() throws {
        let r = try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")
        XCTAssertEqual(r.body, bytes("hello world"))
    }

    func testUntilClose() throws {
        var p = HTTPResponseParser()
        XCTAssertNil(try p.feed(bytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome ")))
        XCTAssertNil(try p.feed(bytes("body")))
        let r = try p.finish()
        XCTAssertEqual(r.body, bytes("some body"))
    }

    func testHeadResponseHasNoBody() throws {
        var p = HTTPResponseParser(requestMethod: .head)
        let r = try XCTUnwrap(try p.feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")))
        XCTAssertEqual(r.body, [])
        XCTAssertEqual(r.headers["Content-Length"], "1234")
    }

    func testNoBodyFor204And304() throws {
        for code in [204, 304] {
            var p = HTTPResponseParser()
            let r = try XCTUnwrap(try p.feed(bytes("HTTP/1.1 \(code) X\r\nContent-Length: 10\r\n\r\n")), "\(code)")
            XCTAssertEqual(r.status.code, code)
            XCTAssertEqual(r.body, [])
        }
    }

    func testInterimResponsesAreSkipped() throws {
        let r = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        XCTAssertEqual(r.status.code, 201)
        XCTAssertNil(r.headers["Link"])
        XCTAssertEqual(r.body, bytes("ok"))
    }

    func testSplitAcrossTinyFeeds() throws {
        let wire = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n")
        for step in [1, 2, 3, 7] {
            var p = HTTPResponseParser()
            var result: HTTPResponse?
            var i = 0
            while i < wire.count {
                XCTAssertNil(result, "completed before the last byte (step \(step))")
                result = try p.feed(wire[i..<min(i + step, wire.count)])
                i += step
            }
            let r = try XCTUnwrap(result, "step \(step)")
            XCTAssertEqual(r.body, bytes("abc0123456789abcdef"))
            XCTAssertEqual(r.headers["x-a"], "b")
        }
        // Content-Length body, byte by byte.
        let wire2 = bytes("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody")
        var p = HTTPResponseParser()
        var result: HTTPResponse?
        for b in wire2 { result = try p.feed([b]) }
        XCTAssertEqual(result?.body, bytes("body"))
    }

    func testOversizedResponses() {
        let limits = HTTPResponseParser.Limits(maxResponseBytes: 100)
        // Declared length beyond the cap fails as soon as the head is read.
        var p = HTTPResponseParser(limits: limits)
        XCTAssertThrowsError(try p.feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n"))) {
            XCTAssertEqual($0 as? HTTPResponseParseError, .tooLarge)
        }
        let big = String(repeating: "x", count: 200)
        assertParseError("HTTP/1.1 200 OK\r\n\r\n" + big, .tooLarge, limits: limits)
        assertParseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nc8\r\n\(big)\r\n0\r\n\r\n", .tooLarge, limits: limits)
        // Many small chunks: framing counts too.
        let chunks = String(repeating: "1\r\nx\r\n", count: 30) + "0\r\n\r\n"
        assertParseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks, .tooLarge, limits: limits)
        // A head that never ends.
        assertParseError("HTTP/1.1 200 OK\r\nX: " + big, .tooLarge, limits: limits)
        let headLimits = HTTPResponseParser.Limits(maxHeaderBytes: 64)
        assertParseError("HTTP/1.1 200 OK\r\nX-Long: \(big)\r\n\r\n", .tooLarge, limits: headLimits)
        let countLimits = HTTPResponseParser.Limits(maxHeaderCount: 2)
        assertParseError("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", .tooLarge, limits: countLimits)
        // Exactly at the cap is fine.
        let wire = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"
        XCTAssertNoThrow(try parse(wire, limits: .init(maxResponseBytes: wire.utf8.count)))
        assertParseError(wire, .tooLarge, limits: .init(maxResponseBytes: wire.utf8.count - 1))
    }

    /// Found by Tests/Fuzz: the error for an over-long line or chunked framing past the cap
    /// depended on how the bytes arrived (`malformed` in one feed, `tooLarge` byte by byte).
    func testOversizeErrorDoesNotDependOnFeeding() {
        func outcome(_ wire: [UInt8], step: Int, limits: HTTPResponseParser.Limits) -> HTTPResponseParseError? {
            var p = HTTPResponseParser(limits: limits)
            var i = 0
            do {
                while i < wire.count {
                    if try p.feed(wire[i..<min(i + step, wire.count)]) != nil { return nil }
                    i += step
                }
                _ = try p.finish()
                return nil
            } catch {
                return error
            }
        }
        let long = String(repeating: "a", count: 100)
        let cases: [(String, HTTPResponseParser.Limits)] = [
            // A head line over maxHeaderBytes that ends in a bare LF, or holds a bare CR.
            ("HTTP/1.1 200 OK\r\nX: \(long)\n\r\n", .init(maxHeaderBytes: 64)),
            ("HTTP/1.1 200 OK\r\nX: \(long)\rb\r\n\r\n", .init(maxHeaderBytes: 64)),
            ("HTTP/1.1 200 OK\r\nX: \(long)\n\r\n", .init(maxResponseBytes: 64)),
            // Chunk-extension bytes run past maxResponseBytes, then a control byte.
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;\(long)\u{01}\r\nx\r\n0\r\n\r\n",
             .init(maxResponseBytes: 100)),
            // A trailer runs past maxResponseBytes, then a control byte.
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: \(long)\u{01}\r\n\r\n",
             .init(maxResponseBytes: 100)),
        ]
        for (text, limits) in cases {
            let wire = bytes(text)
            for step in [wire.count, 1, 7] {
                XCTAssertEqual(outcome(wire, step: step, limits: limits), .tooLarge, "step \(step): \(text.debugDescription)")
            }
        }
    }

    func testMalformedStatusLines() {
        for line in ["HTTP/1.1 200OK", "HTTP/2 200 OK", "HTTP/1.1  200 OK", "http/1.1 200 OK", "HTTP/1.1 20 OK",
                     "HTTP/1.1 2000 OK", "HTTP/1.1 099 X", "HTTP/1.1 600 X", "ICY 200 OK", "HTTP/1.1 abc OK",
                     "HTTP/1.x 200 OK", "HTTP/1.1 200 O\u{1}K", "", " HTTP/1.1 200 OK"] {
            assertParseError(line + "\r\nContent-Length: 0\r\n\r\n")
        }
        assertParseError("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n")
        assertParseError("HTTP/1.1 200 OK\rX\r\nContent-Length: 0\r\n\r\n")
        assertParseError("HTTP/1.1 101 Switching Protocols\r\n\r\n")
    }

    func testStatusLineWithoutReason() throws {
        XCTAssertEqual(try parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").status.code, 200)
        XCTAssertEqual(try parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").status.code, 200)
    }

    func testMalformedHeaders() {
        let head = "HTTP/1.1 200 OK\r\n"
        let bad = [
            "Content-Length : 0\r\n",          // whitespace before colon
            "X-A: 1\r\n folded\r\n",           // obs-fold
            "X-A: 1\nX-B: 2\r\n",              // bare LF
            "X-A: 1\rX-B: 2\r\n",              // bare CR
            "X-A: a\u{0}b\r\n",                // NUL
            "NoColon\r\n",
            ": empty\r\n",
            "X(A): 1\r\n",
            "Content-Length: 1\r\nContent-Length: 2\r\n",   // conflicting duplicates
            "Content-Length: 1, 2\r\n",
            "Content-Length: -1\r\n",
            "Content-Length: 0x10\r\n",
            "Content-Length: 9999999999999999\r\n",
            "Transfer-Encoding: chunked, gzip\r\n",         // chunked not final
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
            "Transfer-Encoding: gzip, chunked\r\n",         // codings we never asked for
            "Transfer-Encoding: chunked, chunked\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        ]
        for field in bad {
            assertParseError(head + field + "\r\n0\r\n\r\n")
        }
        // Framing headers are checked even when the status forbids a body.
        assertParseError("HTTP/1.1 204 No Content\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
    }

    func testMalformedChunkedBody() {
        assertParseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        assertParseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n")
    }

    func testTruncatedResponses() {
        assertParseError("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", .truncated)
        assertParseError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", .truncated)
        assertParseError("HTTP/1.1 200 OK\r\nContent-Le", .truncated)
        assertParseError("", .truncated)
    }

    func testParserStaysFailed() {
        var p = HTTPResponseParser()
        XCTAssertThrowsError(try p.feed(bytes("HTTP/9 200 OK\r\n")))
        XCTAssertThrowsError(try p.feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")))
        XCTAssertThrowsError(try p.finish())
    }

    func testObsTextInValueIsKept() throws {
        var wire = bytes("HTTP/1.1 200 OK\r\nX-Name: caf")
        wire.append(0xE9)  // Latin-1 é, not UTF-8
        wire += bytes("\r\nContent-Length: 0\r\n\r\n")
        var p = HTTPResponseParser()
        let r = try XCTUnwrap(try p.feed(wire))
        XCTAssertNotNil(r.headers["X-Name"])
    }

    // MARK: - Request encoder

    func testRequestEncoder() throws {
        var headers = HTTPHeaders()
        headers.add("Accept", "application/json")
        let req = HTTPRequest(method: .post, target: "/token?x=1", headers: headers, body: bytes("a=b"))
        let out = try HTTPRequestEncoder.encode(req, host: "login.example.com")
        XCTAssertEqual(String(decoding: out, as: UTF8.self),
                       "POST /token?x=1 HTTP/1.1\r\nHost: login.example.com\r\nAccept: application/json\r\nContent-Length: 3\r\n\r\na=b")
        let get = try HTTPRequestEncoder.encode(HTTPRequest(method: .get, target: "/"), host: "h:8080")
        XCTAssertEqual(String(decoding: get, as: UTF8.self), "GET / HTTP/1.1\r\nHost: h:8080\r\n\r\n")
        let emptyPost = try HTTPRequestEncoder.encode(HTTPRequest(method: .post, target: "/"), host: "h")
        XCTAssertTrue(String(decoding: emptyPost, as: UTF8.self).hasSuffix("Content-Length: 0\r\n\r\n"))
    }

    func testRequestEncoderRefusesInjection() {
        func refuses(_ req: HTTPRequest, host: String = "h", _ line: UInt = #line) {
            XCTAssertThrowsError(try HTTPRequestEncoder.encode(req, host: host), line: line)
        }
        refuses(HTTPRequest(method: .get, target: "/a\r\nX: y"))
        refuses(HTTPRequest(method: .get, target: "/a b"))
        refuses(HTTPRequest(method: .get, target: "/caf\u{e9}"))
        refuses(HTTPRequest(method: .get, target: "nopath"))
        refuses(HTTPRequest(method: .get, target: ""))
        refuses(HTTPRequest(method: HTTPMethod(rawValue: "GE T"), target: "/"))
        refuses(HTTPRequest(method: .get, target: "/"), host: "h\r\nX: y")
        refuses(HTTPRequest(method: .get, target: "/"), host: "")
        refuses(HTTPRequest(method: .get, target: "/", headers: ["X-A": "1\r\nX-B: 2"]))
        refuses(HTTPRequest(method: .get, target: "/", headers: ["X-A": "1\nX-B: 2"]))
        refuses(HTTPRequest(method: .get, target: "/", headers: ["X-A\r\nB": "1"]))
        refuses(HTTPRequest(method: .get, target: "/", headers: ["X A": "1"]))
        refuses(HTTPRequest(method: .get, target: "/", headers: ["": "1"]))
        refuses(HTTPRequest(method: .get, target: "/", headers: ["Host": "evil"]))
        refuses(HTTPRequest(method: .get, target: "/", headers: ["Content-Length": "5"]))
        refuses(HTTPRequest(method: .get, target: "/", headers: ["Transfer-Encoding": "chunked"]))
    }
}
