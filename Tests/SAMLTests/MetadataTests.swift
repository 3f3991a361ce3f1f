import Crypto
import HTTP
import Store
import XCTest
import XMLSec
@testable import SAML

final class MetadataTests: XCTestCase {
    func testMetadataIsSignedAndPublishesEndpointsAndEveryCertificate() throws {
        let harness = try Harness()
        let response = harness.send(.get, "/application/saml/m3/metadata/")
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers["Content-Type"], "application/samlmetadata+xml")
        XCTAssertNil(response.headers["Content-Disposition"])
        let document = try XMLDocument.parse(response.body)
        let root = document.root
        XCTAssertEqual(root.attribute("entityID"), Harness.base + "/application/saml/m3/metadata/")
        XCTAssertNoThrow(try Harness.idpVerifier.verify(signedElement: root))
        let idp = try XCTUnwrap(root.firstChildElement(named: "IDPSSODescriptor", namespace: SAMLNamespace.metadata))
        XCTAssertEqual(idp.attribute("WantAuthnRequestsSigned"), "false")
        // During a rotation's overlap, the previous certificate is still published.
        let certificates = idp.childElements(named: "KeyDescriptor", namespace: SAMLNamespace.metadata).compactMap {
            try? $0.firstChildElement(named: "KeyInfo", namespace: XMLNamespace.dsig)?
                .firstChildElement(named: "X509Data", namespace: XMLNamespace.dsig)?
                .firstChildElement(named: "X509Certificate", namespace: XMLNamespace.dsig)?.text()
        }
        XCTAssertEqual(certificates, [TestKeys.idpRSA.certificate.base64DER, TestKeys.idpRSAPrevious.certificate.base64DER])
        let sso = idp.childElements(named: "SingleSignOnService", namespace: SAMLNamespace.metadata).map {
            [$0.attribute("Binding") ?? "", $0.attribute("Location") ?? ""]
        }
        XCTAssertEqual(sso, [[SAMLBindingURI.redirect, Harness.ssoRedirect()], [SAMLBindingURI.post, Harness.ssoPost()]])
        XCTAssertEqual(idp.childElements(named: "SingleLogoutService", namespace: SAMLNamespace.metadata).count, 2)

        let download = harness.send(.get, "/application/saml/signed/metadata/?download")
        XCTAssertEqual(download.headers["Content-Disposition"], "attachment; filename=\"signed-metadata.xml\"")
        XCTAssertTrue(download.text.contains("WantAuthnRequestsSigned=\"true\""))
    }

    func testUnsignedMetadataWhenTheProviderSaysSo() throws {
        let harness = try Harness()
        harness.directory.update("m3") { $0.signMetadata = false }
        let document = try XMLDocument.parse(harness.send(.get, "/application/saml/m3/metadata/").body)
        XCTAssertNil(document.root.firstChildElement(named: "Signature", namespace: XMLNamespace.dsig))
    }

    /// The `.cer` Infor Ming.le imports: the current signing certificate as DER.
    func testCertificateDownloadIsDER() throws {
        let harness = try Harness()
        let response = harness.send(.get, "/application/saml/m3/certificate.cer")
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers["Content-Type"], "application/pkix-cert")
        XCTAssertEqual(response.headers["Content-Disposition"], "attachment; filename=\"m3.cer\"")
        XCTAssertEqual(response.body, TestKeys.idpRSA.certificate.der)
        harness.directory.update("m3") { $0.signatureAlgorithm = "ecdsa-sha256" }
        XCTAssertEqual(harness.send(.get, "/application/saml/m3/certificate.cer").body, TestKeys.idpEC.certificate.der)
    }

    func testUnknownApplicationIs404() throws {
        let harness = try Harness()
        XCTAssertEqual(harness.send(.get, "/application/saml/nope/metadata/").status, .notFound)
        XCTAssertEqual(harness.send(.get, "/application/saml/nope/sso/binding/init/").status, .notFound)
    }
}

final class ServiceProviderMetadataTests: XCTestCase {
    static let sample = """
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://m3.example.co.th/sp">
          <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(TestKeys.sp.certificate.base64DER)</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
            <md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\(TestKeys.attacker.certificate.base64DER)</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
            <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://m3.example.co.th/sp/slo"/>
            <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://m3.example.co.th/sp/art" index="0"/>
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://m3.example.co.th/sp/acs2" index="2"/>
            <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://m3.example.co.th/sp/acs" index="1" isDefault="true"/>
          </md:SPSSODescriptor>
        </md:EntityDescriptor>
        """

    func testFieldsComeFromTheMetadata() throws {
        let metadata = try ServiceProviderMetadata.read(Self.sample)
        XCTAssertEqual(metadata.entityID, "https://m3.example.co.th/sp")
        XCTAssertEqual(metadata.acsURLs, ["https://m3.example.co.th/sp/acs", "https://m3.example.co.th/sp/acs2"])
        XCTAssertEqual(metadata.sloURL, "https://m3.example.co.th/sp/slo")
        XCTAssertEqual(metadata.sloBinding, "redirect")
        XCTAssertTrue(metadata.authnRequestsSigned)
        XCTAssertEqual(metadata.nameIDFormat, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
        // A KeyDescriptor without `use` serves signing too (metadata §2.4.1.1); it never turns
        // verification off, and is not taken for encryption unless the SP says so.
        XCTAssertEqual(try X509Certificate.chain(pem: try XCTUnwrap(metadata.signingCertificatesPEM)),
                       [TestKeys.sp.certificate, TestKeys.attacker.certificate])
        XCTAssertNil(metadata.encryptionCertificatePEM)
    }

    func testHostileOrUselessMetadataIsRefused() {
        let doctype = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + Self.sample
        XCTAssertThrowsError(try ServiceProviderMetadata.read(doctype))
        XCTAssertThrowsError(try ServiceProviderMetadata.read("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\"/>"))
        XCTAssertThrowsError(try ServiceProviderMetadata.read("not xml"))
    }
}

final class SAMLTimeTests: XCTestCase {
    func testFormatAndParse() {
        let time = Timestamp(secondsSince1970: 1_800_000_000)
        XCTAssertEqual(SAMLTime.format(time), "2027-01-15T08:00:00Z")
        XCTAssertEqual(SAMLTime.parse("2027-01-15T08:00:00Z"), time)
        XCTAssertEqual(SAMLTime.parse("2027-01-15T08:00:00.5Z"), time.adding(seconds: 0).advanced(micros: 500_000))
        XCTAssertEqual(SAMLTime.parse("2027-01-15T08:00:00+00:00"), time)
        for bad in ["2027-01-15T08:00:00", "2027-01-15T08:00:00+07:00", "2027-13-15T08:00:00Z", "2027-01-15 08:00:00Z", "", "x"] {
            XCTAssertNil(SAMLTime.parse(bad), bad)
        }
        XCTAssertEqual(SAMLTime.parse("1999-12-31T23:59:59Z"), Timestamp(secondsSince1970: 946_684_799))
    }
}

extension Timestamp {
    func advanced(micros: Int64) -> Timestamp { Timestamp(microsecondsSince1970: microsecondsSince1970 + micros) }
}
