import Crypto
@testable import XMLSec

/// Keys and self-signed certificates made at test time with Crypto (nothing secret is
/// committed). RSA keys are slow to make, so each kind is made once per test run.
enum TestKeys {
    static let start: Int64 = 1_767_225_600
    static let end: Int64 = start + 365 * 86_400

    struct Pair {
        let signingKey: SigningKey
        let certificate: X509Certificate
        let privateKey: XMLPrivateKey
        var pem: String { (try? signingKey.pkcs8PEM()) ?? "" }
    }

    static func make(_ algorithm: JWSAlgorithm, name: String) -> Pair {
        do {
            let key = try SigningKey.generate(algorithm)
            let certificate = try X509Certificate.selfSigned(commonName: name, key: key, notBefore: start, notAfter: end)
            return Pair(signingKey: key, certificate: certificate,
                        privateKey: try XMLPrivateKey(privateKeyPEM: try key.pkcs8PEM(), certificate: certificate))
        } catch {
            fatalError("test key: \(error)")
        }
    }

    static let rsa = make(.rs256, name: "idp-rsa")
    static let rsaNext = make(.rs256, name: "idp-rsa-next")
    static let ec = make(.es256, name: "idp-ec")
    static let attacker = make(.rs256, name: "attacker")

    static func verifier(_ pairs: Pair..., policy: XMLSignaturePolicy = .default) -> XMLSignatureVerifier {
        do { return try XMLSignatureVerifier(trustedCertificates: pairs.map(\.certificate), policy: policy) } catch {
            fatalError("verifier: \(error)")
        }
    }
}

/// A SAML-shaped Response with an Assertion, built through the DOM API.
enum Samples {
    static let protocolNS = "urn:oasis:names:tc:SAML:2.0:protocol"
    static let assertionNS = "urn:oasis:names:tc:SAML:2.0:assertion"

    static let responseText = """
        <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" \
        xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
        ID="_resp1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
          <saml:Issuer>https://idp.example.org</saml:Issuer>
          <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
          <saml:Assertion ID="_assert1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
            <saml:Issuer>https://idp.example.org</saml:Issuer>
            <saml:Subject><saml:NameID>admin@example.org</saml:NameID></saml:Subject>
            <saml:AttributeStatement><saml:Attribute Name="role"><saml:AttributeValue xsi:type="xs:string">user</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>
          </saml:Assertion>
        </samlp:Response>
        """

    static func response() -> XMLDocument {
        do { return try XMLDocument.parse(Array(responseText.utf8)) } catch { fatalError("sample: \(error)") }
    }

    static func assertion(in document: XMLDocument) -> XMLElement {
        document.root.firstChildElement(named: "Assertion", namespace: assertionNS)!
    }

    static func issuer(of element: XMLElement) -> XMLElement {
        element.firstChildElement(named: "Issuer", namespace: assertionNS)!
    }

    /// Serialises and parses back, as a peer would receive it.
    static func roundTrip(_ document: XMLDocument) throws -> XMLDocument {
        try XMLDocument.parse(document.serialized())
    }

    static func text(_ document: XMLDocument) -> String { String(decoding: document.serialized(), as: UTF8.self) }

    static func parse(_ text: String) throws -> XMLDocument { try XMLDocument.parse(Array(text.utf8)) }
}
