import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import HTTP
@testable import Net

final class HTTPClientTests: XCTestCase {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private func expectError(_ expected: HTTPClientError, file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws(HTTPClientError) -> Void) {
        do {
            try body()
            XCTFail("expected \(expected), got success", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
        }
    }

    private func expectTLSFailure(file: StaticString = #filePath, line: UInt = #line,
                                  _ body: () throws(HTTPClientError) -> Void) -> String? {
        do {
            try body()
            XCTFail("expected a TLS failure, got success", file: file, line: line)
        } catch {
            if case .tlsFailure(let message) = error { return message }
            XCTFail("expected a TLS failure, got \(error)", file: file, line: line)
        }
        return nil
    }

    /// Server answering every request with `response`, recording the request.
    private func server(tls: TLSContext? = nil, response: String) throws -> TestServer {
        let box = ServerBox()
        let s = try TestServer(tls: tls) { conn in
            if let request = conn.readRequest() { box.server?.record(request) }
            conn.write(response)
        }
        box.server = s
        return s
    }

    // MARK: - Plain HTTP

    func testGetSendsExpectedRequest() throws {
        let s = try server(response: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
        defer { s.stop() }
        let client = try HTTPClient()
        var headers = HTTPHeaders()
        headers.add("Accept", "application/json")
        let r = try client.get("http://127.0.0.1:\(s.port)/.well-known/openid-configuration?x=1#frag", headers: headers)
        XCTAssertEqual(r.status.code, 200)
        XCTAssertEqual(r.headers["content-type"], "application/json")
        XCTAssertEqual(text(r.body), "{\"ok\":true}")
        XCTAssertEqual(r.url.port, s.port)

        let request = text(try XCTUnwrap(s.requests.first))
        XCTAssertTrue(request.hasPrefix("GET /.well-known/openid-configuration?x=1 HTTP/1.1\r\nHost: 127.0.0.1:\(s.port)\r\n"), request)
        XCTAssertTrue(request.contains("\r\nAccept: application/json\r\n"), request)
        XCTAssertTrue(request.contains("\r\nConnection: close\r\n"), request)
        XCTAssertTrue(request.contains("\r\nAccept-Encoding: identity\r\n"), request)
        XCTAssertTrue(request.contains("\r\nUser-Agent: Gatehouse/\(HTTPClient.gatehouseVersion)\r\n"), request)
        XCTAssertFalse(request.contains("Content-Length"), request)
        XCTAssertTrue(request.hasSuffix("\r\n\r\n"))
    }

    func testPostWithBody() throws {
        let s = try server(response: "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone")
        defer { s.stop() }
        let client = try HTTPClient()
        let form = Array("grant_type=client_credentials&scope=a%20b".utf8)
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/x-www-form-urlencoded")
        let r = try client.post("http://127.0.0.1:\(s.port)/oauth2/v2.0/token", headers: headers, body: form)
        XCTAssertEqual(r.status.code, 201)
        XCTAssertEqual(text(r.body), "done")
        let request = text(try XCTUnwrap(s.requests.first))
        XCTAssertTrue(request.hasPrefix("POST /oauth2/v2.0/token HTTP/1.1\r\n"), request)
        XCTAssertTrue(request.contains("\r\nContent-Length: \(form.count)\r\n"), request)
        XCTAssertTrue(request.hasSuffix("\r\n\r\ngrant_type=client_credentials&scope=a%20b"), request)
    }

    func testChunkedResponseInPieces() throws {
        let s = try TestServer { conn in
            _ = conn.readRequest()
            // Sent in several writes with pauses so the client sees partial data.
            for piece in ["HTTP/1.1 200 OK\r\nTransfer-", "Encoding: chunked\r\n\r\n4\r\n{\"k\"", "\r\n6\r\n:\"v\"}\n\r\n", "0\r\n\r\n"] {
                conn.write(piece)
                usleep(20_000)
            }
        }
        defer { s.stop() }
        let r = try HTTPClient().get("http://127.0.0.1:\(s.port)/jwks")
        XCTAssertEqual(text(r.body), "{\"k\":\"v\"}\n")
    }

    func testReadUntilCloseBody() throws {
        let s = try server(response: "HTTP/1.0 200 OK\r\n\r\n<EntityDescriptor/>")
        defer { s.stop() }
        let r = try HTTPClient().get("http://127.0.0.1:\(s.port)/metadata")
        XCTAssertEqual(text(r.body), "<EntityDescriptor/>")
    }

    func testHeadRequestHasNoBody() throws {
        let s = try server(response: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        defer { s.stop() }
        let r = try HTTPClient().send(.head, "http://127.0.0.1:\(s.port)/")
        XCTAssertEqual(r.status.code, 200)
        XCTAssertEqual(r.body, [])
    }

    func testResponseTooLarge() throws {
        let body = String(repeating: "x", count: 5000)
        let options = HTTPClient.Options(maxResponseBytes: 1000)
        // Declared by Content-Length.
        let s1 = try server(response: "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + body)
        defer { s1.stop() }
        expectError(.responseTooLarge) { () throws(HTTPClientError) in
            _ = try HTTPClient(options: options).get("http://127.0.0.1:\(s1.port)/")
        }
        // Read until close.
        let s2 = try server(response: "HTTP/1.1 200 OK\r\n\r\n" + body)
        defer { s2.stop() }
        expectError(.responseTooLarge) { () throws(HTTPClientError) in
            _ = try HTTPClient(options: options).get("http://127.0.0.1:\(s2.port)/")
        }
        // The same response fits under the default cap.
        XCTAssertEqual(try HTTPClient().get("http://127.0.0.1:\(s2.port)/").body.count, 5000)
    }

    func testServerThatNeverAnswersTimesOut() throws {
        let s = try TestServer { conn in
            _ = conn.readRequest()
            _ = conn.read()  // waits for the client to give up (or the 5 s socket timeout)
        }
        defer { s.stop() }
        let client = try HTTPClient(options: .init(totalTimeout: .seconds(1)))
        let start = ContinuousClock.now
        expectError(.timeout) { () throws(HTTPClientError) in
            _ = try client.get("http://127.0.0.1:\(s.port)/slow")
        }
        let elapsed = ContinuousClock.now - start
        XCTAssertLessThan(elapsed, .seconds(3))
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(900))
    }

    func testSlowTrickleStillBoundedByTotalTimeout() throws {
        let s = try TestServer { conn in
            _ = conn.readRequest()
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in 0..<40 {
                guard conn.write("x") else { return }
                usleep(100_000)
            }
        }
        defer { s.stop() }
        let client = try HTTPClient(options: .init(totalTimeout: .seconds(1)))
        let start = ContinuousClock.now
        expectError(.timeout) { () throws(HTTPClientError) in
            _ = try client.get("http://127.0.0.1:\(s.port)/")
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(3))
    }

    func testConnectionRefused() throws {
        // Take a free port, then close it so nothing listens there.
        let probe = try TestServer { _ in }
        let port = probe.port
        probe.stop()
        do {
            _ = try HTTPClient().get("http://127.0.0.1:\(port)/")
            XCTFail("expected an error")
        } catch {
            guard case .connectionFailed = error else { return XCTFail("expected connectionFailed, got \(error)") }
        }
    }

    func testConnectTimeoutWhenBacklogIsFull() throws {
        // A listener that never accepts, with its accept queue filled: further SYNs are dropped.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &addr) { (p) throws in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sa) throws in
                guard bind(fd, sa, length) == 0, listen(fd, 0) == 0, getsockname(fd, sa, &length) == 0 else {
                    throw TestError("bind/listen failed")
                }
            }
        }
        var fillers: [Int32] = []
        defer { fillers.forEach { close($0) } }
        for _ in 0..<4 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK)
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(c, $0, length) }
            }
            fillers.append(c)
        }
        usleep(100_000)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let client = try HTTPClient(options: .init(connectTimeout: .milliseconds(500), totalTimeout: .seconds(5)))
        let start = ContinuousClock.now
        expectError(.connectTimeout) { () throws(HTTPClientError) in
            _ = try client.get("http://127.0.0.1:\(port)/")
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }

    func testGarbageAndEarlyClose() throws {
        let garbage = try server(response: "SSH-2.0-OpenSSH_9.6\r\n\r\n")
        defer { garbage.stop() }
        do {
            _ = try HTTPClient().get("http://127.0.0.1:\(garbage.port)/")
            XCTFail("expected an error")
        } catch {
            guard case .malformedResponse = error else { return XCTFail("expected malformedResponse, got \(error)") }
        }
        let silent = try server(response: "")
        defer { silent.stop() }
        expectError(.connectionClosed) { () throws(HTTPClientError) in
            _ = try HTTPClient().get("http://127.0.0.1:\(silent.port)/")
        }
        let truncated = try server(response: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        defer { truncated.stop() }
        expectError(.connectionClosed) { () throws(HTTPClientError) in
            _ = try HTTPClient().get("http://127.0.0.1:\(truncated.port)/")
        }
        // Random bytes must never crash the client.
        var random = SystemRandomNumberGenerator()
        let noise = (0..<2048).map { _ in UInt8.random(in: 0...255, using: &random) }
        let noisy = try TestServer { conn in
            _ = conn.readRequest()
            conn.write(noise)
        }
        defer { noisy.stop() }
        XCTAssertThrowsError(try HTTPClient().get("http://127.0.0.1:\(noisy.port)/"))
    }

    func testRedirects() throws {
        let box = ServerBox()
        let s = try TestServer { conn in
            guard let request = conn.readRequest() else { return }
            box.server?.record(request)
            let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self)
            if line.hasPrefix("POST /start") {
                conn.write("HTTP/1.1 303 See Other\r\nLocation: /next?x=1\r\nContent-Length: 0\r\n\r\n")
            } else if line.hasPrefix("GET /loop") {
                conn.write("HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n")
            } else if line.hasPrefix("GET /insecure") {
                conn.write("HTTP/1.1 302 Found\r\nLocation: ftp://example.com/\r\nContent-Length: 0\r\n\r\n")
            } else {
                conn.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")
            }
        }
        box.server = s
        defer { s.stop() }
        let base = "http://127.0.0.1:\(s.port)"

        // Default: no redirects followed.
        let r0 = try HTTPClient().post(base + "/start", body: Array("a=1".utf8))
        XCTAssertEqual(r0.status.code, 303)
        XCTAssertEqual(r0.headers["Location"], "/next?x=1")

        let follow = try HTTPClient(options: .init(maxRedirects: 3))
        let r1 = try follow.post(base + "/start", body: Array("a=1".utf8))
        XCTAssertEqual(r1.status.code, 200)
        XCTAssertEqual(text(r1.body), "final")
        XCTAssertEqual(r1.url.target, "/next?x=1")
        XCTAssertTrue(text(s.requests.last ?? []).hasPrefix("GET /next?x=1 HTTP/1.1\r\n"))

        expectError(.tooManyRedirects) { () throws(HTTPClientError) in _ = try follow.get(base + "/loop") }
        do {
            _ = try follow.get(base + "/insecure")
            XCTFail("expected an error")
        } catch {
            guard case .redirectRefused = error else { return XCTFail("expected redirectRefused, got \(error)") }
        }
    }

    func testInvalidRequests() throws {
        let client = try HTTPClient()
        var bad = HTTPHeaders()
        bad.add("X-Injected", "a\r\nHost: evil")
        do {
            _ = try client.get("http://127.0.0.1:1/", headers: bad)
            XCTFail("expected an error")
        } catch {
            guard case .invalidRequest = error else { return XCTFail("expected invalidRequest, got \(error)") }
        }
        for url in ["ftp://example.com/", "http://user:pw@example.com/", "http:///x", "example.com", "http://exa mple.com/"] {
            do {
                _ = try client.get(url)
                XCTFail("expected invalidURL for \(url)")
            } catch {
                guard case .invalidURL = error else { return XCTFail("expected invalidURL for \(url), got \(error)") }
            }
        }
    }

    func testUnknownHostFailsFast() throws {
        let client = try HTTPClient(options: .init(connectTimeout: .seconds(2)))
        let start = ContinuousClock.now
        do {
            _ = try client.get("http://gatehouse-test.invalid/")
            XCTFail("expected an error")
        } catch {
            guard case .dnsFailure = error else { return XCTFail("expected dnsFailure, got \(error)") }
        }
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(4))
    }

    // MARK: - URL parsing

    func testURLParsing() throws {
        let a = try HTTPClientURL("HTTPS://Login.Example.COM/tenant/v2.0?p=1#x")
        XCTAssertEqual(a.scheme, .https)
        XCTAssertEqual(a.host, "login.example.com")
        XCTAssertEqual(a.port, 443)
        XCTAssertEqual(a.target, "/tenant/v2.0?p=1")
        XCTAssertEqual(a.authority, "login.example.com")

        let b = try HTTPClientURL("http://[::1]:8080?q")
        XCTAssertEqual(b.host, "::1")
        XCTAssertEqual(b.port, 8080)
        XCTAssertEqual(b.target, "/?q")
        XCTAssertEqual(b.authority, "[::1]:8080")
        XCTAssertTrue(b.hostIsIPAddress)

        let c = try HTTPClientURL("http://127.0.0.1:80")
        XCTAssertEqual(c.authority, "127.0.0.1")
        XCTAssertEqual(c.target, "/")

        for bad in ["http://a@b/", "http://@b/", "http://[::1/", "http://[zz]/", "http://h:0/", "http://h:65536/",
                    "http://h:/", "http://h:8a/", "http://h:1:2/", "https://", "http://127.1/", "http://0x7f.0.0.1/",
                    "http://h/caf\u{e9}", "http://h/a b", "mailto:x@y", "http://-h/"] {
            XCTAssertThrowsError(try HTTPClientURL(bad), bad)
        }

        let base = try HTTPClientURL("http://h:81/a/b/c?q=1")
        XCTAssertEqual(try base.resolving("/x").description, "http://h:81/x")
        XCTAssertEqual(try base.resolving("d?e").description, "http://h:81/a/b/d?e")
        XCTAssertEqual(try base.resolving("?z").description, "http://h:81/a/b/c?z")
        XCTAssertEqual(try base.resolving("//other/p").description, "http://other/p")
        XCTAssertEqual(try base.resolving("https://s/t").description, "https://s/t")
    }

    // MARK: - TLS

    private func pki() throws -> TestPKI {
        switch TestPKI.shared {
        case .success(let p): return p
        case .failure(let e):
            if TestPKI.openssl() == nil { throw XCTSkip("openssl command line tool not available") }
            throw e
        }
    }

    func testHTTPSWithTestCA() throws {
        let p = try pki()
        let context = try TLSContext.server(certificatePath: p.serverCert, keyPath: p.serverKey)
        let s = try server(tls: context, response: "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
        defer { s.stop() }
        let client = try HTTPClient(options: .init(caFile: p.caFile))
        // IP literal: checked against the IP SAN.
        let r1 = try client.get("https://127.0.0.1:\(s.port)/keys")
        XCTAssertEqual(text(r1.body), "secure")
        // Host name: SNI + DNS SAN check; localhost may resolve to ::1 first (nothing there) then 127.0.0.1.
        let r2 = try client.get("https://localhost:\(s.port)/keys")
        XCTAssertEqual(text(r2.body), "secure")
        XCTAssertTrue(text(s.requests.last ?? []).contains("\r\nHost: localhost:\(s.port)\r\n"))
        XCTAssertEqual(s.negotiatedProtocols.first ?? nil, "http/1.1")
    }

    func testHTTPSRejectsUnknownCA() throws {
        let p = try pki()
        let context = try TLSContext.server(certificatePath: p.serverCert, keyPath: p.serverKey)
        let s = try server(tls: context, response: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        defer { s.stop() }
        let message = expectTLSFailure { () throws(HTTPClientError) in
            _ = try HTTPClient().get("https://127.0.0.1:\(s.port)/")
        }
        XCTAssertTrue(message?.contains("certificate") ?? false, message ?? "")
        XCTAssertTrue(s.requests.isEmpty, "no request may be sent over an unverified connection")
    }

    func testHTTPSRejectsNameMismatch() throws {
        let p = try pki()
        // Certificate valid (signed by the trusted test CA) but only for other.test.
        let context = try TLSContext.server(certificatePath: p.otherCert, keyPath: p.otherKey)
        let s = try server(tls: context, response: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        defer { s.stop() }
        let client = try HTTPClient(options: .init(caFile: p.caFile))
        for host in ["localhost", "127.0.0.1"] {
            let message = expectTLSFailure { () throws(HTTPClientError) in
                _ = try client.get("https://\(host):\(s.port)/")
            }
            XCTAssertTrue(message?.contains("mismatch") ?? false, "\(host): \(message ?? "")")
        }
        XCTAssertTrue(s.requests.isEmpty)
    }

    func testHTTPSToPlainServerFails() throws {
        // Answers plain HTTP at once, whatever arrives (here: a ClientHello).
        let s = try TestServer { conn in
            _ = conn.read()
            conn.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        }
        defer { s.stop() }
        let client = try HTTPClient(options: .init(totalTimeout: .seconds(3)))
        _ = expectTLSFailure { () throws(HTTPClientError) in _ = try client.get("https://127.0.0.1:\(s.port)/") }
    }

    func testTLSContextErrors() throws {
        let p = try pki()
        XCTAssertThrowsError(try TLSContext.server(certificatePath: p.directory + "/missing.pem", keyPath: p.serverKey)) {
            XCTAssertTrue(($0 as? TLSError)?.message.contains("missing.pem") ?? false, "\($0)")
        }
        // A key that does not belong to the certificate.
        XCTAssertThrowsError(try TLSContext.server(certificatePath: p.serverCert, keyPath: p.otherKey)) {
            let message = ($0 as? TLSError)?.message ?? ""
            XCTAssertFalse(message.contains("PRIVATE KEY"), message)
        }
        XCTAssertThrowsError(try TLSContext.client(caFile: p.directory + "/nothing.pem"))
        let client = try TLSContext.client(caFile: p.caFile)
        XCTAssertThrowsError(try TLSSession(context: client, fd: 0, accept: false, serverName: nil))
        XCTAssertThrowsError(try TLSSession(context: client, fd: 0, accept: true))
    }
}

/// Lets a handler reach the server it belongs to (set right after creation).
final class ServerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _server: TestServer?
    var server: TestServer? {
        get { lock.withLock { _server } }
        set { lock.withLock { _server = newValue } }
    }
}
