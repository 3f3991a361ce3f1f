import Foundation
import XCTest
@testable import App
import Blueprints
import Crypto
import Postgres
import SAML
import Store
import XMLSec

/// The SAML provider's PostgreSQL side on a scratch database: the `saml-provider` blueprint
/// model read back through `PostgresSAMLProviderDirectory`, the request ledger shared by nodes,
/// and the signing keys' certificates across a rotation.
final class SAMLPostgresTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    let hasher = PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, parallelism: 1))
    var sealer: SecretSealer!
    static let sp = {
        let key = try! SigningKey.generate(.rs256)
        return try! X509Certificate.selfSigned(commonName: "sp", key: key, notBefore: 1_767_225_600, notAfter: 1_767_225_600 + 86_400 * 3650)
    }()

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        sealer = try SecretSealer(currentMasterKey: [UInt8](repeating: 7, count: 32))
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    func apply(_ yaml: String, environment: [String: String] = [:]) throws {
        _ = try BlueprintApplier(store: PostgresBlueprintStore(pool: pool), environment: environment, hasher: hasher, sealer: sealer).apply([("saml.yaml", yaml)])
    }

    func failure(_ yaml: String, environment: [String: String] = [:], line: UInt = #line) -> String {
        do {
            try apply(yaml, environment: environment)
            XCTFail("applied a bad blueprint", line: line)
            return ""
        } catch {
            return ((error as? BlueprintApplyFailure)?.lines ?? ["\(error)"]).joined(separator: "\n")
        }
    }

    /// The example of issue 13, with the SP's certificates and metadata from the environment.
    static let example = """
        version: 1
        metadata: {name: m3}
        entries:
          - model: group
            identifiers: {name: finance}
          - model: saml-provider
            identifiers: {name: m3}
            attrs:
              acs_url: https://m3.example.co.th/sp/acs          # or several: acs_urls: [...]
              audience: https://m3.example.co.th/sp              # the SP's entity id
              sp_binding: post                                   # post | redirect
              sign_response: true                                # sign the Response, the Assertion, or both
              sign_assertion: true
              signature_algorithm: rsa-sha256                    # rsa-sha256 | rsa-sha512 | ecdsa-sha256
              name_id_format: urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified
              name_id: 'user.attributes.m3_user_id'              # CEL; default per format
              attribute_mappings:                                # CEL; any Name and NameFormat
                - {name: "http://schemas.infor.com/claims/Identity2", expression: 'user.username'}
                - {name: email, expression: 'user.email'}
                - {name: groups, expression: 'user.groups'}
              encryption_certificate: !Env M3_SP_CERT            # optional: encrypt the assertion
              verification_certificate: !Env M3_SP_SIGNING_CERT  # optional: AuthnRequests must be signed
              default_relay_state: https://m3.example.co.th/mingle/
              session_valid_not_on_or_after: hours=8
          - model: application
            identifiers: {slug: m3}
            attrs: {name: Infor M3, provider: m3, groups: [finance]}
        """

    var environment: [String: String] { ["M3_SP_CERT": Self.sp.pem, "M3_SP_SIGNING_CERT": Self.sp.pem] }

    func testTheIssueExampleAppliesAndReadsBack() throws {
        try apply(Self.example, environment: environment)
        let directory = PostgresSAMLProviderDirectory(pool: pool)
        let sp = try XCTUnwrap(try directory.serviceProvider(applicationSlug: "m3"))
        XCTAssertEqual(sp.providerName, "m3")
        XCTAssertEqual(sp.application?.groups, ["finance"])
        XCTAssertEqual(sp.acsURLs, ["https://m3.example.co.th/sp/acs"])
        XCTAssertEqual(sp.audience, "https://m3.example.co.th/sp")
        XCTAssertEqual(sp.nameIDExpression, "user.attributes.m3_user_id")
        XCTAssertEqual(sp.attributeMappings.map(\.name), ["http://schemas.infor.com/claims/Identity2", "email", "groups"])
        XCTAssertEqual(sp.encryptionCertificatePEM.map { try? X509Certificate(pem: $0) }, Self.sp)
        XCTAssertEqual(sp.sessionValidSeconds, 8 * 3600)
        XCTAssertEqual(sp.defaultRelayState, "https://m3.example.co.th/mingle/")
        XCTAssertEqual(sp.sloBinding, .post, "slo_binding falls back to sp_binding")
        // Applying again changes nothing; a change is seen after the cache is dropped.
        try apply(Self.example, environment: environment)
        try apply(Self.example.replacingOccurrences(of: "acs_url: https://m3.example.co.th/sp/acs ",
                                                    with: "acs_urls: [https://m3.example.co.th/sp/acs, https://m3.example.co.th/sp/acs2] "),
                  environment: environment)
        XCTAssertEqual(try directory.serviceProvider(applicationSlug: "m3")?.acsURLs.count, 1, "served from memory")
        directory.invalidate()
        XCTAssertEqual(try directory.serviceProvider(applicationSlug: "m3")?.acsURLs.count, 2)
    }

    func testSPMetadataFillsWhatTheEntryLeavesOut() throws {
        let metadata = """
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://meta.example.com/sp">
            <md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(Self.sp.base64DER)</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
            <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://meta.example.com/slo"/>
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://meta.example.com/acs" index="0"/>
            </md:SPSSODescriptor></md:EntityDescriptor>
            """
        try apply("""
            version: 1
            metadata: {name: t}
            entries:
              - model: saml-provider
                identifiers: {name: meta}
                attrs: {sp_metadata: !Env SP_METADATA, acs_url: "https://meta.example.com/explicit"}
              - model: application
                identifiers: {slug: meta}
                attrs: {name: Meta, provider: meta}
            """, environment: ["SP_METADATA": metadata])
        let sp = try XCTUnwrap(try PostgresSAMLProviderDirectory(pool: pool).serviceProvider(applicationSlug: "meta"))
        XCTAssertEqual(sp.audience, "https://meta.example.com/sp")
        XCTAssertEqual(sp.acsURLs, ["https://meta.example.com/explicit"], "what the entry names wins")
        XCTAssertEqual(sp.sloURL, "https://meta.example.com/slo")
        XCTAssertEqual(sp.sloBinding, .redirect)
        XCTAssertNotNil(sp.verificationCertificatePEM, "AuthnRequestsSigned: requests must be signed by the metadata's key")
    }

    func testBadProvidersNameTheirFieldAndWriteNothing() throws {
        // Parser errors name the file, line, entry and field.
        var message = failure("""
            version: 1
            metadata: {name: t}
            entries:
              - model: saml-provider
                identifiers: {name: x}
                attrs: {acs_url: https://a.example.com/acs, acs_urls: [https://b.example.com/acs], signature_algorithm: rsa-sha1}
            """)
        XCTAssertTrue(message.contains("saml.yaml:6: entries[0] (saml-provider name=x): attrs.signature_algorithm"), message)
        XCTAssertTrue(message.contains("attrs.acs_urls: give acs_url or acs_urls, not both"), message)
        XCTAssertTrue(message.contains("attrs.audience"), message)
        message = failure("""
            version: 1
            metadata: {name: t}
            entries:
              - model: saml-provider
                identifiers: {name: x}
                attrs: {acs_url: https://a.example.com/acs, audience: a, encryption_certificate: "not a certificate"}
            """)
        XCTAssertTrue(message.contains("attrs.encryption_certificate: must be a PEM certificate"), message)
        // Found only when writing: the metadata's content, a certificate that does not parse.
        message = failure("""
            version: 1
            metadata: {name: t}
            entries:
              - model: saml-provider
                identifiers: {name: x}
                attrs: {sp_metadata: "<md:EntityDescriptor xmlns:md='urn:oasis:names:tc:SAML:2.0:metadata' entityID='e'/>"}
            """)
        XCTAssertTrue(message.contains("saml-provider x: attrs.sp_metadata: sp_metadata has no single SPSSODescriptor"), message)
        // Provider names are unique across kinds.
        message = failure("""
            version: 1
            metadata: {name: t}
            entries:
              - model: oauth2-provider
                identifiers: {name: dup}
                attrs: {client_type: public, client_id: dup, redirect_uris: [{matching_mode: strict, url: "https://a.example.com/cb"}]}
              - model: saml-provider
                identifiers: {name: dup}
                attrs: {acs_url: https://a.example.com/acs, audience: a}
            """)
        XCTAssertTrue(message.contains("provider names are unique across kinds"), message)
        let count = try pool.withConnection { try $0.query("SELECT count(*) FROM providers").scalar }
        XCTAssertEqual(count, "0")
    }

    func testApplicationsNameAProviderOfAnyKind() throws {
        try apply("""
            version: 1
            metadata: {name: t}
            entries:
              - model: saml-provider
                identifiers: {name: s}
                attrs: {acs_url: https://a.example.com/acs, audience: a}
              - model: application
                identifiers: {slug: app}
                attrs: {name: App, provider: s}
            """)
        let message = failure("""
            version: 1
            metadata: {name: t}
            entries:
              - model: application
                identifiers: {slug: other}
                attrs: {name: Other, provider: missing}
            """)
        XCTAssertTrue(message.contains("oauth2-provider name=missing or saml-provider name=missing is neither in this file nor known"), message)
    }

    /// One replay ledger for every node: the first sight wins, everywhere.
    func testRequestLedgerRefusesReplaysAcrossNodes() throws {
        let nodeA = PostgresSAMLRequestLedger(pool: pool), nodeB = PostgresSAMLRequestLedger(pool: PGPool(url: scratch.url))
        let now = Timestamp.now()
        XCTAssertTrue(try nodeA.recordFirstUse(issuer: "sp", requestID: "_r1", expiresAt: now.adding(seconds: 300), at: now))
        XCTAssertFalse(try nodeB.recordFirstUse(issuer: "sp", requestID: "_r1", expiresAt: now.adding(seconds: 300), at: now))
        XCTAssertTrue(try nodeB.recordFirstUse(issuer: "other-sp", requestID: "_r1", expiresAt: now.adding(seconds: 300), at: now))
        // Once the record has expired the request itself has too; the ID is free again.
        let later = now.adding(seconds: 301)
        XCTAssertTrue(try nodeA.recordFirstUse(issuer: "sp", requestID: "_r1", expiresAt: later.adding(seconds: 300), at: later))
    }

    func testSessionParticipantsAreRecordedAndForgotten() throws {
        let store = PostgresSAMLSessionParticipants(pool: pool)
        let now = Timestamp.now()
        let participant = SAMLSessionParticipant(sessionID: "sid-1", providerName: "m3", nameID: "somchai",
                                                 nameIDFormat: SAMLNameIDFormat.unspecified.rawValue, sloURL: "https://m3/slo",
                                                 sloBinding: .redirect, signedInAt: now)
        try store.record(participant, expiresAt: now.adding(seconds: 3600))
        try store.record(participant, expiresAt: now.adding(seconds: 3600))
        XCTAssertEqual(try store.participants(sessionID: "sid-1").map(\.providerName), ["m3"])
        try store.forget(sessionID: "sid-1")
        XCTAssertEqual(try store.participants(sessionID: "sid-1"), [])
    }

    /// The certificate beside each key: made once (every node publishes the same), and after a
    /// rotation the previous one stays in metadata for the overlap.
    func testCertificatesBesideTheKeysAcrossARotation() throws {
        let ring = SigningKeyRing(store: PostgresSigningKeyStore(pool: pool), sealer: sealer)
        try ring.ensureKeys()
        let nodeA = SAMLKeyRing(ring: ring, store: PostgresSigningKeyCertificates(pool: pool))
        let nodeB = SAMLKeyRing(ring: ring, store: PostgresSigningKeyCertificates(pool: pool))
        let first = try nodeA.currentKey(for: .rsaSHA256)
        XCTAssertEqual(try nodeB.currentKey(for: .rsaSHA512).certificate, first.certificate)
        XCTAssertTrue(first.certificate.matches(try XCTUnwrap(ring.currentKey(.rs256))))
        guard case .rsa(let bits) = first.certificate.keyType else { return XCTFail("not RSA") }
        XCTAssertEqual(bits, 2048)
        let ec = try nodeA.currentKey(for: .ecdsaSHA256)
        XCTAssertEqual(ec.certificate.keyType, .ec(curve: "P-256"))
        XCTAssertEqual(try nodeA.publishedCertificates(for: .rsaSHA256), [first.certificate])

        try ring.rotate(.rs256)
        let second = try nodeA.currentKey(for: .rsaSHA256)
        XCTAssertNotEqual(second.certificate, first.certificate)
        XCTAssertEqual(try nodeA.publishedCertificates(for: .rsaSHA256), [second.certificate, first.certificate])
        XCTAssertEqual(try nodeA.publishedCertificates(for: .ecdsaSHA256), [ec.certificate])
        // What it signs verifies with the published certificate.
        let document = try XMLDocument.parse(Array("<r ID=\"_x\"><i/></r>".utf8))
        try XMLSigner(key: second).sign(document.root)
        XCTAssertNoThrow(try XMLSignatureVerifier(trustedCertificates: try nodeB.publishedCertificates(for: .rsaSHA256))
            .verify(signedElement: document.root))
    }
}
