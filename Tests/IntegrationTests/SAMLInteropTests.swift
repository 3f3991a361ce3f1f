import Crypto
import Foundation
import GatehouseTesting
import Postgres
import Store
import XCTest

/// The SAML identity provider driven end to end by two independent service providers against
/// the real binary, PostgreSQL and Redis (Tests/Interop/saml_sp.py): pysaml2 with Debian's
/// xmlsec1, and OneLogin's python3-saml in strict mode. SP-initiated over Redirect and POST,
/// IdP-initiated with the default RelayState, response / assertion / both signed, RSA-SHA512
/// and ECDSA-SHA256, an encrypted assertion, signed AuthnRequests, a provider configured from
/// the SP's own metadata, a replayed request, SLO, and an access-denied user. Every document
/// Gatehouse emitted is then validated against the official SAML 2.0 schemas (saml_xsd.py).
final class SAMLInteropTests: XCTestCase {
    var scratch: LoginScratchDatabase!
    var child: GatehouseChild!
    var pool: PGPool!
    var work: URL!
    let password = "correct horse battery staple ช้าง"

    /// One provider per option set; `!Env` carries the SP's certificate and metadata.
    static let blueprint = """
    version: 1
    metadata: {name: saml-interop}
    entries:
      - model: group
        identifiers: {name: hr}
      - model: saml-provider
        identifiers: {name: p2-both}
        attrs:
          acs_url: https://p2-both.example.com/acs
          audience: https://p2-both.example.com/sp
          slo_url: https://p2-both.example.com/slo
          sp_binding: redirect
          sign_response: true
          sign_assertion: true
          verification_certificate: !Env SP_CERT
          name_id_format: urn:oasis:names:tc:SAML:2.0:nameid-format:persistent
          default_relay_state: https://p2-both.example.com/mingle/
          attribute_mappings:
            - {name: "http://schemas.infor.com/claims/Identity2", expression: 'user.username'}
            - {name: email, expression: 'user.email'}
            - {name: groups, expression: 'user.groups'}
      - model: saml-provider
        identifiers: {name: p2-assertion}
        attrs:
          acs_urls: [https://p2-assertion.example.com/acs, https://p2-assertion.example.com/other]
          audience: https://p2-assertion.example.com/sp
          sign_response: false
          sign_assertion: true
          name_id_format: urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress
          attribute_mappings: &attributes
            - {name: "http://schemas.infor.com/claims/Identity2", expression: 'user.username'}
            - {name: email, expression: 'user.email'}
            - {name: groups, expression: 'user.groups'}
      - model: saml-provider
        identifiers: {name: p2-response}
        attrs:
          acs_url: https://p2-response.example.com/acs
          audience: https://p2-response.example.com/sp
          sign_response: true
          sign_assertion: false
          name_id_format: urn:oasis:names:tc:SAML:2.0:nameid-format:transient
          attribute_mappings: *attributes
      - model: saml-provider
        identifiers: {name: p2-enc}
        attrs:
          acs_url: https://p2-enc.example.com/acs
          audience: https://p2-enc.example.com/sp
          signature_algorithm: rsa-sha512
          encryption_certificate: !Env SP_CERT
          attribute_mappings: *attributes
      - model: saml-provider
        identifiers: {name: p2-ec}
        attrs:
          acs_url: https://p2-ec.example.com/acs
          audience: https://p2-ec.example.com/sp
          signature_algorithm: ecdsa-sha256
          name_id: 'user.attributes.m3_user_id'
          attribute_mappings: *attributes
      - model: saml-provider
        identifiers: {name: p2-meta}
        attrs:
          sp_metadata: !Env SP_METADATA
          sp_binding: redirect
          attribute_mappings: *attributes
      - model: saml-provider
        identifiers: {name: ol-both}
        attrs:
          acs_url: https://ol-both.example.com/acs
          audience: https://ol-both.example.com/sp
          slo_url: https://ol-both.example.com/slo
          sp_binding: redirect
          verification_certificate: !Env SP_CERT
          name_id: 'user.attributes.m3_user_id'
          default_relay_state: https://ol-both.example.com/start
          session_valid_not_on_or_after: hours=8
          attribute_mappings: *attributes
      - model: saml-provider
        identifiers: {name: ol-enc}
        attrs:
          acs_url: https://ol-enc.example.com/acs
          audience: https://ol-enc.example.com/sp
          encryption_certificate: !Env SP_CERT
          attribute_mappings: *attributes
      - model: saml-provider
        identifiers: {name: denied}
        attrs:
          acs_url: https://denied.example.com/acs
          audience: https://denied.example.com/sp
      - {model: application, identifiers: {slug: p2-both}, attrs: {name: P2 both, provider: p2-both, groups: [finance]}}
      - {model: application, identifiers: {slug: p2-assertion}, attrs: {name: P2 assertion, provider: p2-assertion}}
      - {model: application, identifiers: {slug: p2-response}, attrs: {name: P2 response, provider: p2-response}}
      - {model: application, identifiers: {slug: p2-enc}, attrs: {name: P2 enc, provider: p2-enc}}
      - {model: application, identifiers: {slug: p2-ec}, attrs: {name: P2 EC, provider: p2-ec}}
      - {model: application, identifiers: {slug: p2-meta}, attrs: {name: P2 metadata, provider: p2-meta}}
      - {model: application, identifiers: {slug: ol-both}, attrs: {name: OneLogin both, provider: ol-both}}
      - {model: application, identifiers: {slug: ol-enc}, attrs: {name: OneLogin enc, provider: ol-enc}}
      - {model: application, identifiers: {slug: denied}, attrs: {name: HR only, provider: denied, groups: [hr]}}
    """

    override func setUpWithError() throws {
        let env = try IntegrationEnvironment.live()
        let script = try InteropScript.locate()
        scratch = try LoginScratchDatabase(adminURL: env.databaseURL)
        let connection = try PGConnection(url: scratch.url, connectTimeout: 5)
        _ = try Migrator().migrate(on: connection) { _ in }
        connection.close()
        pool = PGPool(url: scratch.url)
        let users = PostgresUserStore(pool: pool), groups = PostgresGroupStore(pool: pool)
        let finance = try groups.createGroup(NewGroup(name: "finance"))
        let somchai = try users.createUser(NewUser(
            username: "somchai", email: "somchai@example.co.th", name: "Somchai Prasert",
            attributes: JSONText(#"{"m3_user_id":"SOMCHAI01"}"#), passwordHash: try PasswordHasher().hash(password)))
        try groups.addMember(somchai.id, to: finance.id)

        work = FileManager.default.temporaryDirectory.appendingPathComponent("gh-saml-" + UUID().uuidString)
        let blueprints = work.appendingPathComponent("blueprints")
        try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
        let prepared = try script.run("saml_sp.py", ["prepare", work.appendingPathComponent("sp").path])
        guard prepared.status == 0, let sp = prepared.json, let cert = sp["cert_pem"] as? String,
              let metadata = sp["metadata"] as? String else {
            throw TestPrecondition("saml_sp.py prepare failed: \(prepared.stderr)")
        }
        try Self.blueprint.write(to: blueprints.appendingPathComponent("10-saml.yaml"), atomically: true, encoding: .utf8)
        child = try GatehouseChild.serve(env, overrides: [
            "GATEHOUSE_DATABASE_URL": scratch.url, "GATEHOUSE_BLUEPRINTS_DIR": blueprints.path,
            "SP_CERT": cert, "SP_METADATA": metadata,
        ])
        try child.waitUntilLive()
    }

    override func tearDown() {
        child?.stop()
        pool?.close()
        scratch?.drop()
        if let work { try? FileManager.default.removeItem(at: work) }
    }

    func testPysaml2AndPython3SamlServiceProvidersEndToEnd() throws {
        let script = try InteropScript.locate()
        let base = "http://127.0.0.1:\(child.port)"
        func sp(_ slug: String, _ options: [String: Any]) -> [String: Any] {
            var entry: [String: Any] = [
                "slug": slug, "entity_id": "https://\(slug).example.com/sp", "acs": "https://\(slug).example.com/acs",
                "slo": "https://\(slug).example.com/slo", "sign_response": true, "sign_assertion": true, "sign_requests": false,
                "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
            ]
            for (key, value) in options { entry[key] = value }
            return entry
        }
        let persistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
        let config: [String: Any] = [
            "base": base, "out": work.path, "username": "somchai", "password": password, "email": "somchai@example.co.th",
            "group": "finance",
            "sp_key": work.appendingPathComponent("sp/sp.key").path, "sp_cert": work.appendingPathComponent("sp/sp.crt").path,
            "pysaml2": [
                sp("p2-both", ["sign_requests": true, "post_binding": true, "idp_initiated": true, "test_slo": true,
                               "name_id_format": persistent, "default_relay_state": "https://p2-both.example.com/mingle/"]),
                sp("p2-assertion", ["sign_response": false, "expect_name_id": "somchai@example.co.th",
                                    "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"]),
                sp("p2-response", ["sign_assertion": false, "post_binding": true,
                                   "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"]),
                sp("p2-enc", ["encrypted": true, "post_binding": true]),
                sp("p2-ec", ["expect_name_id": "SOMCHAI01"]),
                [
                    "slug": "p2-meta", "entity_id": "https://meta.example.com/sp", "acs": "https://meta.example.com/acs",
                    "slo": "https://meta.example.com/slo", "sign_response": true, "sign_assertion": true, "sign_requests": true,
                    "name_id_format": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "expect_name_id": "somchai",
                    "test_slo": true,
                ] as [String: Any],
            ],
            "onelogin": [
                sp("ol-both", ["sign_requests": true, "idp_initiated": true, "test_slo": true, "expect_name_id": "SOMCHAI01",
                               "default_relay_state": "https://ol-both.example.com/start"]),
                sp("ol-enc", ["encrypted": true]),
            ],
            "denied": ["slug": "denied", "acs": "https://denied.example.com/acs", "username": "somchai"],
        ]
        let file = work.appendingPathComponent("sp.json")
        try JSONSerialization.data(withJSONObject: config).write(to: file)
        let result = try script.run("saml_sp.py", ["run", file.path], timeout: 300)
        XCTAssertEqual(result.status, 0, "stdout:\n\(result.stdout.suffix(4000))\nstderr:\n\(result.stderr.suffix(4000))\nserver:\n\(child.stderr.suffix(4000))")
        let passed = result.json?["passed"] as? [String] ?? []
        for name in [
            "pysaml2.p2-both.redirect.validated", "pysaml2.p2-both.post.validated", "pysaml2.p2-both.init.validated",
            "pysaml2.p2-both.replay_refused", "pysaml2.p2-both.slo.validated", "pysaml2.p2-both.slo.session_ended",
            "pysaml2.p2-assertion.redirect.name_id", "pysaml2.p2-response.post.validated", "pysaml2.p2-enc.redirect.was_encrypted",
            "pysaml2.p2-enc.post.validated", "pysaml2.p2-ec.redirect.name_id", "pysaml2.p2-meta.redirect.validated",
            "pysaml2.p2-meta.slo.validated", "onelogin.ol-both.redirect.validated", "onelogin.ol-both.init.validated",
            "onelogin.ol-both.slo.validated", "onelogin.ol-both.slo.session_ended", "onelogin.ol-enc.redirect.was_encrypted",
            "onelogin.ol-enc.redirect.identity2", "denied.page_403", "denied.request_denied_status",
        ] {
            XCTAssertTrue(passed.contains(name), "\(name) not reported as passed: \(passed)")
        }

        // Everything Gatehouse emitted (metadata, Responses, LogoutResponses) against the XSDs.
        let emitted = result.json?["emitted"] as? [String] ?? []
        XCTAssertGreaterThan(emitted.count, 15)
        let xsd = try script.run("saml_xsd.py", emitted)
        XCTAssertEqual(xsd.status, 0, "stdout:\n\(xsd.stdout)\nstderr:\n\(xsd.stderr)")
        XCTAssertEqual((xsd.json?["validated"] as? [String])?.count, emitted.count)
    }
}
