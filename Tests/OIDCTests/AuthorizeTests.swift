import HTTP
import Identity
import Store
import XCTest
@testable import OIDC

final class AuthorizeTests: XCTestCase {
    func testHappyPathRedirectsWithCodeStateAndIssuer() throws {
        let h = try Harness()
        let response = h.authorize()
        XCTAssertEqual(response.status, .found)
        let params = Harness.locationParameters(response)
        XCTAssertTrue(response.headers["Location"]!.hasPrefix(Harness.redirect + "?"))
        XCTAssertNotNil(params["code"])
        XCTAssertEqual(params["state"], "st-123")
        XCTAssertEqual(params["iss"], "https://id.example.com/application/o/ar-aging/")
    }

    func testUnknownClientAndMismatchedRedirectsGetAPageNeverARedirect() throws {
        let h = try Harness()
        let variants = [
            Harness.redirect + "/extra", Harness.redirect + "?x=1", Harness.redirect + "/",
            "https://AR.example.co.th/auth/callback", "https://ar.example.co.th/auth/Callback",
            "https://evil.example.com/auth/callback", Harness.redirect + "#frag",
        ]
        for variant in variants {
            let response = h.authorize(redirect: variant)
            XCTAssertEqual(response.status, .badRequest, variant)
            XCTAssertNil(response.headers["Location"], variant)
        }
        let unknown = h.authorize(client: "nobody")
        XCTAssertEqual(unknown.status, .badRequest)
        XCTAssertNil(unknown.headers["Location"])
        let missing = h.send(.get, "/application/o/authorize/?response_type=code&client_id=ar-aging&scope=openid")
        XCTAssertEqual(missing.status, .badRequest)
    }

    func testErrorsAfterTheRedirectIsTrustedGoBackToTheClient() throws {
        let h = try Harness()
        let cases: [([(String, String)], String)] = [
            ([("response_type", "token")], "unsupported_response_type"),
            ([("scope", "admin write")], "invalid_scope"),
            ([("code_challenge_method", "plain")], "invalid_request"),
            ([("code_challenge", "short")], "invalid_request"),
            ([("prompt", "none login")], "invalid_request"),
            ([("max_age", "-1")], "invalid_request"),
            ([("request", "eyJ...")], "request_not_supported"),
        ]
        for (extra, expected) in cases {
            let response = h.authorize(extra)
            XCTAssertEqual(response.status, .found, "\(extra)")
            let params = Harness.locationParameters(response)
            XCTAssertEqual(params["error"], expected, "\(extra)")
            XCTAssertEqual(params["state"], "st-123")
        }
    }

    func testScopesTheClientDoesNotHaveAreDropped() throws {
        let h = try Harness()
        let response = h.authorize(scope: "openid email profile groups admin")
        let code = try XCTUnwrap(Harness.locationParameters(response)["code"])
        let (_, body) = h.exchange(code)
        XCTAssertEqual(body["scope"], .string("openid email profile"))
    }

    func testIssuerRelativeEndpointAliases() throws {
        let h = try Harness()
        let pairs = [("response_type", "code"), ("client_id", "ar-aging"), ("redirect_uri", Harness.redirect), ("scope", "openid"),
                     ("code_challenge", Harness.challenge), ("code_challenge_method", "S256")]
        let response = h.send(.get, "/application/o/ar-aging/authorize/?" + Harness.query(pairs), user: "somchai")
        let code = try XCTUnwrap(Harness.locationParameters(response)["code"])
        let token = h.send(.post, "/application/o/ar-aging/token/", headers: h.basic(), form: [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Harness.redirect), ("code_verifier", Harness.verifier)])
        XCTAssertEqual(token.status, .ok)
        var auth = HTTPHeaders()
        auth.add("Authorization", "Bearer " + token.json["access_token"]!.stringValue!)
        XCTAssertEqual(h.send(.get, "/application/o/ar-aging/userinfo/", headers: auth).status, .ok)
    }

    func testRegexRedirectsMatchTheWholeURIWithoutATrailingLineBreak() throws {
        let h = try Harness()
        var client = try XCTUnwrap(h.directory.client(clientID: "spa"))
        client.redirectURIs = [OAuthRedirectURI(matching: .regex, url: "https://spa\\.example\\.com/cb")]
        h.directory.clients.withLock { $0[1] = client }
        XCTAssertEqual(h.authorize(client: "spa", redirect: "https://spa.example.com/cb", scope: "openid").status, .found)
        for bad in ["https://spa.example.com/cb\n", "https://spa.example.com/cb/x", "https://spa.example.com/cb\r\n"] {
            let response = h.authorize(client: "spa", redirect: bad, scope: "openid")
            XCTAssertEqual(response.status, .badRequest, bad.debugDescription)
            XCTAssertNil(response.headers["Location"])
        }
    }

    func testRepeatedParameterIsRefused() throws {
        let h = try Harness()
        let response = h.send(.get, "/application/o/authorize/?client_id=ar-aging&client_id=spa&redirect_uri=x", user: "somchai")
        XCTAssertEqual(response.status, .badRequest)
        let scopeTwice = h.send(.get, "/application/o/authorize/?" + Harness.query([
            ("response_type", "code"), ("client_id", "ar-aging"), ("redirect_uri", Harness.redirect),
            ("scope", "openid"), ("scope", "email")]), user: "somchai")
        XCTAssertEqual(Harness.locationParameters(scopeTwice)["error"], "invalid_request")
    }

    func testPublicClientMustUsePKCE() throws {
        let h = try Harness()
        let response = h.authorize([("code_challenge", ""), ("code_challenge_method", "")], client: "spa",
                                   redirect: "https://spa.example.com/cb", scope: "openid")
        XCTAssertEqual(Harness.locationParameters(response)["error"], "invalid_request")
        let ok = h.authorize(client: "spa", redirect: "https://spa.example.com/cb", scope: "openid")
        XCTAssertNotNil(Harness.locationParameters(ok)["code"])
    }

    func testNoSessionSendsTheBrowserToSignInAndBack() throws {
        let h = try Harness()
        let response = h.authorize([("login_hint", "somchai"), ("prompt", "login")], user: nil)
        XCTAssertEqual(response.status, .found)
        let location = try XCTUnwrap(response.headers["Location"])
        XCTAssertTrue(location.hasPrefix("/if/flow/default-authentication-flow/?restart=1&next=/application/o/authorize/%3F"), location)
        XCTAssertTrue(location.contains("login_hint=somchai"))
        XCTAssertFalse(location.contains("prompt"), "prompt=login is satisfied by the sign-in and must not loop")
        let both = h.authorize([("prompt", "login consent")], user: nil)
        XCTAssertTrue(both.headers["Location"]!.contains("prompt%3Dconsent"), "consent is still asked for after the sign-in")
        let none = h.authorize([("prompt", "none")], user: nil)
        XCTAssertEqual(Harness.locationParameters(none)["error"], "login_required")
    }

    func testMaxAgeForcesSignInWhenTheLastOneIsOlder() throws {
        let h = try Harness()
        h.advance(seconds: 600)
        let old = h.authorize([("max_age", "300")])
        XCTAssertTrue(old.headers["Location"]!.hasPrefix("/if/flow/"))
        let fresh = h.authorize([("max_age", "3600")])
        XCTAssertNotNil(Harness.locationParameters(fresh)["code"])
    }

    func testUserOutsideTheApplicationsGroupsIsDenied() throws {
        let h = try Harness()
        let response = h.authorize(user: "nok")
        XCTAssertEqual(response.status, .forbidden)
        XCTAssertTrue(response.text.contains("Access denied"))
        XCTAssertTrue(response.text.contains("error=access_denied"))
        let silent = h.authorize([("prompt", "none")], user: "nok")
        XCTAssertEqual(Harness.locationParameters(silent)["error"], "access_denied")
    }

    func testFormPostResponseMode() throws {
        let h = try Harness()
        let response = h.authorize([("response_mode", "form_post")])
        XCTAssertEqual(response.status, .ok)
        XCTAssertTrue(response.text.contains("action=\"\(Harness.redirect)\""))
        XCTAssertTrue(response.text.contains("name=\"code\""))
        XCTAssertTrue(response.text.contains("value=\"st-123\""))
        XCTAssertTrue(response.headers["Content-Security-Policy"]!.contains("form-action https://ar.example.co.th"))
    }

    func testConsentOnceAsksThenRemembers() throws {
        let h = try Harness()
        var client = try XCTUnwrap(h.directory.client(clientID: "ar-aging"))
        client.consentMode = .once
        h.directory.clients.withLock { $0[0] = client }
        let first = h.authorize()
        XCTAssertEqual(first.status, .ok)
        XCTAssertTrue(first.text.contains("Allow A/R Aging?"))
        let silent = h.authorize([("prompt", "none")])
        XCTAssertEqual(Harness.locationParameters(silent)["error"], "consent_required")
        let somchai = try XCTUnwrap(h.users.user(username: "somchai"))
        try h.grants.recordConsent(userID: somchai.id, clientID: "ar-aging", scopes: ["openid", "email", "profile", "offline_access", "erp"], at: h.now)
        XCTAssertNotNil(Harness.locationParameters(h.authorize())["code"])
    }
}
