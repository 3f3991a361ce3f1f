import Crypto
import HTTP
import Identity
import JSON
import Store
import Web
import XCTest
@testable import OIDC

/// Issue 11's findings against the OIDC provider, each with the reproduction as its first case.
final class SecurityRegressionTests: XCTestCase {
    /// A public client registered beside `ar-aging`, as an attacker would hold one.
    func addPublicClient(_ h: Harness) {
        h.directory.add(OAuthClient(
            providerName: "other", clientID: "other", clientType: .public, clientSecret: nil,
            redirectURIs: [OAuthRedirectURI(matching: .strict, url: "https://other.example.com/cb")], scopes: ["openid"],
            application: OAuthApplication(slug: "other", name: "Other", launchURL: nil, groups: [])))
    }

    // Item 4: a code replayed by another client changes nothing for the real client.
    func testCodeReplayedByAnotherClientRevokesNothing() throws {
        let h = try Harness()
        addPublicClient(h)
        let code = try h.code()
        let (_, first) = h.exchange(code)
        let access = try XCTUnwrap(first["access_token"]?.stringValue)
        let refresh = try XCTUnwrap(first["refresh_token"]?.stringValue)

        let (replayed, body) = h.token([("grant_type", "authorization_code"), ("code", code), ("client_id", "other"),
                                        ("redirect_uri", "https://other.example.com/cb"), ("code_verifier", Harness.verifier)],
                                       headers: [:])
        XCTAssertEqual(replayed.status, .badRequest)
        XCTAssertEqual(body["error"], .string("invalid_grant"))
        XCTAssertEqual(body["error_description"], .string("the code is not valid or has expired"),
                       "the same answer as for an unknown code")
        XCTAssertEqual(h.userinfo(access).status, .ok, "the real client's tokens live on")
        let (_, refreshed) = h.token([("grant_type", "refresh_token"), ("refresh_token", refresh)])
        XCTAssertNotNil(refreshed["access_token"], "\(refreshed)")

        // The client the code was issued to still triggers the revocation on replay.
        let (_, own) = h.exchange(code)
        XCTAssertEqual(own["error"], .string("invalid_grant"))
        XCTAssertEqual(h.userinfo(access).status, .unauthorized)
    }

    func testFreshCodePresentedByAnotherClientIsNotBurned() throws {
        let h = try Harness()
        addPublicClient(h)
        let code = try h.code()
        let (stolen, _) = h.token([("grant_type", "authorization_code"), ("code", code), ("client_id", "other"),
                                   ("redirect_uri", Harness.redirect), ("code_verifier", Harness.verifier)], headers: [:])
        XCTAssertEqual(stolen.status, .badRequest)
        let (ok, body) = h.exchange(code)
        XCTAssertEqual(ok.status, .ok, "\(body)")
        XCTAssertNotNil(body["access_token"])
    }

    // Item 5: reuse of a spent refresh token is detected whatever the request's scope says.
    func testRefreshReuseWithAScopeParameterStillRevokesTheFamily() throws {
        let h = try Harness()
        let (_, first) = h.exchange(try h.code())
        let rt0 = try XCTUnwrap(first["refresh_token"]?.stringValue)
        let (_, second) = h.token([("grant_type", "refresh_token"), ("refresh_token", rt0)])
        let rt1 = try XCTUnwrap(second["refresh_token"]?.stringValue)

        let (reused, body) = h.token([("grant_type", "refresh_token"), ("refresh_token", rt0), ("scope", "openid")])
        XCTAssertEqual(reused.status, .badRequest)
        XCTAssertEqual(body["error"], .string("invalid_grant"), "\(body)")
        let (dead, afterwards) = h.token([("grant_type", "refresh_token"), ("refresh_token", rt1)])
        XCTAssertEqual(dead.status, .badRequest)
        XCTAssertEqual(afterwards["error"], .string("invalid_grant"), "the family is revoked")
    }

    func testNarrowingScopeOnALiveRefreshTokenStillWorksAndWideningDoesNot() throws {
        let h = try Harness()
        let (_, first) = h.exchange(try h.code())
        let rt0 = try XCTUnwrap(first["refresh_token"]?.stringValue)
        let (_, wider) = h.token([("grant_type", "refresh_token"), ("refresh_token", rt0), ("scope", "openid admin")])
        XCTAssertEqual(wider["error"], .string("invalid_scope"))
        let (_, narrower) = h.token([("grant_type", "refresh_token"), ("refresh_token", rt0), ("scope", "openid")])
        XCTAssertNotNil(narrower["refresh_token"], "\(narrower)")
    }

    // Item 6: every redirect to the client carries `iss`, parse-time errors included.
    func testEarlyAuthorizeErrorsCarryTheIssuer() throws {
        let h = try Harness()
        let issuer = "https://id.example.com/application/o/ar-aging/"
        let cases: [[(String, String)]] = [
            [("code_challenge_method", "plain")], [("response_type", "token")], [("request", "eyJ...")],
            [("scope", "admin")], [("prompt", "none login")],
        ]
        for extra in cases {
            let response = h.authorize(extra)
            XCTAssertEqual(response.status, .found, "\(extra)")
            let params = Harness.locationParameters(response)
            XCTAssertNotNil(params["error"], "\(extra)")
            XCTAssertEqual(params["iss"], issuer, "\(extra)")
        }
        // A repeated parameter after the redirect URI is trusted.
        let repeated = h.send(.get, "/application/o/authorize/?" + Harness.query([
            ("response_type", "code"), ("client_id", "ar-aging"), ("redirect_uri", Harness.redirect), ("scope", "openid"),
            ("state", "st"), ("nonce", "a"), ("nonce", "b"), ("code_challenge", Harness.challenge),
            ("code_challenge_method", "S256")]), user: "somchai")
        XCTAssertEqual(repeated.status, .found)
        XCTAssertEqual(Harness.locationParameters(repeated)["error"], "invalid_request")
        XCTAssertEqual(Harness.locationParameters(repeated)["iss"], issuer)
    }

    // Item 7's wider sweep: a NUL in any OAuth parameter is an invalid request, not a store failure.
    func testControlCharactersInParametersAreInvalidRequests() throws {
        let h = try Harness()
        let nonce = h.authorize([("nonce", "a\u{0}b")])
        XCTAssertEqual(nonce.status, .found)
        XCTAssertEqual(Harness.locationParameters(nonce)["error"], "invalid_request")
        let (token, body) = h.token([("grant_type", "authorization_code"), ("code", "x\u{0}"), ("redirect_uri", Harness.redirect)])
        XCTAssertEqual(token.status, .badRequest)
        XCTAssertEqual(body["error"], .string("invalid_request"))
    }

    // Item 8: `id_token_hint` naming someone else than the signed-in user.
    func testIDTokenHintForAnotherUserIsLoginRequired() throws {
        let h = try Harness()
        h.users.add("pim", email: "pim@example.co.th", groups: ["finance"])
        let (_, pimTokens) = h.exchange(try XCTUnwrap(Harness.locationParameters(h.authorize(user: "pim"))["code"]))
        let pimIDToken = try XCTUnwrap(pimTokens["id_token"]?.stringValue, "\(pimTokens)")

        let other = h.authorize([("prompt", "none"), ("id_token_hint", pimIDToken)], user: "somchai")
        XCTAssertEqual(other.status, .found)
        let params = Harness.locationParameters(other)
        XCTAssertEqual(params["error"], "login_required")
        XCTAssertNil(params["code"])
        // Without prompt=none as well: never a code for the wrong person.
        XCTAssertEqual(Harness.locationParameters(h.authorize([("id_token_hint", pimIDToken)], user: "somchai"))["error"],
                       "login_required")

        // The hint naming the signed-in user: a code.
        let same = h.authorize([("prompt", "none"), ("id_token_hint", pimIDToken)], user: "pim")
        XCTAssertNotNil(Harness.locationParameters(same)["code"])

        // An unverifiable hint (forged, or an access token) is an invalid request.
        let access = try XCTUnwrap(pimTokens["access_token"]?.stringValue)
        for bad in [access, "eyJhbGciOiJub25lIn0.e30.", String(pimIDToken.dropLast(3)) + "AAA"] {
            let response = h.authorize([("prompt", "none"), ("id_token_hint", bad)], user: "pim")
            XCTAssertEqual(Harness.locationParameters(response)["error"], "invalid_request", bad)
        }
    }

    // Item 2: two accounts never share a `sub`, and an address two accounts hold is not verified.
    func testSharedAddressIsNeitherASubjectNorVerified() throws {
        let h = try Harness()
        h.directory.add(OAuthClient(
            providerName: "mail-sub", clientID: "mail-sub", clientType: .confidential, clientSecret: Harness.secret,
            redirectURIs: [OAuthRedirectURI(matching: .strict, url: Harness.redirect)], scopes: ["openid", "email"],
            subjectMode: .email, application: OAuthApplication(slug: "mail-sub", name: "Mail sub", launchURL: nil, groups: [])))
        // An account provisioned with somchai's address before the one-address rule existed.
        h.users.add("evil1", email: "somchai@example.co.th")

        func idClaims(_ user: String) throws -> JSONObject {
            let code = try XCTUnwrap(Harness.locationParameters(h.authorize(client: "mail-sub", scope: "openid email", user: user))["code"])
            let (_, body) = h.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Harness.redirect),
                                     ("code_verifier", Harness.verifier)], headers: h.basic("mail-sub"))
            return Harness.payload(try XCTUnwrap(body["id_token"]?.stringValue, "\(body)"))
        }
        let somchai = try idClaims("somchai"), evil = try idClaims("evil1")
        XCTAssertNotEqual(somchai["sub"], evil["sub"])
        XCTAssertNotEqual(somchai["sub"], .string("somchai@example.co.th"))
        XCTAssertEqual(somchai["email_verified"], .bool(false))
        XCTAssertEqual(evil["email_verified"], .bool(false))

        // nok's address is hers alone: it is her subject, and verified.
        let nok = try idClaims("nok")
        XCTAssertEqual(nok["sub"], .string("nok@example.co.th"))
        XCTAssertEqual(nok["email_verified"], .bool(true))
    }

    // Item 10: `given_name` only when someone gave one.
    func testGivenNameIsNotTheFullName() throws {
        let h = try Harness()
        h.users.add("pim", email: "pim@example.co.th", groups: ["finance"],
                    attributes: #"{"given_name":"Pim","family_name":"Srisuk"}"#)
        let (_, somchai) = h.exchange(try h.code())
        XCTAssertNil(Harness.payload(try XCTUnwrap(somchai["id_token"]?.stringValue))["given_name"])
        let (_, pim) = h.exchange(try XCTUnwrap(Harness.locationParameters(h.authorize(user: "pim"))["code"]))
        let claims = Harness.payload(try XCTUnwrap(pim["id_token"]?.stringValue))
        XCTAssertEqual(claims["given_name"], .string("Pim"))
        XCTAssertEqual(claims["family_name"], .string("Srisuk"))
    }

    // Item 10: an application's JWKS lists the keys of its own algorithm.
    func testJWKSListsTheApplicationsAlgorithmOnly() throws {
        let h = try Harness()
        let body = h.send(.get, "/application/o/ar-aging/jwks/").json
        guard case .array(let keys)? = body["keys"] else { return XCTFail("\(body)") }
        XCTAssertEqual(keys.compactMap { $0["alg"]?.stringValue }, ["RS256"])
    }

    // Round 2, finding 1: the consent form's POST runs every check of a fresh request.
    func postConsent(_ h: Harness, _ extra: [(String, String)], user: String, answer: String = "allow") -> HTTPResponse {
        let secret = Base64URL.encode([UInt8](repeating: 5, count: 32))
        let token = CSRF.token(secret: secret, key: [UInt8](repeating: 7, count: 32))
        var pairs = [("response_type", "code"), ("client_id", "ar-aging"), ("redirect_uri", Harness.redirect),
                     ("scope", "openid email profile"), ("state", "st-123"), ("nonce", "n-456"),
                     ("code_challenge", Harness.challenge), ("code_challenge_method", "S256")]
        let overridden = Set(extra.map(\.0))
        pairs.removeAll { overridden.contains($0.0) }
        pairs += extra + [("csrf_token", token), ("gh_consent", answer)]
        var headers = HTTPHeaders()
        headers.add("Cookie", "__Host-gatehouse_csrf=" + secret)
        return h.send(.post, "/application/o/authorize/consent/", headers: headers, form: pairs, user: user)
    }

    func testConsentPostCannotSkipStepUp() throws {
        let h = try Harness(access: { StepUpTests.SensitiveAccess(users: $0) })
        let response = postConsent(h, [], user: "somchai")
        XCTAssertEqual(response.status, .found)
        XCTAssertNil(Harness.locationParameters(response)["code"], "no code without the second factor")
        XCTAssertTrue((response.headers["Location"] ?? "").hasPrefix("/if/flow/default-authenticator-validation-flow/"),
                      response.headers["Location"] ?? "")
        let acr = postConsent(try Harness(), [("acr_values", "urn:gatehouse:acr:mfa")], user: "somchai")
        XCTAssertNil(Harness.locationParameters(acr)["code"])
    }

    func testConsentPostCannotSkipTheHintOrASignInThatIsDue() throws {
        let h = try Harness()
        h.users.add("pim", email: "pim@example.co.th", groups: ["finance"])
        let (_, pim) = h.exchange(try XCTUnwrap(Harness.locationParameters(h.authorize(user: "pim"))["code"]))
        let hint = try XCTUnwrap(pim["id_token"]?.stringValue)
        let other = postConsent(h, [("id_token_hint", hint)], user: "somchai")
        XCTAssertEqual(Harness.locationParameters(other)["error"], "login_required")
        XCTAssertNil(Harness.locationParameters(other)["code"])
        for extra in [[("prompt", "login")], [("max_age", "0")]] {
            h.advance(seconds: 5)
            let due = postConsent(h, extra, user: "somchai")
            XCTAssertNil(Harness.locationParameters(due)["code"], "\(extra)")
            XCTAssertTrue((due.headers["Location"] ?? "").hasPrefix("/if/flow/default-authentication-flow/"), "\(extra)")
        }
        // The ordinary answer still works, and "deny" is access_denied.
        XCTAssertNotNil(Harness.locationParameters(postConsent(h, [], user: "somchai"))["code"])
        XCTAssertEqual(Harness.locationParameters(postConsent(h, [], user: "somchai", answer: "deny"))["error"], "access_denied")
    }

    // Round 2, finding 6: a `sub` is never reassigned to another account, even when the
    // address or username it came from is freed and reused.
    func testSubjectIsNeverReassigned() throws {
        let h = try Harness()
        for (name, mode) in [("mail-sub", OAuthSubjectMode.email), ("name-sub", .username)] {
            h.directory.add(OAuthClient(
                providerName: name, clientID: name, clientType: .confidential, clientSecret: Harness.secret,
                redirectURIs: [OAuthRedirectURI(matching: .strict, url: Harness.redirect)], scopes: ["openid", "email"],
                subjectMode: mode, application: OAuthApplication(slug: name, name: name, launchURL: nil, groups: [])))
        }
        func sub(_ client: String, _ user: String) throws -> JSONValue? {
            let code = try XCTUnwrap(Harness.locationParameters(h.authorize(client: client, scope: "openid email", user: user))["code"])
            let (_, body) = h.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Harness.redirect),
                                     ("code_verifier", Harness.verifier)], headers: h.basic(client))
            return Harness.payload(try XCTUnwrap(body["id_token"]?.stringValue, "\(body)"))["sub"]
        }
        let first = h.users.add("rex", email: "rex@example.co.th")
        XCTAssertEqual(try sub("mail-sub", "rex"), .string("rex@example.co.th"))
        XCTAssertEqual(try sub("name-sub", "rex"), .string("rex"))
        // rex leaves (deleted: address and username freed); someone else arrives with both.
        h.users.users.withLock { list in
            if let i = list.firstIndex(where: { $0.id == first.id }) {
                list[i].username = "rex~deleted~" + first.id.rawValue
                list[i].email = nil
            }
        }
        let second = h.users.add("rex", email: "rex@example.co.th")
        XCTAssertEqual(try sub("mail-sub", "rex"), .string(second.id.rawValue), "the address's subject stays the first account's")
        XCTAssertEqual(try sub("name-sub", "rex"), .string(second.id.rawValue))
    }
}
