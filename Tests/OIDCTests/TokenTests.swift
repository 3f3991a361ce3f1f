import Crypto
import HTTP
import Identity
import JSON
import Store
import XCTest
@testable import OIDC

final class TokenTests: XCTestCase {
    func testCodeExchangeIssuesAccessIDAndRefreshTokens() throws {
        let h = try Harness()
        let (response, body) = h.exchange(try h.code())
        XCTAssertEqual(response.status, .ok, "\(body)")
        XCTAssertEqual(response.headers["Cache-Control"], "no-store")
        XCTAssertEqual(body["token_type"], .string("Bearer"))
        XCTAssertEqual(body["expires_in"], .int(3600))
        let access = try XCTUnwrap(body["access_token"]?.stringValue)
        let id = Harness.payload(try XCTUnwrap(body["id_token"]?.stringValue))
        XCTAssertNotNil(body["refresh_token"])
        XCTAssertEqual(id["iss"], .string("https://id.example.com/application/o/ar-aging/"))
        XCTAssertEqual(id["aud"], .string("ar-aging"))
        XCTAssertEqual(id["azp"], .string("ar-aging"))
        XCTAssertEqual(id["nonce"], .string("n-456"))
        XCTAssertEqual(id["auth_time"], .int(1_800_000_000))
        XCTAssertEqual(id["amr"], .array([.string("pwd")]))
        XCTAssertEqual(id["email"], .string("somchai@example.co.th"))
        XCTAssertEqual(id["groups"], .array([.string("finance")]))
        XCTAssertEqual(id["ar_access_level"], .string("full"))
        XCTAssertNotEqual(id["sub"], .string("overridden?"), "a scope mapping cannot replace sub")
        XCTAssertEqual(id["at_hash"], .string(Base64URL.encode(Array(Digest.sha256(access).prefix(16)))))
        XCTAssertNotNil(id["sid"])
        let at = Harness.payload(access)
        XCTAssertEqual(at["client_id"], .string("ar-aging"))
        XCTAssertEqual(at["scope"], .string("openid email profile offline_access erp"))
        XCTAssertEqual(at["sub"], id["sub"])
        XCTAssertEqual(h.userinfo(access).status, .ok)
        XCTAssertEqual(h.userinfo(access).json["ar_access_level"], .string("full"))
    }

    func testPKCEVerifierIsCheckedAndCannotBeDropped() throws {
        let h = try Harness()
        XCTAssertEqual(h.exchange(try h.code(), verifier: "x" + String(Harness.verifier.dropFirst())).1["error"], .string("invalid_grant"))
        XCTAssertEqual(h.exchange(try h.code(), verifier: nil).1["error"], .string("invalid_grant"))
        // A verifier for a code issued without a challenge is refused too.
        let noChallenge = h.authorize([("code_challenge", ""), ("code_challenge_method", "")])
        let code = try XCTUnwrap(Harness.locationParameters(noChallenge)["code"])
        XCTAssertEqual(h.exchange(code).1["error"], .string("invalid_grant"))
    }

    func testCodeReplayFailsAndKillsTheFirstTokens() throws {
        let h = try Harness()
        let code = try h.code()
        let (_, first) = h.exchange(code)
        let access = try XCTUnwrap(first["access_token"]?.stringValue)
        let refresh = try XCTUnwrap(first["refresh_token"]?.stringValue)
        XCTAssertEqual(h.userinfo(access).status, .ok)
        let (again, body) = h.exchange(code)
        XCTAssertEqual(again.status, .badRequest)
        XCTAssertEqual(body["error"], .string("invalid_grant"))
        XCTAssertEqual(h.userinfo(access).status, .unauthorized)
        XCTAssertEqual(h.token([("grant_type", "refresh_token"), ("refresh_token", refresh)]).1["error"], .string("invalid_grant"))
    }

    func testWrongRedirectOrClientOrExpiredCode() throws {
        let h = try Harness()
        let code = try h.code()
        XCTAssertEqual(h.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Harness.redirect + "/x"),
                                ("code_verifier", Harness.verifier)]).1["error"], .string("invalid_grant"))
        let late = try h.code()
        h.advance(seconds: 61)
        XCTAssertEqual(h.exchange(late).1["error"], .string("invalid_grant"))
    }

    func testClientAuthenticationFailures() throws {
        let h = try Harness()
        let code = try h.code()
        let (wrong, body) = h.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Harness.redirect)],
                                    headers: h.basic("ar-aging", "not-the-secret"))
        XCTAssertEqual(wrong.status, .unauthorized)
        XCTAssertEqual(body["error"], .string("invalid_client"))
        XCTAssertNotNil(wrong.headers["WWW-Authenticate"])
        // client_secret_post works; both methods at once does not.
        let (post, _) = h.token([("grant_type", "client_credentials"), ("client_id", "ar-aging"), ("client_secret", Harness.secret)],
                                headers: HTTPHeaders())
        XCTAssertEqual(post.status, .ok)
        let (both, bothBody) = h.token([("grant_type", "client_credentials"), ("client_secret", Harness.secret)])
        XCTAssertEqual(both.status, .badRequest)
        XCTAssertEqual(bothBody["error"], .string("invalid_request"))
        let (none, _) = h.token([("grant_type", "client_credentials"), ("client_id", "ar-aging")], headers: HTTPHeaders())
        XCTAssertEqual(none.status, .unauthorized)
        XCTAssertEqual(h.token([("grant_type", "password"), ("username", "a"), ("password", "b")]).1["error"],
                       .string("unsupported_grant_type"))
    }

    func testRefreshRotatesAndReuseRevokesTheFamily() throws {
        let h = try Harness()
        let (_, first) = h.exchange(try h.code())
        let r1 = try XCTUnwrap(first["refresh_token"]?.stringValue)
        let (ok, second) = h.token([("grant_type", "refresh_token"), ("refresh_token", r1)])
        XCTAssertEqual(ok.status, .ok)
        let r2 = try XCTUnwrap(second["refresh_token"]?.stringValue)
        XCTAssertNotEqual(r1, r2)
        let a2 = try XCTUnwrap(second["access_token"]?.stringValue)
        XCTAssertEqual(h.userinfo(a2).status, .ok)
        XCTAssertEqual(Harness.payload(second["id_token"]!.stringValue!)["auth_time"], .int(1_800_000_000))
        // r1 again: refused, and r2 and its access token die with the family.
        XCTAssertEqual(h.token([("grant_type", "refresh_token"), ("refresh_token", r1)]).1["error"], .string("invalid_grant"))
        XCTAssertEqual(h.token([("grant_type", "refresh_token"), ("refresh_token", r2)]).1["error"], .string("invalid_grant"))
        XCTAssertEqual(h.userinfo(a2).status, .unauthorized)
    }

    func testNoRefreshTokenWithoutOfflineAccess() throws {
        let h = try Harness()
        let response = h.authorize(scope: "openid email")
        let code = try XCTUnwrap(Harness.locationParameters(response)["code"])
        let (_, body) = h.exchange(code)
        XCTAssertNil(body["refresh_token"])
        XCTAssertNotNil(body["id_token"])
    }

    func testClientCredentialsForTheServiceAccountSubjectToAccessRules() throws {
        let h = try Harness()
        let (ok, body) = h.token([("grant_type", "client_credentials")])
        XCTAssertEqual(ok.status, .ok, "\(body)")
        XCTAssertNil(body["id_token"])
        XCTAssertNil(body["refresh_token"])
        XCTAssertEqual(body["scope"], .string("email profile erp"))
        // Out of the application's group: refused.
        let svc = try XCTUnwrap(h.users.user(username: "svc-ar-aging"))
        h.users.memberships.withLock { $0[svc.id] = [] }
        XCTAssertEqual(h.token([("grant_type", "client_credentials")]).1["error"], .string("unauthorized_client"))
    }

    func testDeactivatedUsersTokensStopWorking() throws {
        let h = try Harness()
        let (_, body) = h.exchange(try h.code())
        let access = try XCTUnwrap(body["access_token"]?.stringValue)
        let somchai = try XCTUnwrap(h.users.user(username: "somchai"))
        try h.users.deactivateUser(somchai.id, at: h.now)
        XCTAssertEqual(h.userinfo(access).status, .unauthorized)
        XCTAssertEqual(h.token([("grant_type", "refresh_token"), ("refresh_token", body["refresh_token"]!.stringValue!)]).1["error"],
                       .string("invalid_grant"))
    }
}

final class TokenReadingTests: XCTestCase {
    /// `payload` with `member` written again in front of the original members.
    func duplicating(_ jwt: String, _ member: String) throws -> [UInt8] {
        let payload = try XCTUnwrap(Base64URL.decode(String(jwt.split(separator: ".")[1])))
        XCTAssertEqual(payload.first, UInt8(ascii: "{"))
        return Array(("{" + member + ",").utf8) + payload.dropFirst()
    }

    func testOurTokensWithADuplicateMemberAreRefused() throws {
        let h = try Harness()
        let (_, body) = h.exchange(try h.code())
        let access = try XCTUnwrap(body["access_token"]?.stringValue)
        let original = try XCTUnwrap(Base64URL.decode(String(access.split(separator: ".")[1])))
        // Re-signed as it was: still good (the test's key ring signs anything).
        XCTAssertEqual(h.userinfo(try h.keys.sign(payloadJSON: original, algorithm: .rs256, type: "at+jwt")).status, .ok)
        // The same claims with `sub` twice: refused (was: JSONSerialization let one of them win).
        let twice = try h.keys.sign(payloadJSON: try duplicating(access, #""sub":"someone-else""#), algorithm: .rs256, type: "at+jwt")
        XCTAssertEqual(h.userinfo(twice).status, .unauthorized)

        // id_token_hint: the same rule.
        let idToken = try XCTUnwrap(body["id_token"]?.stringValue)
        let hint = try h.keys.sign(payloadJSON: try duplicating(idToken, #""aud":"ar-aging""#), algorithm: .rs256, type: "JWT")
        let refused = h.send(.get, "/application/o/ar-aging/end-session/?" + Harness.query([
            ("id_token_hint", hint), ("post_logout_redirect_uri", Harness.redirect)]), user: "somchai")
        XCTAssertEqual(refused.status, .badRequest)
        XCTAssertNil(refused.headers["Location"])
    }

    func testMappedDoublesKeepTheirDecimalPoint() throws {
        let h = try Harness()
        let (_, body) = h.exchange(try h.code())
        let idToken = try XCTUnwrap(body["id_token"]?.stringValue)
        let payload = String(decoding: try XCTUnwrap(Base64URL.decode(String(idToken.split(separator: ".")[1]))), as: UTF8.self)
        // A CEL int stays an integer; a CEL double is written as one (`2.0`, was `2`).
        XCTAssertTrue(payload.contains(#""ar_limit":2,"#), payload)
        XCTAssertTrue(payload.contains(#""ar_weight":2.0"#), payload)
        XCTAssertEqual(Harness.payload(idToken)["ar_weight"], .double(2))
    }
}

final class ResourceEndpointTests: XCTestCase {
    func testUserinfoRefusesTokensOutsideTheHeaderAndExpiredOnes() throws {
        let h = try Harness()
        let (_, body) = h.exchange(try h.code())
        let access = try XCTUnwrap(body["access_token"]?.stringValue)
        XCTAssertEqual(h.send(.get, "/application/o/userinfo/?access_token=" + access).status, .badRequest)
        XCTAssertEqual(h.send(.post, "/application/o/userinfo/", form: [("access_token", access)]).status, .badRequest)
        XCTAssertEqual(h.send(.get, "/application/o/userinfo/").status, .unauthorized)
        let post = h.send(.post, "/application/o/userinfo/", headers: ["Authorization": "Bearer " + access])
        XCTAssertEqual(post.status, .ok)
        // The ID token is not an access token.
        XCTAssertEqual(h.userinfo(body["id_token"]!.stringValue!).status, .unauthorized)
        h.advance(seconds: 3601)
        let expired = h.userinfo(access)
        XCTAssertEqual(expired.status, .unauthorized)
        XCTAssertTrue(expired.headers["WWW-Authenticate"]!.contains("invalid_token"))
    }

    func testIntrospectionAndRevocation() throws {
        let h = try Harness()
        let (_, body) = h.exchange(try h.code())
        let access = try XCTUnwrap(body["access_token"]?.stringValue)
        let refresh = try XCTUnwrap(body["refresh_token"]?.stringValue)
        let unauthenticated = h.send(.post, "/application/o/introspect/", form: [("token", access)])
        XCTAssertEqual(unauthenticated.status, .unauthorized)
        let active = h.send(.post, "/application/o/introspect/", headers: h.basic(), form: [("token", access)]).json
        XCTAssertEqual(active["active"], .bool(true))
        XCTAssertEqual(active["username"], .string("somchai"))
        XCTAssertEqual(h.send(.post, "/application/o/introspect/", headers: h.basic(), form: [("token", refresh)]).json["active"], .bool(true))

        XCTAssertEqual(h.send(.post, "/application/o/revoke/", headers: h.basic(), form: [("token", access)]).status, .ok)
        XCTAssertEqual(h.send(.post, "/application/o/introspect/", headers: h.basic(), form: [("token", access)]).json["active"], .bool(false))
        XCTAssertEqual(h.userinfo(access).status, .unauthorized)
        XCTAssertEqual(h.send(.post, "/application/o/revoke/", headers: h.basic(), form: [("token", refresh)]).status, .ok)
        XCTAssertEqual(h.token([("grant_type", "refresh_token"), ("refresh_token", refresh)]).1["error"], .string("invalid_grant"))
        // Unknown tokens: still 200.
        XCTAssertEqual(h.send(.post, "/application/o/revoke/", headers: h.basic(), form: [("token", "nonsense")]).status, .ok)
    }

    func testTokenEndpointAnswersCORSPreflightWithoutCredentials() throws {
        let h = try Harness()
        let preflight = h.send(.options, "/application/o/token/", headers: ["Origin": "https://spa.example.com",
                                                                            "Access-Control-Request-Method": "POST"])
        XCTAssertEqual(preflight.status, .noContent)
        XCTAssertEqual(preflight.headers["Access-Control-Allow-Origin"], "*")
        XCTAssertNil(preflight.headers["Access-Control-Allow-Credentials"])
        let (post, _) = h.token([("grant_type", "client_credentials")], headers: {
            var headers = h.basic()
            headers.add("Origin", "https://spa.example.com")
            return headers
        }())
        XCTAssertEqual(post.headers["Access-Control-Allow-Origin"], "*")
    }

    func testDiscoveryListsOnlyWhatIsImplemented() throws {
        let h = try Harness()
        let doc = h.send(.get, "/application/o/ar-aging/.well-known/openid-configuration").json
        XCTAssertEqual(doc["issuer"], .string("https://id.example.com/application/o/ar-aging/"))
        XCTAssertEqual(doc["authorization_endpoint"], .string("https://id.example.com/application/o/authorize/"))
        XCTAssertEqual(doc["jwks_uri"], .string("https://id.example.com/application/o/ar-aging/jwks/"))
        XCTAssertEqual(doc["response_types_supported"], .array([.string("code")]))
        XCTAssertEqual(doc["code_challenge_methods_supported"], .array([.string("S256")]))
        XCTAssertEqual(h.send(.get, "/application/o/nope/.well-known/openid-configuration").status, .notFound)
        let rfc8414 = h.send(.get, "/.well-known/oauth-authorization-server/application/o/ar-aging/")
        XCTAssertEqual(rfc8414.json["issuer"], doc["issuer"])
        XCTAssertEqual(h.send(.get, "/application/o/ar-aging/jwks/").status, .ok)
    }

    func testEndSessionNeedsAValidHintForARedirect() throws {
        let h = try Harness()
        let (_, body) = h.exchange(try h.code())
        let idToken = try XCTUnwrap(body["id_token"]?.stringValue)
        let target = "/application/o/ar-aging/end-session/?" + Harness.query([
            ("id_token_hint", idToken), ("post_logout_redirect_uri", Harness.redirect), ("state", "bye")])
        let out = h.send(.get, target, user: "somchai")
        XCTAssertEqual(out.status, .found)
        XCTAssertEqual(out.headers["Location"], Harness.redirect + "?state=bye")
        let unregistered = h.send(.get, "/application/o/ar-aging/end-session/?" + Harness.query([
            ("id_token_hint", idToken), ("post_logout_redirect_uri", "https://evil.example.com/")]), user: "somchai")
        XCTAssertEqual(unregistered.status, .badRequest)
        XCTAssertNil(unregistered.headers["Location"])
        // An access token is not an ID token: no sign-out without asking.
        let access = try XCTUnwrap(body["access_token"]?.stringValue)
        let withAccess = h.send(.get, "/application/o/ar-aging/end-session/?" + Harness.query([
            ("id_token_hint", access), ("post_logout_redirect_uri", Harness.redirect)]), user: "somchai")
        XCTAssertEqual(withAccess.status, .badRequest)
        XCTAssertNil(withAccess.headers["Location"])
        // No hint: ask first (somchai's session ended above; nok is still signed in).
        let ask = h.send(.get, "/application/o/ar-aging/end-session/", user: "nok")
        XCTAssertEqual(ask.status, .ok)
        XCTAssertTrue(ask.text.contains("Sign out?"))
    }
}
