#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Net
import XCTest

/// Runs the real `gatehouse serve` binary against the throw-away PostgreSQL and Redis of
/// Deploy/test.sh and talks to it over sockets.
final class ServeIntegrationTests: XCTestCase {
    /// Starts `serve` and kills it (if still running) when the test ends, pass or fail.
    /// `port` nil: a free one is picked.
    func startServe(_ overrides: [String: String] = [:], port: Int? = nil, waitScheme: String = "http",
                    caFile: String? = nil) throws -> GatehouseChild {
        let env = try IntegrationEnvironment.live()
        let child = try GatehouseChild.serve(env, port: port, overrides: overrides)
        addTeardownBlock { child.stop() }
        try child.waitUntilLive(scheme: waitScheme, caFile: caFile)
        return child
    }

    /// One request with `Connection: close`, read to the end.
    func request(_ port: Int, _ raw: String) throws -> (response: RawResponse?, text: String, closed: Bool) {
        let client = try RawClient(port: port)
        client.send(raw)
        let (text, closed) = client.readAll()
        return (RawResponse(text), text, closed)
    }

    func get(_ port: Int, _ path: String, headers: String = "") throws -> RawResponse {
        let result = try request(port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\(headers)Connection: close\r\n\r\n")
        guard let response = result.response else { throw IntegrationError("no response to GET \(path): \(result.text)") }
        return response
    }

    // MARK: 1, 2: shutdown

    func testSIGTERMRefusesNewConnectionsFinishesInFlightRequestAndExitsZero() throws {
        let child = try startServe()
        let port = child.port

        // An idle keep-alive connection: one full exchange, then nothing.
        let idle = try RawClient(port: port)
        idle.send("GET /-/health/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let first = idle.readResponses(1)
        XCTAssertEqual(first.first.map(RawClient.status(of:)), 200)
        XCTAssertFalse(first.first?.lowercased().contains("connection: close") ?? true, "keep-alive before shutdown")

        // A request in flight: the head and half of the body.
        let slow = try RawClient(port: port, timeout: 12)
        slow.send("GET /-/health/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n12345")
        // Let the server read those bytes, so it knows the request has started.
        usleep(300_000)

        child.signal(SIGTERM)
        let signalled = Date()

        // New connections are refused within ~300 ms (0.5 s allowed for a loaded machine).
        var refused = false
        while Date().timeIntervalSince(signalled) < 0.5 {
            do {
                _ = try RawClient(port: port, timeout: 1)
            } catch let error as POSIXError where error.code == .ECONNREFUSED {
                refused = true
                break
            }
            usleep(10_000)
        }
        XCTAssertTrue(refused, "a new connection was still accepted 0.5 s after SIGTERM")
        XCTAssertTrue(child.isRunning, "the process waits for the request in flight")

        // The idle keep-alive connection is closed by the server.
        let idleAfter = idle.readAll()
        XCTAssertTrue(idleAfter.closed, "idle keep-alive connection was not closed")
        XCTAssertEqual(idleAfter.text, "", "nothing is sent on the idle connection")

        // The rest of the body: a complete answer that closes the connection.
        slow.send("67890")
        let (text, closed) = slow.readAll()
        XCTAssertTrue(closed, "connection closed after the answer")
        var bytes = Array(text.utf8)
        let complete = RawClient.splitResponse(&bytes)
        XCTAssertNotNil(complete, "complete response expected, got: \(text)")
        XCTAssertTrue(bytes.isEmpty, "nothing after the response: \(String(decoding: bytes, as: UTF8.self))")
        let response = complete.flatMap(RawResponse.init)
        XCTAssertNotNil(response.map(\.status).flatMap { $0 >= 200 && $0 < 600 ? $0 : nil }, text)
        XCTAssertEqual(response?.header("Connection")?.lowercased(), "close", text)

        XCTAssertTrue(child.waitForExit(timeout: 10), "still running 10 s after SIGTERM")
        XCTAssertTrue(child.exitedCleanly, "\(child.exitDescription); stderr:\n\(child.stderr)")
    }

    func testSIGINTExitsZero() throws {
        let child = try startServe()
        child.signal(SIGINT)
        XCTAssertTrue(child.waitForExit(timeout: 10), "still running 10 s after SIGINT")
        XCTAssertTrue(child.exitedCleanly, "\(child.exitDescription); stderr:\n\(child.stderr)")
    }

    // MARK: 3: TLS

    func testTLSServesHealthWithHSTSAndRejectsPlainHTTP() throws {
        _ = try IntegrationEnvironment.live()
        let pki = try TestPKI.generate()
        addTeardownBlock { pki.remove() }
        let port = try freePort()
        let child = try startServe([
            "GATEHOUSE_TLS_CERT": pki.serverCert,
            "GATEHOUSE_TLS_KEY": pki.serverKey,
            "GATEHOUSE_EXTERNAL_URL": "https://127.0.0.1:\(port)",
        ], port: port, waitScheme: "https", caFile: pki.caFile)

        let client = try HTTPClient(options: .init(caFile: pki.caFile))
        let response = try client.get("https://127.0.0.1:\(child.port)/-/health/live/")
        XCTAssertEqual(response.status.code, 200)
        XCTAssertNotNil(response.headers["Strict-Transport-Security"], "\(response.headers)")

        let plain = try RawClient(port: child.port, timeout: 12)
        plain.send("GET /-/health/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let (text, closed) = plain.readAll()
        XCTAssertFalse(text.hasPrefix("HTTP/1.1 200"), "plain HTTP on the TLS port got: \(text)")
        XCTAssertTrue(closed, "plain HTTP on the TLS port: connection should be closed")
    }

    // MARK: 4: readiness

    func readyBody(_ response: RawResponse) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8))
        guard let body = object as? [String: Any] else { throw IntegrationError("not a JSON object: \(response.body)") }
        return body
    }

    func testReadyWithLiveDependencies() throws {
        let child = try startServe()
        let response = try get(child.port, "/-/health/ready/")
        XCTAssertEqual(response.status, 200, response.body)
        let body = try readyBody(response)
        XCTAssertEqual(body["status"] as? String, "ready", response.body)
        let checks = body["checks"] as? [String: String]
        XCTAssertEqual(checks?["postgres"], "ok", response.body)
        XCTAssertEqual(checks?["redis"], "ok", response.body)
    }

    func testReadyIsDegradedWithoutRedis() throws {
        let closedPort = try freePort()
        let child = try startServe(["GATEHOUSE_REDIS_URL": "redis://127.0.0.1:\(closedPort)/0"])
        let response = try get(child.port, "/-/health/ready/")
        XCTAssertEqual(response.status, 200, response.body)
        XCTAssertTrue(response.body.contains(#""status":"degraded""#), response.body)
        let body = try readyBody(response)
        let checks = body["checks"] as? [String: String]
        XCTAssertEqual(checks?["redis"], "failed", response.body)
        XCTAssertEqual(checks?["postgres"], "ok", response.body)
    }

    // MARK: 5: configuration errors

    /// Runs `serve` with a configuration that must be rejected; returns the child after it ended.
    func serveWithBadConfig(_ overrides: [String: String]) throws -> GatehouseChild {
        let binary = try IntegrationEnvironment.binary()
        // Syntactically valid URLs: nothing is contacted before the configuration passes.
        var environment = [
            "GATEHOUSE_LISTEN": "127.0.0.1:9",
            "GATEHOUSE_DATABASE_URL": "postgresql://gatehouse@127.0.0.1:1/gatehouse",
            "GATEHOUSE_REDIS_URL": "redis://127.0.0.1:1/0",
            "GATEHOUSE_SECRET_KEY": generateSecretKey(),
            "GATEHOUSE_LOG_FORMAT": "json",
        ]
        environment.merge(overrides) { _, new in new }
        let child = try GatehouseChild(binary: binary, arguments: ["serve"], environment: environment, port: 0, secretKey: "")
        addTeardownBlock { child.stop() }
        XCTAssertTrue(child.waitForExit(timeout: 15), "serve with a bad configuration did not exit")
        return child
    }

    func nonEmptyLines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    func testBadListenAddressStopsServeWithOneLine() throws {
        let child = try serveWithBadConfig(["GATEHOUSE_LISTEN": "nonsense"])
        XCTAssertFalse(child.exitedCleanly, child.exitDescription)
        XCTAssertEqual(child.process.terminationReason, .exit, child.exitDescription)
        let lines = nonEmptyLines(child.stderr)
        XCTAssertEqual(lines.count, 1, child.stderr)
        XCTAssertTrue(lines.first?.contains("GATEHOUSE_LISTEN") ?? false, child.stderr)
    }

    func testShortSecretKeyStopsServeWithoutEchoingIt() throws {
        let shortKey = "c0ffee1234abcdef9876"
        let child = try serveWithBadConfig(["GATEHOUSE_SECRET_KEY": shortKey])
        XCTAssertFalse(child.exitedCleanly, child.exitDescription)
        XCTAssertEqual(child.process.terminationReason, .exit, child.exitDescription)
        let lines = nonEmptyLines(child.stderr)
        XCTAssertEqual(lines.count, 1, child.stderr)
        XCTAssertTrue(lines.first?.contains("GATEHOUSE_SECRET_KEY") ?? false, child.stderr)
        XCTAssertFalse(child.stderr.contains(shortKey), "the key was echoed: \(child.stderr)")
        XCTAssertFalse(child.stdout.contains(shortKey), "the key was echoed: \(child.stdout)")
    }

    // MARK: 6: metrics

    func testMetricsCountRequestsAndOpenConnections() throws {
        let child = try startServe()
        for _ in 0..<3 { XCTAssertEqual(try get(child.port, "/-/health/live/").status, 200) }
        let response = try get(child.port, "/-/metrics/")
        XCTAssertEqual(response.status, 200)
        let lines = response.body.split(separator: "\n").map(String.init)
        let liveCounter = lines.first { $0.hasPrefix("gatehouse_http_requests_total{") && $0.contains(#"route="/-/health/live/""#) }
        XCTAssertNotNil(liveCounter, response.body)
        if let liveCounter, let value = liveCounter.split(separator: " ").last.flatMap({ Double($0) }) {
            XCTAssertGreaterThanOrEqual(value, 3, liveCounter)
        } else {
            XCTFail("no value on the request counter line: \(liveCounter ?? "-")")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("gatehouse_http_request_duration_seconds_bucket") }, response.body)
        XCTAssertTrue(lines.contains { $0.hasPrefix("gatehouse_open_connections") }, response.body)
    }

    // MARK: 7: forwarded headers

    func testForwardedProtoFromUntrustedPeerIsIgnored() throws {
        let child = try startServe()
        let response = try get(child.port, "/-/health/live/", headers: "X-Forwarded-Proto: https\r\n")
        XCTAssertEqual(response.status, 200)
        XCTAssertNil(response.header("Strict-Transport-Security"), "HSTS from a spoofed X-Forwarded-Proto")
    }

    func testForwardedProtoFromTrustedProxyIsBelieved() throws {
        let child = try startServe(["GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1"])
        let response = try get(child.port, "/-/health/live/", headers: "X-Forwarded-Proto: https\r\n")
        XCTAssertEqual(response.status, 200)
        XCTAssertNotNil(response.header("Strict-Transport-Security"), "trusted proxy said https: HSTS expected")
        // Without the header the same peer gets plain http.
        let plain = try get(child.port, "/-/health/live/")
        XCTAssertNil(plain.header("Strict-Transport-Security"))
    }

    // MARK: 8: request smuggling

    func testContentLengthWithChunkedIsRejectedAndServerKeepsServing() throws {
        let child = try startServe()
        let result = try request(child.port,
            "POST /-/health/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "0\r\n\r\nGET /-/metrics/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        XCTAssertEqual(result.response?.status, 400, result.text)
        XCTAssertTrue(result.closed, "connection must close after a framing error")
        XCTAssertEqual(result.text.components(separatedBy: "HTTP/1.1 ").count - 1, 1,
                       "exactly one response, the smuggled request is not answered: \(result.text)")
        XCTAssertEqual(try get(child.port, "/-/health/live/").status, 200, "server still answers")
        XCTAssertTrue(child.isRunning)
    }

    // MARK: 9: logs

    func testJSONLogsHaveRequestIDAndNeverTheSecretKey() throws {
        let child = try startServe(["GATEHOUSE_LOG_FORMAT": "json"])
        XCTAssertEqual(try get(child.port, "/-/health/live/").status, 200)
        child.signal(SIGTERM)
        XCTAssertTrue(child.waitForExit(timeout: 10))
        let stderr = child.stderr
        let lines = nonEmptyLines(stderr)
        XCTAssertFalse(lines.isEmpty, "no log output")
        var objects: [[String: Any]] = []
        for line in lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                XCTFail("not a JSON object: \(line)")
                continue
            }
            objects.append(object)
        }
        let requestLine = objects.first { ($0["msg"] as? String) == "request" && ($0["path"] as? String) == "/-/health/live/" }
        XCTAssertNotNil(requestLine, stderr)
        let requestID = requestLine?["request_id"] as? String
        XCTAssertFalse(requestID?.isEmpty ?? true, "request line without request_id: \(stderr)")
        XCTAssertFalse(stderr.contains(child.secretKey), "the secret key appears in the log")
        XCTAssertFalse(stderr.lowercased().contains(child.secretKey.lowercased()))
        XCTAssertFalse(child.stdout.contains(child.secretKey), "the secret key appears on stdout")
    }
}
