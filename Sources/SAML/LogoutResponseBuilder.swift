import Crypto
import HTTP
import Store
import XMLSec

/// A `samlp:LogoutResponse` (core §3.7.2) and its delivery over the SP's binding.
struct LogoutResponseBuilder {
    let keys: any SAMLSigningKeys

    struct Content {
        let issuer: String
        let destination: String
        let inResponseTo: String
        let status: SAMLStatusError?
        let now: Timestamp
    }

    /// The XML; with an enveloped signature when `sign` and the POST binding (the Redirect
    /// binding signs the query instead: bindings §3.4.4.1 has the signature "removed" from the XML).
    func xml(_ content: Content, signWith choice: SAMLSignatureChoice?) throws -> [UInt8] {
        let document = try XMLDocument(rootLocalName: "LogoutResponse", namespaceURI: SAMLNamespace.protocol, prefix: "samlp")
        let root = document.root
        try root.declareNamespace(prefix: "saml", uri: SAMLNamespace.assertion)
        try root.setAttribute("ID", value: SAMLIdentifier.make())
        try root.setAttribute("Version", value: "2.0")
        try root.setAttribute("IssueInstant", value: SAMLTime.format(content.now))
        try root.setAttribute("Destination", value: content.destination)
        try root.setAttribute("InResponseTo", value: content.inResponseTo)
        let issuer = try root.appendElement("Issuer", namespace: SAMLNamespace.assertion, prefix: "saml")
        try issuer.appendText(content.issuer)
        let status = try root.appendElement("Status", namespace: SAMLNamespace.protocol, prefix: "samlp")
        let code = try status.appendElement("StatusCode", namespace: SAMLNamespace.protocol, prefix: "samlp")
        try code.setAttribute("Value", value: content.status?.topLevel ?? SAMLStatus.success)
        if let failure = content.status {
            if let second = failure.secondLevel {
                let inner = try code.appendElement("StatusCode", namespace: SAMLNamespace.protocol, prefix: "samlp")
                try inner.setAttribute("Value", value: second)
            }
            let message = try status.appendElement("StatusMessage", namespace: SAMLNamespace.protocol, prefix: "samlp")
            try message.appendText(failure.message)
        }
        if let choice {
            let signer = try XMLSigner(key: try keys.currentKey(for: choice.signature), signatureAlgorithm: choice.signature,
                                       digestAlgorithm: choice.digest)
            try signer.sign(root, at: .after(issuer))
        }
        return document.serialized()
    }

    /// The Redirect-binding URL (bindings §3.4.4.1): `SAMLResponse` DEFLATEd, base64- and
    /// URL-encoded, then `RelayState`, then `SigAlg` and `Signature` over exactly those octets.
    func redirectURL(to location: String, xml: [UInt8], relayState: String?, signWith choice: SAMLSignatureChoice?) throws -> String {
        var query = "SAMLResponse=" + PercentEncoding.encode(Base64.encode(RawDeflate.deflate(xml)))
        if let relayState { query += "&RelayState=" + PercentEncoding.encode(relayState) }
        if let choice {
            query += "&SigAlg=" + PercentEncoding.encode(choice.signature.uri)
            let signer = try XMLSigner(key: try keys.currentKey(for: choice.signature), signatureAlgorithm: choice.signature,
                                       digestAlgorithm: choice.digest)
            let signature = try signer.signRedirectBinding(Array(query.utf8))
            query += "&Signature=" + PercentEncoding.encode(Base64.encode(signature))
        }
        return location + (location.contains("?") ? "&" : "?") + query
    }
}
