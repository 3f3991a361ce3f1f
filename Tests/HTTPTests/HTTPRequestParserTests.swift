import XCTest
@testable import HTTP

/// Tests for the strict incremental request parser (RFC 9112).
///
/// Every input is fed in more than one way: the whole buffer at once, one byte at a time,
/// and (for valid input) split into two pieces at every position. A valid request must give
/// the same requests in the same order however the bytes arrive; a rejected one must fail with
/// the same status however the bytes arrive, and stay failed.
final class HTTPRequestParserTests: XCTestCase {

    // MARK: - harness

    enum Got {
        case continueExpected
        case request(HTTPRequest)
        case failure(HTTPParseError)
    }

    struct Trace {
        var events: [Got] = []
        var parser: HTTPRequestParser
        var buffer: [UInt8] = []
        var index = 0

        var requests: [HTTPRequest] {
            events.compactMap { if case .request(let r) = $0 { return r } else { return nil } }
        }
        var continues: Int {
            events.filter { if case .continueExpected = $0 { return true } else { return false } }.count
        }
        var failure: HTTPParseError? {
            for e in events { if case .failure(let f) = e { return f } }
            return nil
        }
    }

    /// Appends `bytes` in pieces whose boundaries are `cuts`, calling `next` after each piece
    /// until the parser asks for more (or fails).
    static func feed(_ bytes: [UInt8], cuts: [Int], limits: HTTPLimits = .default) -> Trace {
        var trace = Trace(parser: HTTPRequestParser(limits: limits))
        var from = 0
        for cut in cuts + [bytes.count] where cut > from {
            trace.buffer.append(contentsOf: bytes[from..<cut])
            from = cut
            if drain(&trace) { return trace }
        }
        return trace
    }

    /// Returns true once the parser failed.
    private static func drain(_ trace: inout Trace) -> Bool {
        while true {
            switch trace.parser.next(trace.buffer, index: &trace.index) {
            case .needMore:
                return false
            case .continueExpected:
                trace.events.append(.continueExpected)
            case .request(let r):
                trace.events.append(.request(r))
            case .failure(let f):
                trace.events.append(.failure(f))
                return true
            }
        }
    }

    static func whole(_ bytes: [UInt8], limits: HTTPLimits = .default) -> Trace {
        feed(bytes, cuts: [], limits: limits)
    }

    static func byteByByte(_ bytes: [UInt8], limits: HTTPLimits = .default) -> Trace {
        feed(bytes, cuts: Array(0..<bytes.count), limits: limits)
    }

    static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Everything a test could care about in a request, for comparing feeding modes.
    static func summary(_ r: HTTPRequest) -> String {
        "\(r.method) \(r.target) path=\(r.path) query=\(r.query ?? "nil") \(r.version) host=\(r.host ?? "nil") "
            + "keepAlive=\(r.keepAlive) headers=[\(r.headers.description)] body=\(r.body)"
    }

    /// Parses `bytes` as valid input: whole, byte by byte, and split in two at every position
    /// (when short enough); all must yield the same requests, consume every byte and end idle.
    @discardableResult
    func parseValid(_ bytes: [UInt8], limits: HTTPLimits = .default, splits: Bool = true,
                    file: StaticString = #filePath, line: UInt = #line) -> [HTTPRequest] {
        let reference = Self.whole(bytes, limits: limits)
        if let f = reference.failure {
            XCTFail("unexpected failure \(f) for \(Self.show(bytes))", file: file, line: line)
            return []
        }
        XCTAssertEqual(reference.index, bytes.count, "not every byte consumed", file: file, line: line)
        XCTAssertEqual(reference.parser.phase, .idle, file: file, line: line)
        let expected = reference.requests.map(Self.summary)
        var modes: [(String, Trace)] = [("byte-by-byte", Self.byteByByte(bytes, limits: limits))]
        if splits && bytes.count <= 2048 {
            for cut in 1..<max(1, bytes.count) { modes.append(("split at \(cut)", Self.feed(bytes, cuts: [cut], limits: limits))) }
        }
        for (name, trace) in modes {
            XCTAssertNil(trace.failure, "\(name): unexpected failure", file: file, line: line)
            XCTAssertEqual(trace.requests.map(Self.summary), expected, "\(name): different requests", file: file, line: line)
            XCTAssertEqual(trace.index, bytes.count, "\(name): not every byte consumed", file: file, line: line)
            XCTAssertEqual(trace.parser.phase, .idle, "\(name): not idle at the end", file: file, line: line)
            // Requests and 100-continue events must interleave sanely: never two continues in a row.
            var lastWasContinue = false
            for e in trace.events {
                if case .continueExpected = e {
                    XCTAssertFalse(lastWasContinue, "\(name): two continues for one request", file: file, line: line)
                    lastWasContinue = true
                } else {
                    lastWasContinue = false
                }
            }
        }
        return reference.requests
    }

    func parseOne(_ s: String, limits: HTTPLimits = .default,
                  file: StaticString = #filePath, line: UInt = #line) -> HTTPRequest? {
        let requests = parseValid(Self.b(s), limits: limits, file: file, line: line)
        XCTAssertEqual(requests.count, 1, "expected exactly one request", file: file, line: line)
        return requests.first
    }

    /// Asserts that `bytes` is rejected with `status`, whole and byte by byte, and that the
    /// parser then stays failed with the same error, whatever comes next.
    func assertRejected(_ bytes: [UInt8], _ status: Int, limits: HTTPLimits = .default, byteByByte: Bool = true,
                        file: StaticString = #filePath, line: UInt = #line) {
        var modes = [("whole", Self.whole(bytes, limits: limits))]
        if byteByByte { modes.append(("byte-by-byte", Self.byteByByte(bytes, limits: limits))) }
        for (name, var trace) in modes {
            guard let failure = trace.failure else {
                XCTFail("\(name): expected \(status), got \(trace.events.count) event(s) and no failure for \(Self.show(bytes))",
                        file: file, line: line)
                continue
            }
            XCTAssertEqual(failure.status.code, status, "\(name): \(failure) for \(Self.show(bytes))", file: file, line: line)
            XCTAssertTrue(trace.requests.isEmpty, "\(name): a request was delivered before the failure", file: file, line: line)
            // The parser stays failed: the same buffer, and then more (valid) bytes, give the same failure.
            for _ in 0..<2 {
                guard case .failure(let again) = trace.parser.next(trace.buffer, index: &trace.index) else {
                    XCTFail("\(name): parser did not stay failed", file: file, line: line)
                    break
                }
                XCTAssertEqual(again, failure, file: file, line: line)
                trace.buffer += Self.b("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            }
        }
    }

    func assertRejected(_ s: String, _ status: Int, limits: HTTPLimits = .default,
                        file: StaticString = #filePath, line: UInt = #line) {
        assertRejected(Self.b(s), status, limits: limits, file: file, line: line)
    }

    static func show(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(120), as: UTF8.self)
        let escaped = text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\"" + (bytes.count > 120 ? "… (\(bytes.count) bytes)" : "")
    }

    // MARK: - valid requests

    func testGetWithHost() throws {
        let r = try XCTUnwrap(parseOne("GET /index.html?a=1&b=%20 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"))
        XCTAssertEqual(r.method, .get)
        XCTAssertEqual(r.target, "/index.html?a=1&b=%20")
        XCTAssertEqual(r.path, "/index.html")
        XCTAssertEqual(r.query, "a=1&b=%20")
        XCTAssertEqual(r.version, .http11)
        XCTAssertEqual(r.host, "example.com")
        XCTAssertEqual(r.headers["host"], "example.com")
        XCTAssertEqual(r.headers["Accept"], "*/*")
        XCTAssertEqual(r.headers.count, 2)
        XCTAssertEqual(r.body, [])
        XCTAssertTrue(r.keepAlive)
    }

    func testPathWithoutQuery() throws {
        let r = try XCTUnwrap(parseOne("GET /a/b HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"))
        XCTAssertEqual(r.path, "/a/b")
        XCTAssertNil(r.query)
        XCTAssertEqual(r.host, "example.com:8080")
        let empty = try XCTUnwrap(parseOne("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n"))
        XCTAssertEqual(empty.path, "/a")
        XCTAssertEqual(empty.query, "")
    }

    func testPostWithContentLength() throws {
        let r = try XCTUnwrap(parseOne(
            "POST /token HTTP/1.1\r\nHost: idp.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 27\r\n\r\ngrant_type=authorization_co"))
        XCTAssertEqual(r.method, .post)
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "grant_type=authorization_co")
        XCTAssertEqual(r.headers["Content-Length"], "27")
    }

    func testContentLengthZeroAndLeadingZeros() throws {
        let zero = try XCTUnwrap(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"))
        XCTAssertEqual(zero.body, [])
        let padded = try XCTUnwrap(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 003\r\n\r\nabc"))
        XCTAssertEqual(padded.body, Self.b("abc"))
    }

    func testChunkedBodyWithExtensionsAndTrailers() throws {
        let r = try XCTUnwrap(parseOne(
            "POST /scim/v2/Users HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n"
                + "6 ; quoted=\"a b\"\r\n world\r\n"
                + "A\r\n0123456789\r\n"
                + "a;x\r\nabcdefghij\r\n"
                + "0;last=yes\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"))
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "hello world0123456789abcdefghij")
        XCTAssertEqual(r.headers["Transfer-Encoding"], "chunked")
        // Trailer fields are checked and discarded, never merged into the header section.
        XCTAssertNil(r.headers["X-Trailer"])
        XCTAssertNil(r.headers["X-Other"])
    }

    func testChunkedWithoutTrailersAndEmptyBody() throws {
        let r = try XCTUnwrap(parseOne("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
        XCTAssertEqual(r.body, [])
    }

    func testTransferEncodingWithOWSAndCaseIsChunked() throws {
        for te in ["Transfer-Encoding:   chunked  ", "Transfer-Encoding:\tchunked\t", "transfer-encoding: Chunked",
                   "Transfer-Encoding: CHUNKED"] {
            let r = try XCTUnwrap(parseOne("POST / HTTP/1.1\r\nHost: a\r\n\(te)\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), te)
            XCTAssertEqual(r.body, Self.b("abc"), te)
        }
    }

    func testHTTP10WithoutHost() throws {
        let r = try XCTUnwrap(parseOne("GET /status HTTP/1.0\r\n\r\n"))
        XCTAssertEqual(r.version, .http10)
        XCTAssertNil(r.host)
        XCTAssertEqual(r.path, "/status")
        XCTAssertFalse(r.keepAlive)
        // A 1.0 request may still carry a Host, and a body framed by Content-Length.
        let withBody = try XCTUnwrap(parseOne("POST /x HTTP/1.0\r\nHost: h\r\nContent-Length: 2\r\n\r\nok"))
        XCTAssertEqual(withBody.host, "h")
        XCTAssertEqual(withBody.body, Self.b("ok"))
    }

    func testAbsoluteFormTarget() throws {
        let r = try XCTUnwrap(parseOne(
            "GET http://auth.example.com:8443/authorize?client_id=a&state=x HTTP/1.1\r\nHost: other.example\r\n\r\n"))
        XCTAssertEqual(r.target, "http://auth.example.com:8443/authorize?client_id=a&state=x")
        XCTAssertEqual(r.path, "/authorize")
        XCTAssertEqual(r.query, "client_id=a&state=x")
        // RFC 9112 §3.2.2: the target's authority wins over the Host field.
        XCTAssertEqual(r.host, "auth.example.com:8443")

        let bare = try XCTUnwrap(parseOne("GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        XCTAssertEqual(bare.path, "/")
        XCTAssertNil(bare.query)
        XCTAssertEqual(bare.host, "example.com")

        let queryOnly = try XCTUnwrap(parseOne("GET HTTP://Example.COM?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"))
        XCTAssertEqual(queryOnly.path, "/")
        XCTAssertEqual(queryOnly.query, "q=1")
        XCTAssertEqual(queryOnly.host, "Example.COM")
    }

    func testOptionsAsterisk() throws {
        let r = try XCTUnwrap(parseOne("OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        XCTAssertEqual(r.method, .options)
        XCTAssertEqual(r.target, "*")
        XCTAssertEqual(r.path, "*")
        XCTAssertNil(r.query)
    }

    func testLeadingEmptyLinesBeforeRequestLineTolerated() throws {
        let one = try XCTUnwrap(parseOne("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertEqual(one.path, "/")
        let four = try XCTUnwrap(parseOne("\r\n\r\n\r\n\r\nGET /four HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertEqual(four.path, "/four")
        // Between pipelined requests too (some clients send a CRLF after a POST body).
        let two = parseValid(Self.b("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\r\nGET /g HTTP/1.1\r\nHost: a\r\n\r\n"))
        XCTAssertEqual(two.map(\.path), ["/p", "/g"])
    }

    func testOnlyEmptyLinesIsNeedMoreAndIdle() {
        let trace = Self.whole(Self.b("\r\n\r\n"))
        XCTAssertTrue(trace.events.isEmpty)
        XCTAssertEqual(trace.parser.phase, .idle)
    }

    func testThreePipelinedRequestsAnsweredInOrder() {
        let stream = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nsecond"
            + "PUT /third?x=3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            + "5\r\nthird\r\n0\r\n\r\n"
        let requests = parseValid(Self.b(stream))
        XCTAssertEqual(requests.map(\.method), [.get, .post, .put])
        XCTAssertEqual(requests.map(\.path), ["/first", "/second", "/third"])
        XCTAssertEqual(requests.map { String(decoding: $0.body, as: UTF8.self) }, ["", "second", "third"])
        XCTAssertEqual(requests.map(\.keepAlive), [true, true, false])
        XCTAssertEqual(requests[2].query, "x=3")
    }

    func testPipelinedRequestsAreDeliveredOneCallAtATime() {
        // The caller answers in order: each `next` yields at most one request and leaves the
        // index just past it.
        let first = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        let buffer = Self.b(first + "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
        var parser = HTTPRequestParser()
        var index = 0
        guard case .request(let r1) = parser.next(buffer, index: &index) else { return XCTFail("no first request") }
        XCTAssertEqual(r1.path, "/1")
        XCTAssertEqual(index, first.utf8.count)
        guard case .request(let r2) = parser.next(buffer, index: &index) else { return XCTFail("no second request") }
        XCTAssertEqual(r2.path, "/2")
        XCTAssertEqual(index, buffer.count)
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail("expected needMore") }
    }

    func testExpectContinueOnceThenRequestAfterBody() {
        let head = Self.b("POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n")
        var parser = HTTPRequestParser()
        var buffer = head
        var index = 0
        guard case .continueExpected = parser.next(buffer, index: &index) else { return XCTFail("expected continue") }
        XCTAssertEqual(parser.phase, .body)
        // Exactly once: asking again, or with part of the body, is just needMore.
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail("continue sent twice") }
        buffer += Self.b("01234")
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail("continue sent twice") }
        buffer += Self.b("56789")
        guard case .request(let r) = parser.next(buffer, index: &index) else { return XCTFail("expected request") }
        XCTAssertEqual(r.body, Self.b("0123456789"))
        XCTAssertNil(r.headers["Expect"], "Expect is consumed by the parser")
        XCTAssertEqual(index, buffer.count)
        XCTAssertEqual(parser.phase, .idle)
    }

    func testExpectContinueByteByByteAndPipelined() {
        // Two requests, each expecting 100-continue: one continue per request, each before its request.
        let one = "POST /a HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\nabc"
        let two = "POST /b HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        let bytes = Self.b(one + two)
        let trace = Self.byteByByte(bytes)
        XCTAssertNil(trace.failure)
        XCTAssertEqual(trace.continues, 2)
        let kinds = trace.events.map { e -> String in
            switch e {
            case .continueExpected: return "100"
            case .request(let r): return r.path
            case .failure(let f): return "\(f)"
            }
        }
        XCTAssertEqual(kinds, ["100", "/a", "100", "/b"])
        parseValid(bytes)
    }

    func testExpectContinueNotSentWhenBodyAlreadyHereOrAbsent() {
        // The body arrived with the head: nothing to wait for.
        let full = Self.whole(Self.b("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"))
        XCTAssertEqual(full.continues, 0)
        XCTAssertEqual(full.requests.count, 1)
        // No body at all.
        let none = Self.byteByByte(Self.b("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"))
        XCTAssertEqual(none.continues, 0)
        XCTAssertEqual(none.requests.count, 1)
        // HTTP/1.0 clients don't understand 100 Continue.
        let old = Self.byteByByte(Self.b("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"))
        XCTAssertEqual(old.continues, 0)
        XCTAssertEqual(old.requests.count, 1)
    }

    func testKeepAliveRules() throws {
        func keepAlive(_ version: String, _ extra: String) throws -> Bool {
            let host = version == "HTTP/1.1" ? "Host: a\r\n" : ""
            return try XCTUnwrap(parseOne("GET / \(version)\r\n\(host)\(extra)\r\n")).keepAlive
        }
        XCTAssertTrue(try keepAlive("HTTP/1.1", ""))
        XCTAssertTrue(try keepAlive("HTTP/1.1", "Connection: keep-alive\r\n"))
        XCTAssertFalse(try keepAlive("HTTP/1.1", "Connection: close\r\n"))
        XCTAssertFalse(try keepAlive("HTTP/1.1", "Connection: Close\r\n"))
        XCTAssertFalse(try keepAlive("HTTP/1.1", "Connection: keep-alive, close\r\n"))
        XCTAssertFalse(try keepAlive("HTTP/1.1", "Connection: upgrade\r\nConnection: close\r\n"))
        XCTAssertFalse(try keepAlive("HTTP/1.0", ""))
        XCTAssertTrue(try keepAlive("HTTP/1.0", "Connection: keep-alive\r\n"))
        XCTAssertTrue(try keepAlive("HTTP/1.0", "Connection: Keep-Alive\r\n"))
        XCTAssertFalse(try keepAlive("HTTP/1.0", "Connection: keep-alive, close\r\n"))
    }

    func testHeaderValuesTrimmedOfOWS() throws {
        let r = try XCTUnwrap(parseOne(
            "GET / HTTP/1.1\r\nHost:   a.example  \r\nX-Tabs:\t \tinner  space kept\t \r\nX-Empty:   \r\nX-None:\r\n\r\n"))
        XCTAssertEqual(r.headers["Host"], "a.example")
        XCTAssertEqual(r.host, "a.example")
        XCTAssertEqual(r.headers["X-Tabs"], "inner  space kept")
        XCTAssertEqual(r.headers["X-Empty"], "")
        XCTAssertEqual(r.headers["X-None"], "")
    }

    func testRepeatedFieldsKeptInOrder() throws {
        let r = try XCTUnwrap(parseOne("GET / HTTP/1.1\r\nHost: a\r\nAccept: a\r\naccept: b\r\nACCEPT: c\r\n\r\n"))
        XCTAssertEqual(r.headers.values("Accept"), ["a", "b", "c"])
    }

    func testObsTextInHeaderValueAccepted() throws {
        var bytes = Self.b("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf")
        bytes += [0xE9, 0x20, 0x80, 0xFF]
        bytes += Self.b(" end\r\n\r\n")
        let requests = parseValid(bytes)
        XCTAssertEqual(requests.count, 1)
        let value = try XCTUnwrap(requests.first?.headers["X-Name"])
        XCTAssertTrue(value.hasPrefix("caf"))
        XCTAssertTrue(value.hasSuffix(" end"))
    }

    func testExactlyMaxHeaderCountAccepted() throws {
        var s = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 1..<100 { s += "X-\(i): v\r\n" }
        let r = try XCTUnwrap(parseOne(s + "\r\n"))
        XCTAssertEqual(r.headers.count, 100)
    }

    func testUnusualButValidTokens() throws {
        // Methods are case-sensitive tokens; extension methods are fine.
        let r = try XCTUnwrap(parseOne("PROPFIND /dav HTTP/1.1\r\nHost: a\r\nX-Weird!#$%&'*+-.^_`|~: ok\r\n\r\n"))
        XCTAssertEqual(r.method.rawValue, "PROPFIND")
        XCTAssertEqual(r.headers["X-Weird!#$%&'*+-.^_`|~"], "ok")
        // IPv6 literal and port in Host.
        let v6 = try XCTUnwrap(parseOne("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"))
        XCTAssertEqual(v6.host, "[::1]:8443")
    }

    // MARK: - phase

    func testPhase() {
        var parser = HTTPRequestParser()
        var buffer: [UInt8] = []
        var index = 0
        XCTAssertEqual(parser.phase, .idle, "before any byte")
        buffer += Self.b("\r\n")
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail() }
        XCTAssertEqual(parser.phase, .idle, "empty lines before a request are still idle")
        buffer += Self.b("GE")
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail() }
        XCTAssertEqual(parser.phase, .head, "mid request line")
        buffer += Self.b("T / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n")
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail() }
        XCTAssertEqual(parser.phase, .head, "mid header section")
        buffer += Self.b("\r\n")
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail() }
        XCTAssertEqual(parser.phase, .body, "waiting for a Content-Length body")
        buffer += Self.b("body")
        guard case .request = parser.next(buffer, index: &index) else { return XCTFail() }
        XCTAssertEqual(parser.phase, .idle, "after a complete request")
        buffer += Self.b("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab")
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail() }
        XCTAssertEqual(parser.phase, .body, "waiting for a chunked body")
        buffer += Self.b("cd\r\n0\r\n\r\n")
        guard case .request(let r) = parser.next(buffer, index: &index) else { return XCTFail() }
        XCTAssertEqual(r.body, Self.b("abcd"))
        XCTAssertEqual(parser.phase, .idle)
    }

    // MARK: - rejections: framing (400)

    func testContentLengthWithTransferEncodingRejected() {
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n", 400)
    }

    func testDuplicateContentLengthRejected() {
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n", 400)
    }

    func testNonNumericContentLengthRejected() {
        for value in ["abc", "-1", "+5", "1 2", "5, 5", "5,5", "", "0x5", "5.0", "1e3", "٣",
                      "99999999999999999999", "\t"] {
            assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\nhello", 400)
        }
    }

    func testBadTransferEncodingRejected() {
        for value in ["xchunked", "chunkedx", "chunked, identity", "identity", "chunked, chunked", "chunked,", ",chunked",
                      "chunked;q=1", "foo, chunked", "gzip", ""] {
            assertRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(value)\r\n\r\n0\r\n\r\n", 400)
        }
        // The same, split over two field lines.
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n", 400)
    }

    func testTransferEncodingInHTTP10Rejected() {
        assertRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
        assertRejected("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    // MARK: - rejections: head syntax (400)

    func testObsFoldRejected() {
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nX-Long: first\r\n second\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nX-Long: first\r\n\tsecond\r\n\r\n", 400)
        // Whitespace between the request line and the first field (RFC 9112 §2.2).
        assertRejected("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400)
    }

    func testBareCRInHeadRejected() {
        assertRejected("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\rHost: a\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\rX-B: b\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 400)
        assertRejected("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testBareLFInHeadRejected() {
        assertRejected("GET / HTTP/1.1\nHost: a\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\nX-B: b\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\n\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\n\n", 400)
        assertRejected("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testTooManyEmptyLinesBeforeRequestRejected() {
        assertRejected("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testWhitespaceBeforeColonRejected() {
        assertRejected("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello", 400)
    }

    func testMalformedFieldLinesRejected() {
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nNoColonHere\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nX(bad): v\r\n\r\n", 400)
        assertRejected(Self.b("GET / HTTP/1.1\r\nHost: a\r\nX-") + [0xC3, 0xA9] + Self.b(": v\r\n\r\n"), 400)
    }

    func testHostRules() {
        // RFC 9112 §3.2: 400 for a 1.1 request without Host, with two, or with an invalid one.
        assertRejected("GET / HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n", 400)
        assertRejected("GET http://a.example/ HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400)
        for bad in ["exa mple.com", "a/b", "a@b", "a,b", "a\tb", "evil.com/#", "a?b", "a\\b", "\"a\""] {
            assertRejected("GET / HTTP/1.1\r\nHost: \(bad)\r\n\r\n", 400)
        }
        // An http URI must not have an empty host (RFC 9110 §4.2.1).
        assertRejected("GET / HTTP/1.1\r\nHost:\r\n\r\n", 400)
        assertRejected(Self.b("GET / HTTP/1.1\r\nHost: caf") + [0xE9] + Self.b("\r\n\r\n"), 400)
    }

    func testNULRejected() {
        assertRejected(Self.b("GET / HTTP/1.1\r\nHost: a\r\nX-A: a") + [0] + Self.b("b\r\n\r\n"), 400)
        assertRejected(Self.b("GET /a") + [0] + Self.b("b HTTP/1.1\r\nHost: a\r\n\r\n"), 400)
        assertRejected(Self.b("GET") + [0] + Self.b(" / HTTP/1.1\r\nHost: a\r\n\r\n"), 400)
        assertRejected(Self.b("GET / HTTP/1.1\r\nHo") + [0] + Self.b("st: a\r\n\r\n"), 400)
    }

    func testControlCharactersRejected() {
        for c: UInt8 in [0x01, 0x08, 0x0B, 0x0C, 0x1B, 0x1F, 0x7F] {
            assertRejected(Self.b("GET / HTTP/1.1\r\nHost: a\r\nX-A: a") + [c] + Self.b("b\r\n\r\n"), 400)
            assertRejected(Self.b("GET /a") + [c] + Self.b("b HTTP/1.1\r\nHost: a\r\n\r\n"), 400)
        }
        // Non-ASCII in the request target must be percent-encoded.
        assertRejected(Self.b("GET /caf") + [0xC3, 0xA9] + Self.b(" HTTP/1.1\r\nHost: a\r\n\r\n"), 400)
    }

    func testInvalidMethodRejected() {
        for method in ["G(T", "GET@", "G/ET", "GE,T", "[GET]", "GE\"T", "G{ET}"] {
            assertRejected("\(method) / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        }
        assertRejected(" / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testMalformedRequestLineRejected() {
        assertRejected("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400)
        assertRejected("GET / a HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET /\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET /\tHTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testMalformedVersionRejected() {
        for version in ["HTTP/1.1x", "http/1.1", "HTTP/1", "HTTP/11.1", "HTTP/1.10", "HTTP/a.b", "HTTP 1.1", "HTTP/1.1.1",
                        "HTTPS/1.1", "HTTP/"] {
            assertRejected("GET / \(version)\r\nHost: a\r\n\r\n", 400)
        }
    }

    func testNonOriginTargetRejected() {
        assertRejected("GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET foo/bar HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("GET ftp://a.example/ HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", 400)
        assertRejected("GET ?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testAsteriskOnlyForOptions() {
        assertRejected("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertRejected("POST * HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 400)
        assertRejected("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    // MARK: - rejections: chunked body (400)

    func chunked(_ body: String) -> [UInt8] {
        Self.b("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    }

    func testMalformedChunkSizeRejected() {
        assertRejected(chunked("zz\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("5z\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked(" 5\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("-5\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("0x5\r\nhello\r\n0\r\n\r\n"), 400)
        // Missing CRLF after the chunk data, or data longer than announced.
        assertRejected(chunked("5\r\nhelloX\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("5\r\nhello0\r\n\r\n"), 400)
        assertRejected(chunked("5\r\nhello\rX0\r\n\r\n"), 400)
        // Chunk sizes that would overflow (20 hex digits), or are merely too long (16).
        assertRejected(chunked("00000000000000000005\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("FFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("1000000000000000\r\nhello\r\n0\r\n\r\n"), 400)
    }

    func testBareLFInChunkLinesRejected() {
        assertRejected(chunked("5\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("5;ext\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("5\r\nhello\n0\r\n\r\n"), 400)
        assertRejected(chunked("5\r\nhello\r\n0\n\r\n"), 400)
        assertRejected(chunked("5\r\nhello\r\n0\r\n\n"), 400)
        assertRejected(chunked("5\r\nhello\r\n0\r\nX-T: v\n\r\n"), 400)
        // Bare CR too.
        assertRejected(chunked("5\rhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("5\r\nhello\r\n0\r\n\rX"), 400)
    }

    func testBadChunkExtensionsAndTrailersRejected() {
        assertRejected(chunked("5;a") + [0] + Self.b("\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("5;a") + [0x01] + Self.b("\r\nhello\r\n0\r\n\r\n"), 400)
        assertRejected(chunked("0\r\nX-T: a") + [0] + Self.b("\r\n\r\n"), 400)
        assertRejected(chunked("0\r\nX-T: a\r\n folded\r\n\r\n"), 400)
    }

    // MARK: - other statuses

    func testUnsupportedVersionIs505() {
        for version in ["HTTP/2.0", "HTTP/1.2", "HTTP/3.0", "HTTP/0.9"] {
            assertRejected("GET / \(version)\r\nHost: a\r\n\r\n", 505)
        }
    }

    func testUnknownExpectationIs417() {
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\nok", 417)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, foo\r\nContent-Length: 2\r\n\r\nok", 417)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nExpect: 100-continue\r\n"
                       + "Content-Length: 2\r\n\r\nok", 417)
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417)
    }

    func testLongRequestLineIs414() {
        let target = "/" + String(repeating: "a", count: 9 * 1024)
        assertRejected("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n", 414)
        // Decided before the line ends: a client that never sends CRLF is still refused.
        assertRejected("GET \(target)", 414)
        // The boundary: a line of exactly 8 KiB is allowed, one byte more is not.
        let exact = "GET /" + String(repeating: "a", count: 8 * 1024 - 14) + " HTTP/1.1"
        XCTAssertEqual(exact.utf8.count, 8 * 1024)
        XCTAssertNotNil(parseOne(exact + "\r\nHost: a\r\n\r\n"))
        assertRejected("GET /a" + exact.dropFirst(5) + "\r\nHost: a\r\n\r\n", 414)
    }

    func testLargeHeaderSectionIs431() {
        let big = String(repeating: "v", count: 1000)
        var s = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 0..<40 { s += "X-\(i): \(big)\r\n" }  // ~40 KiB in 41 fields
        assertRejected(s + "\r\n", 431)
        // One huge field, and one that never ends.
        let huge = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 40 * 1024)
        assertRejected(huge + "\r\n\r\n", 431)
        assertRejected(huge, 431)
    }

    func testTooManyHeaderFieldsIs431() {
        var s = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 1...100 { s += "X-\(i): v\r\n" }  // 101 fields
        assertRejected(s + "\r\n", 431)
        assertRejected(s, 431)
    }

    func testContentLengthAboveLimitIs413() {
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n", 413)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999999999\r\n\r\n", 413)
        // Exactly the limit is fine (fed whole; a megabyte byte by byte is just slow).
        let body = [UInt8](repeating: 0x61, count: 1024 * 1024)
        let trace = Self.whole(Self.b("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n") + body)
        XCTAssertNil(trace.failure)
        XCTAssertEqual(trace.requests.first?.body.count, 1024 * 1024)
    }

    func testChunkedBodyAboveLimitIs413() {
        // One chunk announcing more than the limit is refused before its data arrives.
        assertRejected(chunked("100001\r\n"), 413)
        assertRejected(chunked("fffffffffffffff\r\n"), 413)
        // A body that grows past the limit over many chunks.
        var bytes = chunked("")
        let piece = [UInt8](repeating: 0x62, count: 64 * 1024)
        for _ in 0..<16 { bytes += Self.b("10000\r\n") + piece + Self.b("\r\n") }  // exactly 1 MiB so far
        let atLimit = Self.whole(bytes + Self.b("0\r\n\r\n"))
        XCTAssertNil(atLimit.failure)
        XCTAssertEqual(atLimit.requests.first?.body.count, 1024 * 1024)
        bytes += Self.b("1\r\nx\r\n0\r\n\r\n")
        assertRejected(bytes, 413, byteByByte: false)
        let pieces = Self.feed(bytes, cuts: Array(stride(from: 0, to: bytes.count, by: 4093)))
        XCTAssertEqual(pieces.failure?.status.code, 413)
    }

    func testCompressedTransferCodingIs501() {
        for value in ["gzip, chunked", "deflate, chunked", "x-gzip,chunked", "GZIP , chunked", "compress, chunked"] {
            assertRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(value)\r\n\r\n0\r\n\r\n", 501)
        }
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501)
    }

    // MARK: - failure is final

    func testFailureIsSticky() {
        var parser = HTTPRequestParser()
        var buffer = Self.b("GET / HTTP/1.1\r\nHost : a\r\n\r\n")
        var index = 0
        guard case .failure(let first) = parser.next(buffer, index: &index) else { return XCTFail("expected failure") }
        XCTAssertEqual(first.status, .badRequest)
        XCTAssertEqual(parser.phase, .idle)
        for _ in 0..<3 {
            buffer += Self.b("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            guard case .failure(let again) = parser.next(buffer, index: &index) else { return XCTFail("parser recovered") }
            XCTAssertEqual(again, first)
        }
        // Also with a fresh index and buffer: nothing after a framing error is trusted.
        var fresh = 0
        guard case .failure(let still) = parser.next(Self.b("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), index: &fresh) else {
            return XCTFail("parser recovered")
        }
        XCTAssertEqual(still, first)
    }

    func testFailureInBodyIsSticky() {
        var parser = HTTPRequestParser()
        var buffer = chunked("5\r\nhel")
        var index = 0
        guard case .needMore = parser.next(buffer, index: &index) else { return XCTFail() }
        buffer += Self.b("loX")
        guard case .failure(let first) = parser.next(buffer, index: &index) else { return XCTFail("expected failure") }
        XCTAssertEqual(first.status.code, 400)
        buffer += Self.b("\r\n0\r\n\r\n")
        guard case .failure(let again) = parser.next(buffer, index: &index) else { return XCTFail("parser recovered") }
        XCTAssertEqual(again, first)
    }

    func testRequestBeforeAFailureIsStillDelivered() {
        // A good request followed by a bad one: the good one is answered, then the failure.
        let bytes = Self.b("GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost : a\r\n\r\n")
        for trace in [Self.whole(bytes), Self.byteByByte(bytes)] {
            XCTAssertEqual(trace.requests.map(\.path), ["/ok"])
            XCTAssertEqual(trace.failure?.status.code, 400)
        }
    }

    // MARK: - custom limits

    func testCustomRequestLineLimit() {
        let limits = HTTPLimits(maxRequestLine: 32)
        let line32 = "GET /" + String(repeating: "a", count: 18) + " HTTP/1.1"
        XCTAssertEqual(line32.utf8.count, 32)
        XCTAssertEqual(parseOne(line32 + "\r\nHost: a\r\n\r\n", limits: limits)?.target.utf8.count, 19,
                       "a request line of exactly maxRequestLine bytes is allowed")
        let line33 = "GET /" + String(repeating: "a", count: 19) + " HTTP/1.1"
        assertRejected(line33 + "\r\nHost: a\r\n\r\n", 414, limits: limits)
        assertRejected(line33, 414, limits: limits)
        // The default allows a 9 KiB line once raised.
        let target = "/" + String(repeating: "a", count: 9 * 1024)
        XCTAssertNotNil(parseOne("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n", limits: HTTPLimits(maxRequestLine: 10 * 1024)))
    }

    func testCustomHeaderBytesLimit() {
        // The header section is every byte after the request line, up to and including the empty line.
        let section = "Host: a\r\nX-Pad: 0123456789\r\n\r\n"
        let n = section.utf8.count
        XCTAssertNotNil(parseOne("GET / HTTP/1.1\r\n" + section, limits: HTTPLimits(maxHeaderBytes: n)))
        assertRejected("GET / HTTP/1.1\r\n" + section, 431, limits: HTTPLimits(maxHeaderBytes: n - 1))
        // The request line doesn't count against it.
        let longTarget = "/" + String(repeating: "t", count: 200)
        XCTAssertNotNil(parseOne("GET \(longTarget) HTTP/1.1\r\n" + section, limits: HTTPLimits(maxHeaderBytes: n)))
    }

    func testCustomHeaderCountLimit() {
        let limits = HTTPLimits(maxHeaderCount: 3)
        XCTAssertNotNil(parseOne("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits))
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431, limits: limits)
    }

    func testCustomBodyLimit() {
        let limits = HTTPLimits(maxBodySize: 10)
        XCTAssertEqual(parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits)?.body.count, 10)
        assertRejected("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n0123456789X", 413, limits: limits)
        XCTAssertEqual(parseValid(chunked("4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n"), limits: limits).first?.body.count, 10)
        assertRejected(chunked("4\r\n0123\r\n6\r\n456789\r\n1\r\nX\r\n0\r\n\r\n"), 413, limits: limits)
        assertRejected(chunked("b\r\n"), 413, limits: limits)
    }

    func testCustomLimitsApplyToTrailers() {
        let limits = HTTPLimits(maxHeaderBytes: 64, maxHeaderCount: 2)
        XCTAssertNotNil(parseValid(chunked("0\r\nA: 1\r\nB: 2\r\n\r\n"), limits: limits).first)
        assertRejected(chunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"), 431, limits: limits)
        assertRejected(chunked("0\r\nA: " + String(repeating: "x", count: 80) + "\r\n\r\n"), 431, limits: limits)
    }
}

final class HTTPRequestParserAuthorityTests: XCTestCase {
    private func status(_ text: String) -> Int? {
        var parser = HTTPRequestParser()
        var index = 0
        if case .failure(let e) = parser.next(Array(text.utf8), index: &index) { return e.status.code }
        return nil
    }

    func testAbsoluteFormRejectsUserinfoAndEmptyHost() {
        XCTAssertEqual(status("GET http://evil@good.example/x HTTP/1.1\r\nHost: good.example\r\n\r\n"), 400)
        XCTAssertEqual(status("GET http:///x HTTP/1.1\r\nHost: good.example\r\n\r\n"), 400)
        XCTAssertNil(status("GET http://good.example:8080/x?y HTTP/1.1\r\nHost: good.example\r\n\r\n"))
    }

    func testMalformedTrailerFieldsAreRejected() {
        let head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        XCTAssertEqual(status(head + "no colon here\r\n\r\n"), 400)
        XCTAssertEqual(status(head + "Bad Name: v\r\n\r\n"), 400)
        XCTAssertEqual(status(head + ":v\r\n\r\n"), 400)
        XCTAssertNil(status(head + "X-Checksum: abc\r\n\r\n"))
    }

    func testFragmentInTargetIsRejected() {
        XCTAssertEqual(status("GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n"), 400)
    }

    func testJunkAfterChunkSizeIsRejected() {
        XCTAssertEqual(status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 6\r\nhello\r\n0\r\n\r\n"), 400)
        XCTAssertNil(status("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n0\r\n\r\n"))
    }
}
