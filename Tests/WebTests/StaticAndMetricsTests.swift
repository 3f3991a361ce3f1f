import XCTest
import HTTP
import Crypto
@testable import Web

final class StaticAssetTests: XCTestCase {
    func testServesWithETagAndTypes() throws {
        let app = try makeApp()
        let r = app.send(.get, "/static/gatehouse.css")
        XCTAssertEqual(r.status.code, 200)
        XCTAssertEqual(r.headers["Content-Type"], "text/css; charset=utf-8")
        let expected = "\"" + Hex.encode(Digest.sha256(r.body)) + "\""
        XCTAssertEqual(r.headers["ETag"], expected)
        XCTAssertEqual(r.headers["Cache-Control"], "public, max-age=3600")
        XCTAssertEqual(app.send(.get, "/static/logo.svg").headers["Content-Type"], "image/svg+xml")
        XCTAssertEqual(app.send(.get, "/static/favicon.svg").status.code, 200)
    }

    func testConditionalRequest() throws {
        let app = try makeApp()
        let etag = try XCTUnwrap(app.send(.get, "/static/gatehouse.css").headers["ETag"])
        let r = app.send(.get, "/static/gatehouse.css", headers: ["If-None-Match": "\"other\", \(etag)"])
        XCTAssertEqual(r.status.code, 304)
        XCTAssertTrue(r.body.isEmpty)
        XCTAssertEqual(r.headers["ETag"], etag)
        XCTAssertEqual(app.send(.get, "/static/gatehouse.css", headers: ["If-None-Match": "\"stale\""]).status.code, 200)
    }

    func testFingerprintedURLIsImmutable() throws {
        let app = try makeApp()
        let url = StaticAssets.url("gatehouse.css")
        XCTAssertTrue(url.hasPrefix("/static/gatehouse.css?v="))
        XCTAssertEqual(app.send(.get, url).headers["Cache-Control"], "public, max-age=31536000, immutable")
        XCTAssertEqual(app.send(.get, "/static/gatehouse.css?v=000000000000").headers["Cache-Control"], "public, max-age=3600")
    }

    func testUnknownIs404AndHeadWorks() throws {
        let app = try makeApp()
        XCTAssertEqual(app.send(.get, "/static/nope.js").status.code, 404)
        XCTAssertEqual(app.send(.get, "/static/").status.code, 404)
        XCTAssertEqual(app.send(.head, "/static/logo.svg").status.code, 200)
    }
}

final class MetricsTests: XCTestCase {
    func testRegistryTextFormat() {
        let m = Metrics()
        m.registerCounter("c_total", help: "A counter.")
        m.registerHistogram("h_seconds", help: "A histogram.", buckets: [0.1, 1])
        m.registerGauge("g", help: "A gauge.") { 3 }
        m.increment("c_total", labels: ["route": "/a/\"b\"\n\\"])
        m.increment("c_total", labels: ["route": "/a/\"b\"\n\\"], by: 2)
        m.observe("h_seconds", labels: ["route": "/x/"], 0.05)
        m.observe("h_seconds", labels: ["route": "/x/"], 0.5)
        m.observe("h_seconds", labels: ["route": "/x/"], 7)
        XCTAssertEqual(m.render(), """
        # HELP c_total A counter.
        # TYPE c_total counter
        c_total{route="/a/\\"b\\"\\n\\\\"} 3
        # HELP h_seconds A histogram.
        # TYPE h_seconds histogram
        h_seconds_bucket{route="/x/",le="0.1"} 1
        h_seconds_bucket{route="/x/",le="1"} 2
        h_seconds_bucket{route="/x/",le="+Inf"} 3
        h_seconds_sum{route="/x/"} 7.55
        h_seconds_count{route="/x/"} 3
        # HELP g A gauge.
        # TYPE g gauge
        g 3

        """)
    }

    func testHTTPMetricsUseRoutePatterns() throws {
        let app = try makeApp()
        app.root.get("/application/o/:slug/jwks/") { _ in .text("{}") }
        _ = app.send(.get, "/application/o/alpha/jwks/")
        _ = app.send(.get, "/application/o/beta/jwks/")
        _ = app.send(.get, "/secret-looking/path/?token=abc")
        app.metrics.registerGauge("gatehouse_open_connections", help: "Open client connections.") { 5 }
        let r = app.send(.get, "/-/metrics/")
        XCTAssertEqual(r.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        let text = r.text
        XCTAssertTrue(text.contains("# TYPE gatehouse_http_requests_total counter"))
        XCTAssertTrue(text.contains("gatehouse_http_requests_total{method=\"GET\",route=\"/application/o/:slug/jwks/\",status=\"200\"} 2"))
        XCTAssertTrue(text.contains("gatehouse_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"))
        XCTAssertTrue(text.contains("# TYPE gatehouse_http_request_duration_seconds histogram"))
        XCTAssertTrue(text.contains("gatehouse_http_request_duration_seconds_bucket{route=\"/application/o/:slug/jwks/\",le=\"0.0025\"}"))
        XCTAssertTrue(text.contains("gatehouse_http_request_duration_seconds_count{route=\"/application/o/:slug/jwks/\"} 2"))
        XCTAssertTrue(text.contains("gatehouse_open_connections 5"))
        XCTAssertFalse(text.contains("alpha"))
        XCTAssertFalse(text.contains("secret-looking"))
    }

    func testConcurrentUpdates() {
        let m = Metrics()
        m.registerCounter("n_total", help: "n")
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<1000 { m.increment("n_total") }
        }
        XCTAssertTrue(m.render().contains("n_total 8000"))
    }
}

final class AccessLogTests: XCTestCase {
    func testOneEntryWithoutQueryOrHeaders() throws {
        let logs = CapturedLogs()
        let app = try makeApp(logger: logs.makeLogger())
        app.root.get("/application/o/authorize/") { _ in .text("ok") }
        let r = app.send(.get, "/application/o/authorize/?code=SECRETCODE&state=s",
                         headers: ["Cookie": "session=COOKIESECRET", "Authorization": "Bearer TOKENSECRET"])
        let entries = logs.all.filter { $0.message == "request" }
        XCTAssertEqual(entries.count, 1)
        let m = try XCTUnwrap(entries.first?.metadata)
        XCTAssertEqual(m["path"], "/application/o/authorize/")
        XCTAssertEqual(m["route"], "/application/o/authorize/")
        XCTAssertEqual(m["method"], "GET")
        XCTAssertEqual(m["status"], "200")
        XCTAssertEqual(m["client_ip"], "203.0.113.9")
        XCTAssertEqual(m["request_id"], r.headers["X-Request-Id"])
        XCTAssertNotNil(m["duration_ms"].flatMap(Double.init))
        let everything = logs.all.map { "\($0.message) \($0.metadata)" }.joined()
        for secret in ["SECRETCODE", "COOKIESECRET", "TOKENSECRET"] {
            XCTAssertFalse(everything.contains(secret), secret)
        }
    }
}
