import Crypto
import Store
import XMLSec

/// Our metadata for one application (saml-metadata-2.0-os §2.3.2, §2.4.3): the entity ID,
/// every published signing certificate (the current one, and during a rotation's overlap the
/// previous one), the SSO and SLO endpoints for both bindings, and the NameID format.
struct IdPMetadata {
    let entityID: String
    let certificates: [X509Certificate]
    let wantAuthnRequestsSigned: Bool
    let nameIDFormat: String
    let ssoRedirect: String
    let ssoPost: String
    let sloRedirect: String
    let sloPost: String

    func xml(signer: XMLSigner?) throws -> [UInt8] {
        let document = try XMLDocument(rootLocalName: "EntityDescriptor", namespaceURI: SAMLNamespace.metadata, prefix: "md")
        let root = document.root
        try root.declareNamespace(prefix: "ds", uri: XMLNamespace.dsig)
        try root.setAttribute("entityID", value: entityID)
        try root.setAttribute("ID", value: SAMLIdentifier.make())
        let idp = try root.appendElement("IDPSSODescriptor", namespace: SAMLNamespace.metadata, prefix: "md")
        try idp.setAttribute("WantAuthnRequestsSigned", value: wantAuthnRequestsSigned ? "true" : "false")
        try idp.setAttribute("protocolSupportEnumeration", value: SAMLNamespace.protocol)
        for certificate in certificates {
            let descriptor = try idp.appendElement("KeyDescriptor", namespace: SAMLNamespace.metadata, prefix: "md")
            try descriptor.setAttribute("use", value: "signing")
            let keyInfo = try descriptor.appendElement("KeyInfo", namespace: XMLNamespace.dsig, prefix: "ds")
            let data = try keyInfo.appendElement("X509Data", namespace: XMLNamespace.dsig, prefix: "ds")
            let text = try data.appendElement("X509Certificate", namespace: XMLNamespace.dsig, prefix: "ds")
            try text.appendText(certificate.base64DER)
        }
        for (binding, location) in [(SAMLBindingURI.redirect, sloRedirect), (SAMLBindingURI.post, sloPost)] {
            let service = try idp.appendElement("SingleLogoutService", namespace: SAMLNamespace.metadata, prefix: "md")
            try service.setAttribute("Binding", value: binding)
            try service.setAttribute("Location", value: location)
        }
        let format = try idp.appendElement("NameIDFormat", namespace: SAMLNamespace.metadata, prefix: "md")
        try format.appendText(nameIDFormat)
        for (binding, location) in [(SAMLBindingURI.redirect, ssoRedirect), (SAMLBindingURI.post, ssoPost)] {
            let service = try idp.appendElement("SingleSignOnService", namespace: SAMLNamespace.metadata, prefix: "md")
            try service.setAttribute("Binding", value: binding)
            try service.setAttribute("Location", value: location)
        }
        // Metadata §3.1.1: an enveloped signature over the EntityDescriptor, the first child.
        if let signer { try signer.sign(root, at: .first) }
        return document.serialized()
    }
}
