import XCTest
import HTTP
@testable import Web

final class CookieTests: XCTestCase {
    func testParseSkipsMalformed() {
        let c = Cookies.parse(["a=1; bad; =novalue; b=\"quoted\"; c=x y; d=2", "a=ignored; e="])
        XCTAssertEqual(c, ["a": "1", "b": "quoted", "d": "2", "e": ""])
    }

    func testParseGarbageDoesNotCrash() {
        XCTAssertEqual(Cookies.parse([";;;", "=", "\u{0}=\u{0}", "ä=ö"]), [:])
    }

    func testSetCookieDefaults() {
        let c = SetCookie(name: "sid", value: "abc", maxAge: 60)
        XCTAssertEqual(c.headerValue(requestIsHTTPS: false), "sid=abc; Max-Age=60; Path=/; HttpOnly; SameSite=Lax")
        XCTAssertEqual(c.headerValue(requestIsHTTPS: true), "sid=abc; Max-Age=60; Path=/; Secure; HttpOnly; SameSite=Lax")
    }

    func testDeletionAndEscaping() {
        XCTAssertEqual(SetCookie.deletion(name: "sid").headerValue(requestIsHTTPS: true),
                       "sid=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")
        XCTAssertEqual(SetCookie(name: "x", value: "a;b\r\nc").headerValue(requestIsHTTPS: false),
                       "x=a%3Bb%0D%0Ac; Path=/; HttpOnly; SameSite=Lax")
        XCTAssertNil(SetCookie(name: "bad name", value: "v").headerValue(requestIsHTTPS: false))
    }

    func testSecureFollowsSchemeThroughApp() throws {
        let app = try makeApp()
        app.root.get("/c/") { _ in
            var r = Response.text("ok")
            r.setCookie(SetCookie(name: "k", value: "v"))
            return r
        }
        XCTAssertFalse(app.send(.get, "/c/").setCookies.contains { $0.contains("Secure") })
        XCTAssertTrue(app.send(.get, "/c/", tls: true).setCookies.contains { $0.hasPrefix("k=v") && $0.contains("; Secure") })
    }

    func testRequestCookies() throws {
        let app = try makeApp()
        app.root.get("/c/") { req in .text(req.cookies["session"] ?? "none") }
        XCTAssertEqual(app.send(.get, "/c/", headers: ["Cookie": "theme=dark; session=xyz"]).text, "xyz")
    }
}

final class TrustedProxyTests: XCTestCase {
    func echoApp(trusted: [String]) throws -> WebApplication {
        let app = try makeApp(trusted: trusted)
        app.root.get("/who/") { req in .text("\(req.clientIP)|\(req.scheme)|\(req.host)") }
        return app
    }

    let forwarded: HTTPHeaders = ["X-Forwarded-For": "198.51.100.7, 10.0.0.5", "X-Forwarded-Proto": "https",
                                  "X-Forwarded-Host": "login.example.org"]

    func testBelievedFromTrustedPeer() throws {
        let app = try echoApp(trusted: ["10.0.0.0/8"])
        XCTAssertEqual(app.send(.get, "/who/", headers: forwarded, peer: "10.1.2.3").text,
                       "198.51.100.7|https|login.example.org")
    }

    func testIgnoredFromUntrustedPeer() throws {
        let app = try echoApp(trusted: ["10.0.0.0/8"])
        XCTAssertEqual(app.send(.get, "/who/", headers: forwarded, peer: "192.0.2.50").text,
                       "192.0.2.50|http|id.example.com")
        // Default: nobody is trusted.
        let none = try echoApp(trusted: [])
        XCTAssertEqual(none.send(.get, "/who/", headers: forwarded, peer: "10.1.2.3").text, "10.1.2.3|http|id.example.com")
    }

    func testSpoofedLeftmostEntryIsNotTheClient() throws {
        // The client sent its own X-Forwarded-For; the proxy appended the real address.
        let app = try echoApp(trusted: ["10.0.0.1"])
        let h: HTTPHeaders = ["X-Forwarded-For": "127.0.0.1, 198.51.100.7"]
        XCTAssertEqual(app.send(.get, "/who/", headers: h, peer: "10.0.0.1").text.split(separator: "|").first, "198.51.100.7")
    }

    func testNearestProxysProtoAndHostWin() throws {
        // A proxy that appends: the client's own values come first, the proxy's last.
        let app = try makeApp(trusted: ["10.0.0.0/8"])
        app.root.get("/who/") { r in .text("\(r.scheme) \(r.host)") }
        let r = app.send(.get, "/who/", headers: [
            "X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "evil.example, id.example.com",
        ], peer: "10.0.0.2")
        XCTAssertEqual(r.text, "http id.example.com")
    }

    func testBadProtoIgnoredAndTLSWins() throws {
        let app = try echoApp(trusted: ["10.0.0.0/8"])
        XCTAssertEqual(app.send(.get, "/who/", headers: ["X-Forwarded-Proto": "javascript"], peer: "10.0.0.2").text,
                       "10.0.0.2|http|id.example.com")
        XCTAssertEqual(app.send(.get, "/who/", headers: ["X-Forwarded-Proto": "http"], peer: "10.0.0.2", tls: true).text,
                       "10.0.0.2|https|id.example.com")
        XCTAssertEqual(app.send(.get, "/who/", headers: ["X-Forwarded-Host": "evil\"host"], peer: "10.0.0.2").text,
                       "10.0.0.2|http|id.example.com")
    }

    func testIPv6CIDR() throws {
        let app = try echoApp(trusted: ["fd00::/8", "::1"])
        let h: HTTPHeaders = ["X-Forwarded-For": "2001:db8::42, fd12::1", "X-Forwarded-Proto": "https"]
        XCTAssertEqual(app.send(.get, "/who/", headers: h, peer: "fd00:1::9").text, "2001:db8::42|https|id.example.com")
        XCTAssertEqual(app.send(.get, "/who/", headers: h, peer: "fe80::1").text, "fe80::1|http|id.example.com")
        XCTAssertEqual(app.send(.get, "/who/", headers: ["X-Forwarded-For": "[2001:db8::7]:443"], peer: "::1").text,
                       "2001:db8::7|http|id.example.com")
    }

    func testNetworkParsing() throws {
        XCTAssertTrue(try XCTUnwrap(IPNetwork("192.168.0.0/16")).contains(XCTUnwrap(IPAddress("192.168.255.1"))))
        XCTAssertFalse(try XCTUnwrap(IPNetwork("192.168.0.0/16")).contains(XCTUnwrap(IPAddress("192.169.0.1"))))
        XCTAssertTrue(try XCTUnwrap(IPNetwork("10.0.0.0/8")).contains(XCTUnwrap(IPAddress("::ffff:10.9.9.9"))))
        XCTAssertTrue(try XCTUnwrap(IPNetwork("2001:db8::/32")).contains(XCTUnwrap(IPAddress("2001:db8:ffff::1"))))
        XCTAssertFalse(try XCTUnwrap(IPNetwork("2001:db8::/33")).contains(XCTUnwrap(IPAddress("2001:db8:8000::1"))))
        XCTAssertNil(IPNetwork("10.0.0.0/33"))
        XCTAssertNil(IPNetwork("fd00::/129"))
        XCTAssertNil(IPNetwork("example.com"))
        XCTAssertNil(IPNetwork("10.0.0.0/-1"))
        XCTAssertThrowsError(try TrustedProxies(["10.0.0.0/8", "nonsense"]))
    }
}

final class RequestIDTests: XCTestCase {
    func testGeneratedAndEchoed() throws {
        let app = try makeApp(trusted: ["10.0.0.0/8"])
        app.root.get("/id/") { req in .text(req.requestID) }
        let r = app.send(.get, "/id/")
        let id = try XCTUnwrap(r.headers["X-Request-Id"])
        XCTAssertEqual(r.text, id)
        XCTAssertGreaterThanOrEqual(id.count, 16)
        XCTAssertNotEqual(app.send(.get, "/id/").headers["X-Request-Id"], id)
    }

    func testIncomingHonouredOnlyFromTrustedProxyAndWhenValid() throws {
        let app = try makeApp(trusted: ["10.0.0.0/8"])
        app.root.get("/id/") { req in .text(req.requestID) }
        XCTAssertEqual(app.send(.get, "/id/", headers: ["X-Request-Id": "abc-123.X_y"], peer: "10.0.0.1").text, "abc-123.X_y")
        XCTAssertNotEqual(app.send(.get, "/id/", headers: ["X-Request-Id": "abc-123"], peer: "192.0.2.1").text, "abc-123")
        let long = String(repeating: "a", count: 65)
        XCTAssertNotEqual(app.send(.get, "/id/", headers: ["X-Request-Id": long], peer: "10.0.0.1").text, long)
        XCTAssertEqual(app.send(.get, "/id/", headers: ["X-Request-Id": String(repeating: "a", count: 64)], peer: "10.0.0.1").text.count, 64)
        XCTAssertNotEqual(app.send(.get, "/id/", headers: ["X-Request-Id": "a b<script>"], peer: "10.0.0.1").text, "a b<script>")
    }
}

final class SecurityHeaderTests: XCTestCase {
    func testDefaults() throws {
        let app = try makeApp()
        let r = app.send(.get, "/")
        XCTAssertEqual(r.headers["Content-Security-Policy"],
                       "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
        XCTAssertEqual(r.headers["X-Frame-Options"], "DENY")
        XCTAssertEqual(r.headers["X-Content-Type-Options"], "nosniff")
        XCTAssertEqual(r.headers["Referrer-Policy"], "same-origin")
        XCTAssertNil(r.headers["Strict-Transport-Security"])
    }

    func testHSTSOnlyOverHTTPS() throws {
        let app = try makeApp(trusted: ["10.0.0.0/8"])
        XCTAssertEqual(app.send(.get, "/", tls: true).headers["Strict-Transport-Security"], "max-age=31536000; includeSubDomains")
        XCTAssertNotNil(app.send(.get, "/", headers: ["X-Forwarded-Proto": "https"], peer: "10.0.0.1").headers["Strict-Transport-Security"])
        XCTAssertNil(app.send(.get, "/", headers: ["X-Forwarded-Proto": "https"], peer: "192.0.2.1").headers["Strict-Transport-Security"])
    }

    func testHandlerCSPKept() throws {
        let app = try makeApp()
        app.root.get("/saml/") { _ in
            var r = Response.text("x")
            r.headers.set("Content-Security-Policy", "default-src 'none'")
            return r
        }
        XCTAssertEqual(app.send(.get, "/saml/").headers.values("Content-Security-Policy"), ["default-src 'none'"])
    }

    func testExternalLogoAllowedInCSP() throws {
        let app = try makeApp(branding: Branding(companyName: "Acme", logoURL: "https://cdn.acme.example/logo.png"))
        XCTAssertEqual(app.send(.get, "/").headers["Content-Security-Policy"],
                       "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'; img-src 'self' https://cdn.acme.example")
    }
}
