import Crypto
import Foundation
import HTTP
import Identity
import Logging
import Store
import Synchronization
import Web
import XCTest
import XMLSec
@testable import SAML

/// The SAML provider on an in-process web application, with fakes behind every protocol and a
/// clock the test moves.
final class Harness: @unchecked Sendable {
    let users = FakeUsers()
    let directory = FakeDirectory()
    let events = FakeEvents()
    let ledger = FakeLedger()
    let participants = FakeParticipants()
    let sessions: FakeSessions
    let clock = TestClock()
    let provider: SAMLProvider
    let app: WebApplication

    static let base = "https://id.example.com"
    static let acs = "https://m3.example.co.th/sp/acs"
    static let audience = "https://m3.example.co.th/sp"
    static let slo = "https://m3.example.co.th/sp/slo"
    static let sealer = try! SecretSealer(currentMasterKey: [UInt8](repeating: 5, count: 32))

    init() throws {
        sessions = FakeSessions(users: users, authTime: Timestamp(secondsSince1970: 1_800_000_000 - 600))
        let clock = self.clock
        provider = SAMLProvider(
            externalURL: Self.base + "/", directory: directory, keys: FakeKeys(), sessions: sessions, users: users,
            events: events, ledger: ledger, participants: participants, mapper: CELAttributeMapper(),
            access: FakeAccess(users: users, sensitive: ["vault"]), sealer: Self.sealer,
            nameIDKey: [UInt8](repeating: 11, count: 32), clock: { clock.now })
        let config = WebConfig(externalURL: Self.base, trustedProxies: try TrustedProxies([]),
                               branding: Branding(companyName: "Acme"), serverKey: [UInt8](repeating: 7, count: 32),
                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        app = try WebApplication(config: config)
        provider.register(root: app.root)

        users.add("somchai", email: "somchai@example.co.th", groups: ["finance"], attributes: #"{"m3_user_id":"SOMCHAI01"}"#)
        users.add("nok", email: "nok@example.co.th", groups: ["warehouse"])
        directory.set(Self.serviceProvider("m3", groups: ["finance"]))
        var signed = Self.serviceProvider("signed", groups: [])
        signed.verificationCertificatePEM = TestKeys.sp.certificate.pem
        directory.set(signed)
        directory.set(Self.serviceProvider("vault", groups: []))
        directory.set(Self.serviceProvider("hr", groups: ["hr"]))
    }

    static func serviceProvider(_ slug: String, groups: [String]) -> SAMLServiceProvider {
        SAMLServiceProvider(
            providerName: slug, application: Application(slug: slug, name: slug.uppercased(), launchURL: nil, groups: groups),
            audience: audience, acsURLs: [acs, acs + "2"], signResponse: true, signAssertion: true,
            attributeMappings: [
                SAMLAttributeMapping(name: "http://schemas.infor.com/claims/Identity2", expression: "user.username"),
                SAMLAttributeMapping(name: "email", expression: "user.email"),
                SAMLAttributeMapping(name: "groups", expression: "user.groups"),
            ],
            defaultRelayState: "https://m3.example.co.th/mingle/", sloURL: slo, sloBinding: .redirect)
    }

    var now: Timestamp { clock.now }
    func advance(seconds: Int64) { clock.value.withLock { $0 = $0.adding(seconds: seconds) } }

    // MARK: Requests

    func send(_ method: HTTPMethod = .get, _ target: String, form: [(String, String)]? = nil, body: [UInt8]? = nil,
              contentType: String? = nil, user: String? = nil) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Host", "id.example.com")
        var bytes: [UInt8] = body ?? []
        if let form {
            headers.add("Content-Type", "application/x-www-form-urlencoded")
            bytes = Array(PercentEncoding.query(form).utf8)
        } else if let contentType {
            headers.add("Content-Type", contentType)
        }
        if let user { headers.add("Cookie", "__Host-gatehouse_session=" + FakeSessions.token(for: user)) }
        let request = HTTPRequest(method: method, target: target, headers: headers, body: bytes)
        return app.responder(request, ConnectionInfo(remoteAddress: "203.0.113.9", remotePort: 40000, localPort: 8080, isTLS: true))
    }

    /// Follows our own redirects (not to the sign-in page) as the browser would.
    func follow(_ response: HTTPResponse, user: String?) -> HTTPResponse {
        var response = response
        for _ in 0..<5 {
            guard [.found, .seeOther].contains(response.status), let location = response.headers["Location"],
                  location.hasPrefix("/application/saml/") else { return response }
            response = send(.get, location, user: user)
        }
        return response
    }

    // MARK: Building requests

    static func ssoRedirect(_ slug: String = "m3") -> String { base + "/application/saml/\(slug)/sso/binding/redirect/" }
    static func ssoPost(_ slug: String = "m3") -> String { base + "/application/saml/\(slug)/sso/binding/post/" }
    static func sloRedirect(_ slug: String = "m3") -> String { base + "/application/saml/\(slug)/slo/binding/redirect/" }

    func authnRequest(id: String = "_req" + Hex.encode(SecureRandom.bytes(8)), destination: String? = Harness.ssoRedirect(),
                      acs: String? = Harness.acs, issuer: String = Harness.audience, instant: Timestamp? = nil,
                      attributes: String = "", inner: String = "") -> (id: String, xml: String) {
        var attrs = " ID=\"\(id)\" Version=\"2.0\" IssueInstant=\"\(SAMLTime.format(instant ?? now))\""
        if let destination { attrs += " Destination=\"\(destination)\"" }
        if let acs { attrs += " AssertionConsumerServiceURL=\"\(acs)\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"" }
        return (id, """
            <samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"\(attrs)\(attributes)>\
            <saml:Issuer>\(issuer)</saml:Issuer>\(inner)</samlp:AuthnRequest>
            """)
    }

    func logoutRequest(id: String = "_lo" + Hex.encode(SecureRandom.bytes(8)), nameID: String, sessionIndex: String?,
                       destination: String = Harness.sloRedirect()) -> String {
        """
        <samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" \
        ID="\(id)" Version="2.0" IssueInstant="\(SAMLTime.format(now))" Destination="\(destination)">\
        <saml:Issuer>\(Harness.audience)</saml:Issuer><saml:NameID>\(nameID)</saml:NameID>\
        \(sessionIndex.map { "<samlp:SessionIndex>\($0)</samlp:SessionIndex>" } ?? "")</samlp:LogoutRequest>
        """
    }

    /// The Redirect-binding query of `xml` (bindings §3.4.4.1), detached-signed by `signer` when given.
    static func redirectQuery(_ xml: String, relayState: String? = nil, signer: TestKeys.Pair? = nil,
                              parameter: String = "SAMLRequest") throws -> String {
        var query = parameter + "=" + PercentEncoding.encode(Base64.encode(RawDeflate.deflate(Array(xml.utf8))))
        if let relayState { query += "&RelayState=" + PercentEncoding.encode(relayState) }
        if let signer {
            query += "&SigAlg=" + PercentEncoding.encode(XMLSignatureAlgorithm.rsaSHA256.uri)
            let signature = try XMLSigner(key: signer.privateKey).signRedirectBinding(Array(query.utf8))
            query += "&Signature=" + PercentEncoding.encode(Base64.encode(signature))
        }
        return query
    }

    /// The POST-binding value of `xml`, with an enveloped signature by `signer` when given.
    static func postValue(_ xml: String, signer: TestKeys.Pair? = nil) throws -> String {
        guard let signer else { return Base64.encode(Array(xml.utf8)) }
        let document = try XMLDocument.parse(Array(xml.utf8))
        let issuer = document.root.firstChildElement(named: "Issuer", namespace: SAMLNamespace.assertion)!
        try XMLSigner(key: signer.privateKey).sign(document.root, at: .after(issuer))
        return Base64.encode(document.serialized())
    }

    /// A signed-in SP-initiated sign-in over the Redirect binding.
    func signIn(_ slug: String = "m3", user: String = "somchai", relayState: String? = "rs-1") throws -> (request: String, response: HTTPResponse) {
        let request = authnRequest(destination: Self.ssoRedirect(slug))
        let query = try Self.redirectQuery(request.xml, relayState: relayState)
        return (request.id, send(.get, "/application/saml/\(slug)/sso/binding/redirect/?" + query, user: user))
    }

    // MARK: Reading answers

    struct PostedForm {
        let action: String
        let fields: [String: String]
        var document: XMLDocument { get throws { try XMLDocument.parse(Base64.decode(fields["SAMLResponse"] ?? "") ?? []) } }
    }

    /// The auto-posting (or denied page's) form to the SP; nil when the page carries none.
    static func postedForm(_ response: HTTPResponse) -> PostedForm? {
        let text = String(decoding: response.body, as: UTF8.self)
        guard let form = text.range(of: "<form method=\"post\" action=\""),
              let end = text[form.upperBound...].firstIndex(of: "\"") else { return nil }
        let action = unescape(String(text[form.upperBound..<end]))
        var fields: [String: String] = [:]
        var rest = text[end...]
        while let input = rest.range(of: "<input type=\"hidden\" name=\"") {
            let nameEnd = rest[input.upperBound...].firstIndex(of: "\"")!
            let name = String(rest[input.upperBound..<nameEnd])
            let valueStart = rest[nameEnd...].range(of: "value=\"")!.upperBound
            let valueEnd = rest[valueStart...].firstIndex(of: "\"")!
            fields[name] = unescape(String(rest[valueStart..<valueEnd]))
            rest = rest[valueEnd...]
        }
        return PostedForm(action: action, fields: fields)
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func assertion(in document: XMLDocument) -> XMLElement? {
        document.root.firstChildElement(named: "Assertion", namespace: SAMLNamespace.assertion)
    }

    static func element(_ parent: XMLElement?, _ path: String...) -> XMLElement? {
        var current = parent
        for name in path { current = current?.firstChildElement(named: name, namespace: SAMLNamespace.assertion) }
        return current
    }

    static func statusCodes(_ document: XMLDocument) -> [String] {
        var codes: [String] = []
        var code = document.root.firstChildElement(named: "Status", namespace: SAMLNamespace.protocol)?
            .firstChildElement(named: "StatusCode", namespace: SAMLNamespace.protocol)
        while let current = code {
            codes.append(current.attribute("Value") ?? "")
            code = current.firstChildElement(named: "StatusCode", namespace: SAMLNamespace.protocol)
        }
        return codes
    }

    static let idpVerifier = try! XMLSignatureVerifier(trustedCertificates: [TestKeys.idpRSA.certificate, TestKeys.idpEC.certificate],
                                                        policy: XMLSignaturePolicy(signatureAlgorithms: [.rsaSHA256, .rsaSHA512, .ecdsaSHA256],
                                                                                   digestAlgorithms: [.sha256, .sha512]))
}

final class TestClock: Sendable {
    let value = Mutex(Timestamp(secondsSince1970: 1_800_000_000))
    var now: Timestamp { value.withLock { $0 } }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
