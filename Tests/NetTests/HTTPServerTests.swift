#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP
import Logging
@testable import Net
import XCTest

final class HTTPServerTests: XCTestCase {
    private var server: HTTPServer!
    private var port: Int { server.boundPorts[0] }

    private func startServer(headerTimeout: Double = 10, idleTimeout: Double = 60, maxConnections: Int = 10_000,
                             responder: HTTPResponder? = nil) throws {
        let config = HTTPServer.Configuration(addresses: [ListenAddress(host: "127.0.0.1", port: 0)],
                                              headerTimeout: headerTimeout, idleTimeout: idleTimeout,
                                              maxConnections: maxConnections)
        server = HTTPServer(configuration: config, logger: Logger(label: "test"), responder: responder ?? { request, _ in
            if request.path == "/slow" { usleep(1_500_000) }
            return HTTPResponse(status: .ok, contentType: "text/plain",
                                body: "\(request.method) \(request.path) \(request.body.count)")
        })
        try server.start()
    }

    override func tearDown() {
        server?.shutdown(timeout: 2)
        server = nil
    }

    func testSimpleGetKeepAliveAndPipelining() throws {
        try startServer()
        let c = try RawClient(port: port)
        c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nPOST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        let responses = c.readResponses(3)
        XCTAssertEqual(responses.count, 3)
        XCTAssertTrue(responses[0].hasSuffix("GET /a 0"))
        XCTAssertTrue(responses[1].hasSuffix("GET /b 0"))
        XCTAssertTrue(responses[2].hasSuffix("POST /c 3"))
        XCTAssertTrue(responses[0].contains("\r\nDate: "))
    }

    func testHeadHasNoBody() throws {
        try startServer()
        let c = try RawClient(port: port)
        c.send("HEAD /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let (text, closed) = c.readAll()
        XCTAssertTrue(closed)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 200 OK"))
        XCTAssertTrue(text.contains("Content-Length: 9"))
        XCTAssertTrue(text.hasSuffix("\r\n\r\n"), text)
    }

    func testExpectContinue() throws {
        try startServer()
        let c = try RawClient(port: port)
        c.send("POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = recv(c.fd, &buffer, buffer.count, 0)
        XCTAssertEqual(String(decoding: buffer[0..<max(n, 0)], as: UTF8.self), "HTTP/1.1 100 Continue\r\n\r\n")
        c.send("body")
        let responses = c.readResponses(1)
        XCTAssertTrue(responses.first?.hasSuffix("POST /u 4") ?? false)
    }

    func testChunkedRequestBody() throws {
        try startServer()
        let c = try RawClient(port: port)
        c.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n")
        XCTAssertTrue(c.readResponses(1).first?.hasSuffix("POST /c 11") ?? false)
    }

    /// Malformed and smuggling attempts each get an error status and a closed connection,
    /// and the server keeps serving afterwards.
    func testMalformedAndSmugglingRequestsAreRejectedAndClosed() throws {
        try startServer()
        let big = String(repeating: "a", count: 100 * 1024)
        let cases: [(String, String, [Int])] = [
            ("CL+TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400]),
            ("TE xchunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", [400]),
            ("TE chunked, identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", [400]),
            ("TE identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", [400]),
            ("TE twice chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400]),
            ("TE in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400]),
            ("TE with space before colon", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", [400]),
            ("double CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", [400]),
            ("CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", [400]),
            ("CL negative", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", [400]),
            ("CL plus sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", [400]),
            ("NUL in header", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n", [400]),
            ("100 KiB header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n", [431]),
            ("long request line", "GET /\(big) HTTP/1.1\r\nHost: x\r\n\r\n", [414]),
            ("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n", [400]),
            ("bare LF", "GET / HTTP/1.1\nHost: x\n\n", [400]),
            ("bare CR", "GET / HTTP/1.1\rHost: x\r\n\r\n", [400]),
            ("missing Host", "GET / HTTP/1.1\r\n\r\n", [400]),
            ("double Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", [400]),
            ("body too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", [413]),
            ("bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", [400]),
            ("chunk without CRLF", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", [400]),
            ("space in target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", [400]),
            ("101 headers", "GET / HTTP/1.1\r\nHost: x\r\n" + (0..<101).map { "X-\($0): v\r\n" }.joined() + "\r\n", [431]),
        ]
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        for (name, request, statuses) in cases {
            let c = try RawClient(port: port)
            c.send(request)
            let (text, closed) = c.readAll()
            XCTAssertTrue(statuses.contains(RawClient.status(of: text)), "\(name): got \(text.prefix(60))")
            XCTAssertTrue(closed, "\(name): connection left open")
            XCTAssertEqual(text.components(separatedBy: "HTTP/1.1 ").count - 1, 1, "\(name): more than one response")
        }
        // A request pipelined after an invalid one is never answered.
        let c = try RawClient(port: port)
        c.send("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
        let (text, closed) = c.readAll()
        XCTAssertEqual(RawClient.status(of: text), 400)
        XCTAssertFalse(text.contains("smuggled"))
        XCTAssertTrue(closed)
        // The server still answers a normal request.
        let ok = try RawClient(port: port)
        ok.send("GET /fine HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(ok.readResponses(1).first?.hasSuffix("GET /fine 0") ?? false)
    }

    func testIdleConnectionsDoNotBlockService() throws {
        raiseFileLimit()
        try startServer()
        var idle: [RawClient] = []
        for _ in 0..<500 { idle.append(try RawClient(port: port)) }
        // Half of them have sent a partial request head too.
        for c in idle.prefix(250) { c.send("GET / HTTP/1.1\r\nHo") }
        let start = Date()
        let c = try RawClient(port: port)
        c.send("GET /now HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = c.readResponses(1).first ?? ""
        XCTAssertTrue(response.hasSuffix("GET /now 0"))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
        XCTAssertGreaterThanOrEqual(server.openConnections, 500)
        _ = idle
    }

    func testSlowHeaderSenderIsCutOff() throws {
        try startServer(headerTimeout: 1.5)
        let c = try RawClient(port: port, timeout: 10)
        let start = Date()
        var closedAt: Date?
        for byte in "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaa".utf8 {
            c.send([byte])
            var probe = [UInt8](repeating: 0, count: 512)
            let n = recv(c.fd, &probe, probe.count, Int32(MSG_DONTWAIT))
            if n >= 0 && (n == 0 || String(decoding: probe[0..<n], as: UTF8.self).contains("408")) {
                closedAt = Date()
                break
            }
            usleep(300_000)
        }
        let elapsed = (closedAt ?? Date()).timeIntervalSince(start)
        XCTAssertNotNil(closedAt, "slow sender was never cut off")
        XCTAssertLessThan(elapsed, 3.5)
    }

    func testIdleKeepAliveIsClosed() throws {
        try startServer(idleTimeout: 0.5)
        let c = try RawClient(port: port)
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(c.readResponses(1).count, 1)
        let (_, closed) = c.readAll()
        XCTAssertTrue(closed)
    }

    func testGracefulShutdownFinishesInFlightRequest() throws {
        try startServer()
        let p = port
        let slow = try RawClient(port: p)
        let idle = try RawClient(port: p)
        slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        usleep(200_000)
        let done = expectation(description: "shutdown")
        DispatchQueue.global().async { [server] in
            XCTAssertTrue(server!.shutdown(timeout: 5))
            done.fulfill()
        }
        usleep(200_000)
        XCTAssertThrowsError(try RawClient(port: p), "new connections must be refused")
        let (text, closed) = slow.readAll()
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 200"), text)
        XCTAssertTrue(text.contains("Connection: close"))
        XCTAssertTrue(closed)
        XCTAssertTrue(idle.readAll().closed)
        wait(for: [done], timeout: 6)
    }

    func testBackPressureWithUnreadResponses() throws {
        let payload = [UInt8](repeating: 65, count: 512 * 1024)
        try startServer { _, _ in HTTPResponse(status: .ok, body: payload) }
        let c = try RawClient(port: port, timeout: 10)
        // 40 pipelined requests = 20 MiB of answers the client doesn't read yet.
        c.send(String(repeating: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", count: 40))
        usleep(300_000)
        let responses = c.readResponses(40)
        XCTAssertEqual(responses.count, 40)
    }

    func testConnectionCapHoldsNewClientsUntilOneCloses() throws {
        try startServer(maxConnections: 4)
        var held: [RawClient] = []
        for _ in 0..<4 { held.append(try RawClient(port: port)) }
        usleep(200_000)
        XCTAssertEqual(server.openConnections, 4)
        // The fifth waits in the kernel backlog: connected, but not served yet.
        let waiting = try RawClient(port: port, timeout: 0.5)
        waiting.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(waiting.readResponses(1).isEmpty, "served past the connection cap")
        XCTAssertEqual(server.openConnections, 4)
        held.removeFirst()  // closes one
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(waiting.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        XCTAssertTrue(waiting.readResponses(1).first?.hasSuffix("GET /late 0") ?? false)
    }

    func testIPv6Loopback() throws {
        let config = HTTPServer.Configuration(addresses: [ListenAddress(parsing: "[::1]:0")!])
        server = HTTPServer(configuration: config, logger: Logger(label: "t")) { _, info in
            HTTPResponse(status: .ok, contentType: "text/plain", body: info.remoteAddress)
        }
        do { try server.start() } catch { throw XCTSkip("no IPv6 loopback here: \(error)") }
        let c = try RawClient(port: port, host: "::1")
        c.send("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n")
        XCTAssertTrue(c.readResponses(1).first?.hasSuffix("::1") ?? false)
    }

    func testListenAddressParsing() {
        XCTAssertEqual(ListenAddress(parsing: "0.0.0.0:9000"), ListenAddress(host: "0.0.0.0", port: 9000))
        XCTAssertEqual(ListenAddress(parsing: "[::]:443"), ListenAddress(host: "::", port: 443))
        XCTAssertEqual(ListenAddress(parsing: "localhost:80"), ListenAddress(host: "127.0.0.1", port: 80))
        XCTAssertNil(ListenAddress(parsing: "0.0.0.0"))
        XCTAssertNil(ListenAddress(parsing: "0.0.0.0:99999"))
        XCTAssertNil(ListenAddress(parsing: "example.com:80"))
        XCTAssertNil(ListenAddress(parsing: ":::80"))
    }

    private func raiseFileLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 4096 {
            limit.rlim_cur = min(limit.rlim_max, 4096)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}
