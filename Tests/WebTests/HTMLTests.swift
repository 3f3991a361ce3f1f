import XCTest
import Logging
@testable import Web

final class HTMLTests: XCTestCase {
    func testInterpolatedStringsAreEscaped() {
        let name = "<script>alert('x')</script> & \"friends\""
        let html: HTML = "<p>Hello, \(name)</p>"
        XCTAssertEqual(html.rendered,
                       "<p>Hello, &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;friends&quot;</p>")
    }

    func testCompositionDoesNotDoubleEscape() {
        let inner: HTML = "<b>\("a & b")</b>"
        let outer: HTML = "<div>\(inner)</div>"
        XCTAssertEqual(outer.rendered, "<div><b>a &amp; b</b></div>")
        let list: HTML = "<ul>\([HTML("<li>1</li>"), "<li>\("<2>")</li>"])</ul>"
        XCTAssertEqual(list.rendered, "<ul><li>1</li><li>&lt;2&gt;</li></ul>")
    }

    func testRawIsExplicit() {
        let trusted = "<em>ok</em>"
        XCTAssertEqual(HTML("\(raw: trusted)").rendered, "<em>ok</em>")
        XCTAssertEqual(HTML("\(trusted)").rendered, "&lt;em&gt;ok&lt;/em&gt;")
    }

    func testBrandedPageEscapesCompanyName() throws {
        let app = try makeApp(branding: Branding(companyName: "<script>Evil</script> Corp"))
        let r = app.send(.get, "/")
        XCTAssertEqual(r.status.code, 200)
        XCTAssertFalse(r.text.contains("<script>"))
        XCTAssertTrue(r.text.contains("&lt;script&gt;Evil&lt;/script&gt; Corp"))
    }

    func testBrandingValidation() {
        let b = Branding(companyName: "  ", logoURL: "javascript:alert(1)", primaryColor: "#ABC", accentColor: "red;}body{")
        XCTAssertEqual(b.companyName, "Gatehouse")
        XCTAssertNil(b.logoURL)
        XCTAssertEqual(b.primaryColor, "#abc")
        XCTAssertEqual(b.accentColor, Branding.defaultAccent)
        XCTAssertEqual(Branding(primaryColor: "#12345g").primaryColor, Branding.defaultPrimary)
        XCTAssertEqual(Branding(primaryColor: "#123456").primaryColor, "#123456")
        XCTAssertNil(Branding(logoURL: "//evil.example/x.png").logoURL)
        XCTAssertEqual(Branding(logoURL: "/media/logo.png").logoURL, "/media/logo.png")
    }

    func testLandingPage() throws {
        let app = try makeApp(branding: Branding(companyName: "Acme", primaryColor: "#ff0000"))
        let r = app.send(.get, "/")
        XCTAssertEqual(r.headers["Content-Type"], "text/html; charset=utf-8")
        XCTAssertTrue(r.text.contains("<html lang=\"en\">"))
        XCTAssertTrue(r.text.contains("Acme"))
        XCTAssertTrue(r.text.contains("/-/metrics/"))
        XCTAssertTrue(r.text.contains("/-/health/live/"))
        XCTAssertFalse(r.text.contains("<script"))
        XCTAssertFalse(r.text.contains("<style"))
        XCTAssertFalse(r.text.contains("style="))
        // The language switch is a CSRF-protected POST form.
        XCTAssertTrue(r.text.contains("action=\"/-/i18n/setlang/\""))
        XCTAssertTrue(r.text.contains("name=\"csrf_token\""))
        // Theme colours come from a stylesheet route.
        let theme = try XCTUnwrap(r.text.range(of: "/static/theme.css?v=")).upperBound
        let version = String(r.text[theme...].prefix(12))
        let css = app.send(.get, "/static/theme.css?v=\(version)")
        XCTAssertEqual(css.status.code, 200)
        XCTAssertTrue(css.text.contains("--gh-primary: #ff0000;"))
        XCTAssertEqual(css.headers["Cache-Control"], "public, max-age=31536000, immutable")
    }

    func testLandingPageCanBeReplacedAndReuseTheIntro() throws {
        let config = WebConfig(externalURL: "https://id.example.com", trustedProxies: try TrustedProxies([]),
                               branding: Branding(companyName: "Acme <Co>"), serverKey: testKey,
                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let app = try WebApplication(config: config, landing: { request in
            .page(request, title: LandingPage.title(request), content: LandingPage.intro(request) + "<p id=\"custom\">signed in</p>")
        })
        let page = app.send(.get, "/").text
        XCTAssertTrue(page.contains("<p id=\"custom\">signed in</p>"))
        XCTAssertTrue(page.contains("Acme &lt;Co&gt;"))
        XCTAssertFalse(page.contains("/-/metrics/"), "the replacement decides what to show")
        XCTAssertTrue(try makeApp().send(.get, "/").text.contains("/-/health/live/"), "the built-in page is unchanged")
    }

    func testLoginMessagesExistInEnglishAndThai() {
        let keys = ["flow.uid.label", "flow.password.label", "flow.error.invalid", "flow.error.throttled",
                    "flow.logout.button", "landing.signed_in_as", "landing.sign_in"]
        for key in keys {
            let en = MessageCatalog.web.text(key, .en), th = MessageCatalog.web.text(key, .th)
            XCTAssertNotEqual(en, key, key)
            XCTAssertNotEqual(th, en, "\(key) has a Thai text")
            XCTAssertTrue(th.unicodeScalars.contains { (0x0E00...0x0E7F).contains($0.value) }, "\(key) is Thai")
        }
    }
}
