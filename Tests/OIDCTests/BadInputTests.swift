import HTTP
import Identity
import XCTest
@testable import OIDC

/// Garbage at every OIDC endpoint gets an OAuth error, a 4xx page or a redirect with an
/// error — never a 500 and never a crash. Deterministic (seeded), so a failure reproduces.
final class BadInputTests: XCTestCase {
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let names = ["grant_type", "code", "redirect_uri", "client_id", "client_secret", "code_verifier", "refresh_token",
                        "scope", "token", "token_type_hint", "response_type", "state", "nonce", "code_challenge",
                        "code_challenge_method", "prompt", "max_age", "response_mode", "id_token_hint",
                        "post_logout_redirect_uri", "client_assertion", "client_assertion_type", "login_hint", "access_token"]
    static let values = ["", " ", "authorization_code", "refresh_token", "client_credentials", "password", "code", "token",
                         "openid", "openid email profile offline_access erp", "S256", "plain", "none", "login", "-1",
                         "99999999999999999999", "ar-aging", "spa", Harness.redirect, Harness.secret, "%00", "%FF%FE",
                         "a.b.c", "eyJhbGciOiJub25lIn0.e30.", String(repeating: "x", count: 5000), "\u{202E}", "ช้าง"]

    func randomPairs(_ rng: inout SeededGenerator) -> [(String, String)] {
        (0..<Int.random(in: 0...8, using: &rng)).map { _ in
            (Self.names.randomElement(using: &rng)!, Self.values.randomElement(using: &rng)!)
        }
    }

    func testRandomParametersNeverCauseA500() throws {
        let h = try Harness()
        var rng = SeededGenerator(state: 20261123)
        let endpoints: [(HTTPMethod, String)] = [
            (.get, "/application/o/authorize/"), (.post, "/application/o/authorize/"), (.post, "/application/o/token/"),
            (.get, "/application/o/userinfo/"), (.post, "/application/o/userinfo/"), (.post, "/application/o/introspect/"),
            (.post, "/application/o/revoke/"), (.get, "/application/o/ar-aging/end-session/"),
            (.post, "/application/o/ar-aging/token/"), (.get, "/application/o/ar-aging/.well-known/openid-configuration"),
        ]
        for round in 0..<1500 {
            let (method, path) = endpoints.randomElement(using: &rng)!
            let pairs = randomPairs(&rng)
            var headers = HTTPHeaders()
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: headers = h.basic()
            case 1: headers.add("Authorization", "Basic " + (Self.values.randomElement(using: &rng)!))
            case 2: headers.add("Authorization", "Bearer " + (Self.values.randomElement(using: &rng)!))
            default: break
            }
            let user: String? = Bool.random(using: &rng) ? "somchai" : nil
            let response: HTTPResponse
            if method == .get {
                response = h.send(.get, path + "?" + Harness.query(pairs), headers: headers, user: user)
            } else if Bool.random(using: &rng) {
                response = h.send(.post, path, headers: headers, form: pairs, user: user)
            } else {
                var raw = headers
                raw.add("Content-Type", ["application/json", "text/plain", "application/x-www-form-urlencoded; charset=x"].randomElement(using: &rng)!)
                response = h.send(.post, path, headers: raw, user: user)
            }
            XCTAssertLessThan(response.status.code, 500, "round \(round): \(method) \(path) \(pairs)")
        }
    }
}
