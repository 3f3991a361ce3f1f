import Crypto
import HTTP
import Store
import Web
import XMLSec

/// `…/metadata/` (add `?download` to get it as a file) and `…/certificate.cer`, the signing
/// certificate as DER (Infor Ming.le imports only that form).
struct MetadataEndpoint: Sendable {
    let provider: SAMLProvider

    func metadata(_ request: Request) throws -> Response {
        let (slug, sp) = try provider.serviceProvider(request)
        guard let choice = SAMLSignatureChoice(name: sp.signatureAlgorithm) else { throw WebError.notFound }
        let certificates = try provider.keys.publishedCertificates(for: choice.signature)
        let document = IdPMetadata(
            entityID: provider.entityID(slug: slug), certificates: certificates,
            wantAuthnRequestsSigned: sp.verificationCertificatePEM != nil, nameIDFormat: sp.nameIDFormat,
            ssoRedirect: provider.ssoRedirectURL(slug), ssoPost: provider.ssoPostURL(slug),
            sloRedirect: provider.sloRedirectURL(slug), sloPost: provider.sloPostURL(slug))
        var signer: XMLSigner?
        if sp.signMetadata {
            signer = try XMLSigner(key: try provider.keys.currentKey(for: choice.signature), signatureAlgorithm: choice.signature,
                                   digestAlgorithm: choice.digest)
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/samlmetadata+xml")
        headers.add("Cache-Control", "public, max-age=300")
        if request.queryItems["download"] != nil {
            headers.add("Content-Disposition", "attachment; filename=\"\(Self.fileName(slug))-metadata.xml\"")
        }
        return Response(status: .ok, headers: headers, body: try document.xml(signer: signer))
    }

    func certificate(_ request: Request) throws -> Response {
        let (slug, sp) = try provider.serviceProvider(request)
        guard let choice = SAMLSignatureChoice(name: sp.signatureAlgorithm),
              let current = try provider.keys.publishedCertificates(for: choice.signature).first else { throw WebError.notFound }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/pkix-cert")
        headers.add("Content-Disposition", "attachment; filename=\"\(Self.fileName(slug)).cer\"")
        headers.add("Cache-Control", "public, max-age=300")
        return Response(status: .ok, headers: headers, body: current.der)
    }

    /// Slugs are already URL-safe; keep only characters that are safe in a quoted file name.
    static func fileName(_ slug: String) -> String {
        String(slug.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
            .map(Character.init))
    }
}
