#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTP
import Logging
@testable import Net
import XCTest

/// What `Connection`, the driver, does on a real socket beyond `HTTPServerTests`: TLS under
/// pipelining and back-pressure, the write timeout on a client that never reads, and the
/// lingering close after an error. Waits poll with a deadline; nothing asserts a duration.
final class ConnectionDriverTests: XCTestCase {
    private var server: HTTPServer!
    private var port: Int { server.boundPorts[0] }

    private func startServer(writeTimeout: Double = 30, tls: TLSContext? = nil,
                             responder: @escaping HTTPResponder) throws {
        let config = HTTPServer.Configuration(addresses: [ListenAddress(host: "127.0.0.1", port: 0)],
                                              writeTimeout: writeTimeout, tls: tls)
        server = HTTPServer(configuration: config, logger: Logger(label: "test"), responder: responder)
        try server.start()
    }

    override func tearDown() {
        server?.shutdown(timeout: 2)
        server = nil
    }

    /// Polls `condition` until it holds or `seconds` pass.
    private func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    private static func echo(_ request: HTTPRequest, _ info: ConnectionInfo) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "text/plain", body: "\(request.method) \(request.path) \(request.body.count)")
    }

    // MARK: TLS

    private func tlsClient() throws -> (RawClient, TestConnection) {
        let pki = try TestPKI.shared.get()
        let raw = try RawClient(port: port, timeout: 10)
        let session = try TLSSession(context: try TLSContext.client(caFile: pki.caFile), fd: raw.fd, accept: false,
                                     serverName: "localhost")
        XCTAssertEqual(session.handshake(), .bytes(0))
        return (raw, TestConnection(fd: raw.fd, tls: session))
    }

    /// Reads over TLS until `count` whole responses are in.
    private func readResponses(_ count: Int, from connection: TestConnection) -> [String] {
        var data: [UInt8] = []
        var responses: [String] = []
        while responses.count < count {
            while let r = RawClient.splitResponse(&data) { responses.append(r) }
            if responses.count >= count { break }
            guard let chunk = connection.read(65536) else { break }
            data += chunk
        }
        return responses
    }

    func testTLSKeepAliveAndPipelining() throws {
        let pki = try TestPKI.shared.get()
        try startServer(tls: try TLSContext.server(certificatePath: pki.serverCert, keyPath: pki.serverKey),
                        responder: Self.echo)
        let (raw, c) = try tlsClient()
        XCTAssertTrue(c.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"))
        let responses = readResponses(3, from: c)
        XCTAssertEqual(responses.count, 3)
        XCTAssertTrue(responses[0].hasSuffix("GET /a 0"))
        XCTAssertTrue(responses[1].hasSuffix("GET /b 0"))
        XCTAssertTrue(responses[2].hasSuffix("POST /c 3"))
        // Still open: one more on the same connection.
        XCTAssertTrue(c.write("GET /d HTTP/1.1\r\nHost: x\r\n\r\n"))
        XCTAssertTrue(readResponses(1, from: c).first?.hasSuffix("GET /d 0") ?? false)
        _ = raw
    }

    func testTLSAnswersLargerThanTheSocketBuffersArriveWholeAndInOrder() throws {
        let pki = try TestPKI.shared.get()
        try startServer(tls: try TLSContext.server(certificatePath: pki.serverCert, keyPath: pki.serverKey)) { request, _ in
            // 512 KiB, each filled with the last letter of its path.
            HTTPResponse(status: .ok, body: [UInt8](repeating: request.path.utf8.last ?? 0, count: 512 * 1024))
        }
        let (raw, c) = try tlsClient()
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN")
        XCTAssertTrue(c.write(letters.map { "GET /\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined()))
        let responses = readResponses(letters.count, from: c)
        XCTAssertEqual(responses.count, letters.count)
        for (response, letter) in zip(responses, letters) {
            XCTAssertTrue(response.hasSuffix(String(repeating: letter, count: 64)), "answer for /\(letter) out of order")
        }
        _ = raw
    }

    // MARK: write timeout

    func testClientThatNeverReadsIsCutOffAfterTheWriteTimeout() throws {
        let payload = [UInt8](repeating: 65, count: 4 * 1024 * 1024)
        try startServer(writeTimeout: 0.5) { _, _ in HTTPResponse(status: .ok, body: payload) }
        let c = try RawClient(port: port, timeout: 10)
        // 32 MiB of answers, far more than the socket buffers hold; the client reads none.
        c.send(String(repeating: "GET / HTTP/1.1\r\nHost: x\r\n\r\n", count: 8))
        XCTAssertTrue(eventually(within: 10) { server.openConnections == 1 }, "connection never accepted")
        XCTAssertTrue(eventually(within: 15) { server.openConnections == 0 }, "stuck connection never closed")
        // What the client finds: part of the answers, then the end.
        let (text, closed) = c.readAll()
        XCTAssertTrue(closed)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 200 OK"))
        XCTAssertLessThan(text.utf8.count, 8 * payload.count)
    }

    // MARK: lingering close

    func testClientStillSendingAfterAnErrorReadsTheErrorAnswer() throws {
        try startServer(responder: Self.echo)
        let c = try RawClient(port: port, timeout: 10)
        // The head already says the body is too large; the client sends a body anyway, far
        // more than the socket buffers hold.
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
        let leftovers = [UInt8](repeating: 66, count: 16 * 1024 * 1024)
        var sent = 0
        while sent < leftovers.count {
            let n = leftovers[sent...].withUnsafeBytes { send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        // The server read and dropped all of it instead of resetting the connection.
        XCTAssertEqual(sent, leftovers.count)
        // Our side is done: the lingering close sees our EOF and closes.
        shutdown(c.fd, Int32(SHUT_WR))
        let (text, closed) = c.readAll()
        XCTAssertEqual(RawClient.status(of: text), 413, text)
        XCTAssertTrue(closed)
        XCTAssertTrue(eventually(within: 5) { server.openConnections == 0 })
    }
}
