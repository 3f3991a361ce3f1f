import Crypto
import XMLSec

/// What a service provider's metadata (saml-metadata-2.0-os §2.4.4) tells a `saml-provider`
/// when its blueprint gives `sp_metadata`: parsed by the hardened parser, never fetched.
public struct ServiceProviderMetadata: Sendable, Equatable {
    public let entityID: String
    /// HTTP-POST AssertionConsumerServices, the default (isDefault, else lowest index) first.
    public let acsURLs: [String]
    /// The first SingleLogoutService and its binding (POST or Redirect), if any.
    public let sloURL: String?
    public let sloBinding: String?
    /// PEM of the signing certificates (KeyDescriptor use="signing" or no use).
    public let signingCertificatesPEM: String?
    /// PEM of the first RSA encryption certificate (KeyDescriptor use="encryption").
    public let encryptionCertificatePEM: String?
    public let authnRequestsSigned: Bool
    public let wantAssertionsSigned: Bool
    public let nameIDFormat: String?

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case missing(String)
        public var description: String {
            switch self {
            case .unreadable(let why): "sp_metadata is not usable XML: \(why)"
            case .missing(let what): "sp_metadata has no \(what)"
            }
        }
    }

    public static func read(_ text: String) throws(Problem) -> ServiceProviderMetadata {
        let document: XMLDocument
        do { document = try XMLDocument.parse(Array(text.utf8), limits: XMLParseLimits(maxBytes: 1 << 20, maxDepth: 32)) } catch {
            throw .unreadable("\(error)")
        }
        var entity = document.root
        if entity.isNamed("EntitiesDescriptor", namespace: SAMLNamespace.metadata) {
            let entities = entity.childElements(named: "EntityDescriptor", namespace: SAMLNamespace.metadata)
            guard entities.count == 1 else { throw .unreadable("an EntitiesDescriptor must hold exactly one EntityDescriptor here") }
            entity = entities[0]
        }
        guard entity.isNamed("EntityDescriptor", namespace: SAMLNamespace.metadata) else { throw .missing("EntityDescriptor") }
        guard let entityID = entity.attribute("entityID"), !entityID.isEmpty else { throw .missing("entityID") }
        let descriptors = entity.childElements(named: "SPSSODescriptor", namespace: SAMLNamespace.metadata)
        guard descriptors.count == 1 else { throw .missing("single SPSSODescriptor") }
        let sp = descriptors[0]

        var services: [(url: String, index: Int, isDefault: Bool)] = []
        for service in sp.childElements(named: "AssertionConsumerService", namespace: SAMLNamespace.metadata)
        where service.attribute("Binding") == SAMLBindingURI.post {
            guard let url = service.attribute("Location"), !url.isEmpty else { continue }
            services.append((url, Int(service.attribute("index") ?? "") ?? Int.max, service.attribute("isDefault") == "true"))
        }
        guard !services.isEmpty else { throw .missing("HTTP-POST AssertionConsumerService") }
        let ordered = services.sorted { ($0.isDefault ? 0 : 1, $0.index) < ($1.isDefault ? 0 : 1, $1.index) }.map(\.url)
        var seen = Set<String>()
        let acsURLs = ordered.filter { seen.insert($0).inserted }

        let slo = sp.childElements(named: "SingleLogoutService", namespace: SAMLNamespace.metadata).first {
            $0.attribute("Binding") == SAMLBindingURI.redirect || $0.attribute("Binding") == SAMLBindingURI.post
        }
        var signing: [X509Certificate] = []
        var encryption: X509Certificate?
        for descriptor in sp.childElements(named: "KeyDescriptor", namespace: SAMLNamespace.metadata) {
            let use = descriptor.attribute("use")
            guard let keyInfo = descriptor.firstChildElement(named: "KeyInfo", namespace: XMLNamespace.dsig) else { continue }
            for data in keyInfo.childElements(named: "X509Data", namespace: XMLNamespace.dsig) {
                for element in data.childElements(named: "X509Certificate", namespace: XMLNamespace.dsig) {
                    guard let text = try? element.text() else { throw .unreadable("an X509Certificate is not text") }
                    let certificate: X509Certificate
                    do { certificate = try X509Certificate(base64DER: text) } catch { throw .unreadable("certificate: \(error)") }
                    // Metadata §2.4.1.1: without `use`, the key serves both purposes.
                    if use == nil || use == "signing" { signing.append(certificate) }
                    // Encryption only where the SP says so explicitly: an assertion it cannot
                    // decrypt would lock its users out.
                    if use == "encryption", encryption == nil, case .rsa = certificate.keyType { encryption = certificate }
                }
            }
        }
        let formats = sp.childElements(named: "NameIDFormat", namespace: SAMLNamespace.metadata).compactMap { try? $0.text().trimmingSpaces }
        return ServiceProviderMetadata(
            entityID: entityID, acsURLs: acsURLs, sloURL: slo?.attribute("Location"),
            sloBinding: slo.map { $0.attribute("Binding") == SAMLBindingURI.post ? "post" : "redirect" },
            signingCertificatesPEM: signing.isEmpty ? nil : signing.map(\.pem).joined(),
            encryptionCertificatePEM: encryption?.pem,
            authnRequestsSigned: sp.attribute("AuthnRequestsSigned") == "true",
            wantAssertionsSigned: sp.attribute("WantAssertionsSigned") == "true",
            nameIDFormat: formats.first { SAMLNameIDFormat(rawValue: $0) != nil })
    }
}
