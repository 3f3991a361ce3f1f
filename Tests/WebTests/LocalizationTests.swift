import XCTest
import HTTP
@testable import Web

final class LocalizationTests: XCTestCase {
    func testAcceptLanguageNegotiation() {
        XCTAssertEqual(Language.negotiate(cookie: nil, acceptLanguage: "th-TH,th;q=0.9,en;q=0.8"), .th)
        XCTAssertEqual(Language.negotiate(cookie: nil, acceptLanguage: "en-US,en;q=0.9,th;q=0.8"), .en)
        XCTAssertEqual(Language.negotiate(cookie: nil, acceptLanguage: "de,th;q=0.5"), .th)
        XCTAssertEqual(Language.negotiate(cookie: nil, acceptLanguage: "en;q=0.3,th;q=0.7"), .th)
        XCTAssertEqual(Language.negotiate(cookie: nil, acceptLanguage: "th;q=0,fr"), .en)
        XCTAssertEqual(Language.negotiate(cookie: nil, acceptLanguage: "th;q=abc"), .en)
        XCTAssertEqual(Language.negotiate(cookie: nil, acceptLanguage: nil), .en)
        XCTAssertEqual(Language.negotiate(cookie: nil, acceptLanguage: ";;,,q=1"), .en)
    }

    func testCookieWins() {
        XCTAssertEqual(Language.negotiate(cookie: "en", acceptLanguage: "th-TH,th;q=0.9"), .en)
        XCTAssertEqual(Language.negotiate(cookie: "th", acceptLanguage: "en"), .th)
        XCTAssertEqual(Language.negotiate(cookie: "xx", acceptLanguage: "th"), .th)
    }

    func testThaiPageThroughApp() throws {
        let app = try makeApp()
        let th = app.send(.get, "/", headers: ["Accept-Language": "th-TH,th;q=0.9,en;q=0.8"])
        XCTAssertTrue(th.text.contains("<html lang=\"th\">"))
        XCTAssertTrue(th.text.contains("ผู้ให้บริการยืนยันตัวตน"))
        let cookie = app.send(.get, "/", headers: ["Accept-Language": "th", "Cookie": "gatehouse_lang=en"])
        XCTAssertTrue(cookie.text.contains("<html lang=\"en\">"))
    }

    func testEveryKeyHasEnglishAndThai() {
        for (key, forms) in MessageCatalog.web.entries {
            XCTAssertFalse(forms[.en, default: ""].isEmpty, key)
            let thai = forms[.th, default: ""]
            XCTAssertTrue(thai.unicodeScalars.contains { (0x0E00...0x0E7F).contains($0.value) }, "\(key) has no Thai text")
        }
        XCTAssertEqual(MessageCatalog.web.text("no.such.key", .th), "no.such.key")
    }

    func setLang(_ app: WebApplication, next: String, lang: String = "th") throws -> HTTPResponse {
        let page = app.send(.get, "/")
        let setCookie = try XCTUnwrap(page.setCookies.first { $0.hasPrefix("__Host-gatehouse_csrf=") })
        let cookie = String(setCookie.split(separator: ";")[0])
        let token = try XCTUnwrap(page.text.firstMatch(of: /name="csrf_token" value="([^"]+)"/)).output.1
        return app.send(.post, "/-/i18n/setlang/",
                        headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie],
                        body: "lang=\(lang)&next=\(PercentEncoding.encode(next))&csrf_token=\(token)")
    }

    func testSetLanguage() throws {
        let app = try makeApp()
        let r = try setLang(app, next: "/application/o/authorize/?client_id=x")
        XCTAssertEqual(r.status.code, 303)
        XCTAssertEqual(r.headers["Location"], "/application/o/authorize/?client_id=x")
        XCTAssertTrue(r.setCookies.contains { $0.hasPrefix("gatehouse_lang=th;") && $0.contains("Max-Age=31536000") })
    }

    func testSetLanguageRejectsOpenRedirect() throws {
        let app = try makeApp()
        for evil in ["//evil.example", "/\\evil.example", "https://evil.example/", "evil", "/\r\nSet-Cookie: x=y"] {
            let r = try setLang(app, next: evil)
            XCTAssertEqual(r.status.code, 303, evil)
            XCTAssertEqual(r.headers["Location"], "/", evil)
        }
    }

    func testSetLanguageNeedsCSRF() throws {
        let app = try makeApp()
        let r = app.send(.post, "/-/i18n/setlang/", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                         body: "lang=th&next=/")
        XCTAssertEqual(r.status.code, 403)
        XCTAssertEqual(try setLang(app, next: "/", lang: "fr").status.code, 400)
    }
}
