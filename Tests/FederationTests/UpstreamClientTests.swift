import Crypto
import Federation
import Foundation
import Store
import XCTest

/// The upstream OIDC client against an in-memory Entra ID: authorize URL, code exchange,
/// ID token checks (each failure its own error), JWKS rotation, Graph profile and groups.
final class UpstreamClientTests: XCTestCase {
    let tenant = "11111111-2222-3333-4444-555555555555"
    let now: Int64 = 1_800_000_000
    var entra: FakeEntra!

    override func setUpWithError() throws { entra = try FakeEntra() }

    func config(tenant: String = "common", allowed: [String]? = nil, groupSync: Bool = true) -> OAuthSourceConfig {
        OAuthSourceConfig(slug: "entra", name: "Contoso", providerType: .entraID, clientID: "app-123", clientSecret: "s3cret",
                          tenant: tenant, allowedTenants: allowed ?? [self.tenant], authority: FakeEntra.authority,
                          graphURL: FakeEntra.graph, groupSync: groupSync)
    }

    func client(_ config: OAuthSourceConfig? = nil, clock: @escaping @Sendable () -> Int64 = { 1_800_000_000 }) -> UpstreamClient {
        UpstreamClient(config: config ?? self.config(), transport: entra, clock: clock)
    }

    func claims(nonce: String, tid: String? = nil, exp: Int64? = nil, aud: String = "app-123",
                iss: String? = nil) -> [String: Any] {
        let tid = tid ?? tenant
        return ["iss": iss ?? "\(FakeEntra.authority)/\(tid)/v2.0", "aud": aud, "sub": "pairwise-sub", "oid": "oid-42",
                "tid": tid, "nonce": nonce, "iat": now - 10, "nbf": now - 10, "exp": exp ?? now + 3600,
                "preferred_username": "somchai@contoso.test", "name": "Somchai P", "amr": ["pwd", "mfa"]]
    }

    func testAuthorizeURLCarriesStateNoncePKCE() throws {
        let (url, pending) = try client().begin(redirectURI: "https://gh.test/source/oauth/callback/entra/")
        XCTAssertTrue(url.hasPrefix(FakeEntra.authority + "/common/oauth2/v2.0/authorize?"))
        let query = Dictionary(uniqueKeysWithValues: url.split(separator: "?")[1].split(separator: "&").map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts[1].removingPercentEncoding ?? "")
        })
        XCTAssertEqual(query["state"], pending.state)
        XCTAssertEqual(query["nonce"], pending.nonce)
        XCTAssertEqual(query["code_challenge_method"], "S256")
        XCTAssertEqual(query["code_challenge"], Base64URL.encode(Digest.sha256(pending.codeVerifier)))
        XCTAssertEqual(query["redirect_uri"], "https://gh.test/source/oauth/callback/entra/")
        XCTAssertEqual(query["response_type"], "code")
        XCTAssertTrue(query["scope"]?.contains("GroupMember.Read.All") == true)
        XCTAssertNotEqual(pending.state, pending.nonce)
        XCTAssertTrue(pending.accepts(state: pending.state, now: now - 100_000_000))
        XCTAssertFalse(pending.accepts(state: pending.state + "x", now: 0))
    }

    func testEntraSignInWithGraphProfileAndPagedGroups() throws {
        let pending = PendingUpstreamLogin.start(source: "entra", now: now)
        entra.nextIDToken = try entra.sign(claims(nonce: pending.nonce))
        entra.me = ["id": "oid-42", "userPrincipalName": "somchai@contoso.test", "mail": NSNull(),
                    "otherMails": ["somchai.p@contoso.test"], "displayName": "Somchai Prasert"]
        entra.memberOfPages = [
            [["@odata.type": "#microsoft.graph.group", "id": "g-1", "displayName": "Finance"],
             ["@odata.type": "#microsoft.graph.directoryRole", "id": "r-1", "displayName": "Global Reader"]],
            [["@odata.type": "#microsoft.graph.group", "id": "g-2", "displayName": "AR Clerks"]],
        ]
        let identity = try client().complete(code: "the-code", pending: pending, redirectURI: "https://gh.test/cb")
        XCTAssertEqual(identity.identifier, "oid-42")
        XCTAssertEqual(identity.username, "somchai@contoso.test")
        XCTAssertEqual(identity.email, "somchai.p@contoso.test")
        XCTAssertFalse(identity.emailVerified, "otherMails are user-set: never used to link accounts")
        XCTAssertEqual(identity.name, "Somchai Prasert")
        XCTAssertEqual(identity.groups, [UpstreamGroup(id: "g-1", name: "Finance"), UpstreamGroup(id: "g-2", name: "AR Clerks")])
        XCTAssertEqual(identity.amr, ["pwd", "mfa"])
        XCTAssertEqual(entra.lastForm["code_verifier"], pending.codeVerifier)
        XCTAssertEqual(entra.lastForm["code"], "the-code")
        XCTAssertEqual(entra.requests.filter { $0.contains("memberOf") }.count, 2)
    }

    func testGroupsOverageUsesGraphAndTokenGroupsWithoutConsent() throws {
        let pending = PendingUpstreamLogin.start(source: "entra", now: now)
        var overage = claims(nonce: pending.nonce)
        overage["_claim_names"] = ["groups": "src1"]
        overage["_claim_sources"] = ["src1": ["endpoint": FakeEntra.graph + "/v1.0/users/oid-42/getMemberObjects"]]
        entra.nextIDToken = try entra.sign(overage)
        entra.memberOfPages = [[["@odata.type": "#microsoft.graph.group", "id": "g-9", "displayName": "Everyone"]]]
        XCTAssertEqual(try client().complete(code: "c", pending: pending, redirectURI: "r").groups?.map(\.id), ["g-9"])

        // Overage and no Graph consent: groups unknown (memberships left alone), not an empty list.
        entra.graphStatus = 403
        XCTAssertNil(try client().complete(code: "c", pending: pending, redirectURI: "r").groups)

        // No overage, no consent: the token's own list.
        var plain = claims(nonce: pending.nonce)
        plain["groups"] = ["g-1", "g-2"]
        entra.nextIDToken = try entra.sign(plain)
        XCTAssertEqual(try client().complete(code: "c", pending: pending, redirectURI: "r").groups?.map(\.id), ["g-1", "g-2"])
    }

    func testKeyRotationRefetchesJWKSOnce() throws {
        let upstream = client()
        let pending = PendingUpstreamLogin.start(source: "entra", now: now)
        entra.nextIDToken = try entra.sign(claims(nonce: pending.nonce))
        _ = try upstream.complete(code: "c", pending: pending, redirectURI: "r")
        XCTAssertEqual(entra.jwksFetches, 1)
        // Rotate: a new key signs; the cached set does not know its kid.
        let rotated = try SigningKey.generate(.es256)
        entra.keys = [rotated, entra.keys[0]]
        entra.nextIDToken = try entra.sign(claims(nonce: pending.nonce), key: rotated)
        _ = try upstream.complete(code: "c", pending: pending, redirectURI: "r")
        XCTAssertEqual(entra.jwksFetches, 2)
        // A token signed by a key the upstream never published: refused, one re-read at most.
        let stranger = try SigningKey.generate(.rs256)
        entra.nextIDToken = try entra.sign(claims(nonce: pending.nonce), key: stranger)
        XCTAssertThrowsError(try upstream.complete(code: "c", pending: pending, redirectURI: "r")) {
            XCTAssertEqual($0 as? FederationError, .badSignature)
        }
        XCTAssertThrowsError(try upstream.complete(code: "c", pending: pending, redirectURI: "r"))
        XCTAssertEqual(entra.jwksFetches, 3)
    }

    func testEachTokenFailureIsItsOwnError() throws {
        let pending = PendingUpstreamLogin.start(source: "entra", now: now)
        func failure(_ claims: [String: Any], key: SigningKey? = nil, config: OAuthSourceConfig? = nil,
                     tamper: Bool = false) throws -> FederationError? {
            var token = try entra.sign(claims, key: key)
            if tamper {
                // Same header and signature, another payload.
                var parts = token.split(separator: ".").map(String.init)
                var changed = claims
                changed["oid"] = "someone-else"
                parts[1] = Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: changed)))
                token = parts.joined(separator: ".")
            }
            entra.nextIDToken = token
            do {
                _ = try client(config).complete(code: "c", pending: pending, redirectURI: "r")
                return nil
            } catch {
                return error
            }
        }
        XCTAssertEqual(try failure(claims(nonce: pending.nonce, tid: "99999999-0000-0000-0000-000000000000")),
                       .wrongTenant("99999999-0000-0000-0000-000000000000"))
        XCTAssertEqual(try failure(claims(nonce: pending.nonce), tamper: true), .badSignature)
        XCTAssertEqual(try failure(claims(nonce: pending.nonce, exp: now - 600)), .expiredToken)
        XCTAssertEqual(try failure(claims(nonce: "another-nonce")), .nonceMismatch)
        XCTAssertEqual(try failure(claims(nonce: pending.nonce, aud: "other-app")), .invalidToken("the token is for another audience"))
        XCTAssertEqual(try failure(claims(nonce: pending.nonce, iss: "https://evil.test/\(tenant)/v2.0")),
                       .invalidToken("unexpected issuer"))
        // Single tenant: the token's tid must be that tenant, the issuer has no template then.
        XCTAssertEqual(try failure(claims(nonce: pending.nonce, tid: "99999999-0000-0000-0000-000000000000"),
                                   config: config(tenant: tenant, allowed: [])),
                       .wrongTenant("99999999-0000-0000-0000-000000000000"))
        // No tenant at all when the multi-tenant list is empty: never "the whole world" by default.
        XCTAssertEqual(try failure(claims(nonce: pending.nonce, tid: "99999999-0000-0000-0000-000000000000"),
                                   config: config(allowed: [])),
                       .wrongTenant("99999999-0000-0000-0000-000000000000"))
    }

    func testUpstreamDocumentsAreReadStrictly() throws {
        let pending = PendingUpstreamLogin.start(source: "entra", now: now)
        // A duplicated claim in the signed payload: refused (JSONSerialization let one win, and
        // the attribute mapping read the payload again with another reader).
        let payload = try JSONSerialization.data(withJSONObject: claims(nonce: pending.nonce), options: .sortedKeys)
        let duplicated = #"{"oid":"someone-else","# + String(decoding: payload.dropFirst(), as: UTF8.self)
        entra.nextIDToken = try JWS.sign(payloadJSON: Array(duplicated.utf8), key: entra.keys[0], type: "JWT")
        XCTAssertThrowsError(try client().complete(code: "c", pending: pending, redirectURI: "r")) {
            XCTAssertEqual($0 as? FederationError, .invalidToken(#"the payload is not valid JSON (duplicate member "oid")"#))
        }
        // A NumericDate may carry a fraction (RFC 7519 §2).
        var fractional = claims(nonce: pending.nonce)
        fractional["exp"] = Double(now + 3600) + 0.5
        entra.nextIDToken = try entra.sign(fractional)
        XCTAssertEqual(try client().complete(code: "c", pending: pending, redirectURI: "r").identifier, "oid-42")

        // Discovery: a byte-order mark is ignored; a duplicate member is refused.
        let discovery = #"{"issuer":"https://op.test","authorization_endpoint":"https://op.test/a","token_endpoint":"https://op.test/t","jwks_uri":"https://op.test/k"}"#
        XCTAssertEqual(try UpstreamMetadata.parse([0xEF, 0xBB, 0xBF] + Array(discovery.utf8)).issuer, "https://op.test")
        XCTAssertThrowsError(try UpstreamMetadata.parse(Array(discovery.replacingOccurrences(of: "{", with: #"{"issuer":"https://evil.test","#).utf8))) {
            XCTAssertEqual($0 as? FederationError, .upstreamUnreachable(#"the discovery document is not valid JSON (duplicate member "issuer")"#))
        }
    }

    func testGoogleNeedsVerifiedEmailInTheHostedDomain() throws {
        let google = FakeGoogle(entra: entra)
        var config = OAuthSourceConfig(slug: "google", name: "Google", providerType: .google, clientID: "g-app",
                                       clientSecret: "x", issuer: "https://accounts.example.test", hostedDomain: "contoso.test")
        config.matchingMode = .emailLink
        let upstream = UpstreamClient(config: config, transport: google, clock: { 1_800_000_000 })
        let pending = PendingUpstreamLogin.start(source: "google", now: now)
        func answer(_ extra: [String: Any]) throws -> Result<UpstreamIdentity, FederationError> {
            var c: [String: Any] = ["iss": "https://accounts.example.test", "aud": "g-app", "sub": "1234", "nonce": pending.nonce,
                                    "exp": now + 600, "email": "a@contoso.test"]
            for (k, v) in extra { c[k] = v }
            entra.nextIDToken = try entra.sign(c)
            do { return .success(try upstream.complete(code: "c", pending: pending, redirectURI: "r")) } catch { return .failure(error) }
        }
        if case .failure(let e) = try answer(["email_verified": false, "hd": "contoso.test"]) { XCTAssertEqual(e, .unverifiedEmail) } else { XCTFail() }
        if case .failure(let e) = try answer(["email_verified": true, "hd": "gmail.com"]) { XCTAssertEqual(e, .wrongDomain("gmail.com")) } else { XCTFail() }
        guard case .success(let identity) = try answer(["email_verified": true, "hd": "contoso.test"]) else { return XCTFail() }
        XCTAssertEqual(identity.identifier, "1234")
        XCTAssertEqual(identity.email, "a@contoso.test")
        XCTAssertTrue(identity.emailVerified)
    }
}

/// Google's discovery shape in front of the same key and token endpoint.
final class FakeGoogle: UpstreamTransport, @unchecked Sendable {
    let entra: FakeEntra
    init(entra: FakeEntra) { self.entra = entra }
    func get(_ url: String, bearer: String?) throws(FederationError) -> UpstreamResponse {
        if url == "https://accounts.example.test/.well-known/openid-configuration" {
            return entra.json(["issuer": "https://accounts.example.test", "authorization_endpoint": "https://accounts.example.test/auth",
                               "token_endpoint": "https://accounts.example.test/token",
                               "jwks_uri": FakeEntra.authority + "/common/discovery/v2.0/keys"])
        }
        return try entra.get(url, bearer: bearer)
    }
    func postForm(_ url: String, _ form: [(String, String)]) throws(FederationError) -> UpstreamResponse {
        try entra.postForm(url, form)
    }
}

/// Machine-to-machine: app-only upstream tokens as client assertions.
final class ClientAssertionTests: XCTestCase {
    func testAssertionAudienceKeyAndLifetime() throws {
        let entra = try FakeEntra()
        let tenant = "11111111-2222-3333-4444-555555555555"
        let config = OAuthSourceConfig(slug: "entra", name: "E", providerType: .entraID, clientID: "app-123", clientSecret: "s",
                                       tenant: tenant, authority: FakeEntra.authority, graphURL: FakeEntra.graph)
        let client = UpstreamClient(config: config, transport: entra, clock: { 1_800_000_000 })
        func claims(aud: String = "api://app-123", exp: Int64 = 1_800_000_600) -> [String: Any] {
            ["iss": "\(FakeEntra.authority)/\(tenant)/v2.0", "aud": aud, "sub": "svc", "oid": "svc", "tid": tenant,
             "iat": 1_800_000_000 - 5, "exp": exp, "azp": "caller-app"]
        }
        XCTAssertEqual(try client.verifyAssertion(try entra.sign(claims())).subject, "svc")
        XCTAssertEqual(try client.verifyAssertion(try entra.sign(claims(aud: "app-123"))).subject, "svc")
        XCTAssertThrowsError(try client.verifyAssertion(try entra.sign(claims(), key: try SigningKey.generate(.rs256)))) {
            XCTAssertEqual($0 as? FederationError, .badSignature)
        }
        XCTAssertThrowsError(try client.verifyAssertion(try entra.sign(claims(exp: 1_800_000_000 - 600)))) {
            XCTAssertEqual($0 as? FederationError, .expiredToken)
        }
        XCTAssertThrowsError(try client.verifyAssertion(try entra.sign(claims(aud: "api://other")))) {
            XCTAssertEqual($0 as? FederationError, .invalidToken("the token is for another audience"))
        }
    }
}
