import Crypto
import Store
import XMLSec

/// Builds, signs and (when configured) encrypts a `samlp:Response` (core §3.3.3, profiles
/// §4.1.4.2): one Assertion with one AuthnStatement, Conditions with an AudienceRestriction,
/// and a bearer SubjectConfirmation naming the Recipient, InResponseTo and NotOnOrAfter.
///
/// Signing order, when both are asked for: the Assertion first, then (after encryption, if
/// any) the Response, whose signature then covers the Assertion's signature too; each is an
/// enveloped signature over its own element's ID, so both verify on their own.
struct SSOResponseBuilder {
    let keys: any SAMLSigningKeys

    func build(_ plan: SSOResponsePlan) throws -> [UInt8] {
        guard let choice = SAMLSignatureChoice(name: plan.provider.signatureAlgorithm) else {
            throw SAMLRequestError("configuration", "Unknown signature_algorithm \(plan.provider.signatureAlgorithm).")
        }
        let document = try XMLDocument(rootLocalName: "Response", namespaceURI: SAMLNamespace.protocol, prefix: "samlp")
        let response = document.root
        try response.declareNamespace(prefix: "saml", uri: SAMLNamespace.assertion)
        try response.setAttribute("ID", value: SAMLIdentifier.make())
        try response.setAttribute("Version", value: "2.0")
        try response.setAttribute("IssueInstant", value: SAMLTime.format(plan.now))
        try response.setAttribute("Destination", value: plan.destination)
        if let inResponseTo = plan.inResponseTo { try response.setAttribute("InResponseTo", value: inResponseTo) }
        let responseIssuer = try appendIssuer(plan.issuer, to: response)
        try appendStatus(plan.outcome, to: response)

        var signer: XMLSigner?
        if plan.provider.signResponse || plan.provider.signAssertion {
            signer = try XMLSigner(key: try keys.currentKey(for: choice.signature), signatureAlgorithm: choice.signature,
                                   digestAlgorithm: choice.digest, inclusiveNamespacePrefixes: ["xs"])
        }
        if case .success(let content) = plan.outcome {
            let assertion = try appendAssertion(content, plan: plan, to: response)
            if plan.provider.signAssertion, let signer {
                try signer.sign(assertion, at: .after(assertion.childElements[0]))
            }
            if let pem = plan.provider.encryptionCertificatePEM {
                try encrypt(assertion, in: response, to: pem)
            }
        }
        // An error response is signed too when responses are: the SP should trust the status.
        if plan.provider.signResponse || (plan.provider.signAssertion && !plan.isSuccess), let signer {
            try signer.sign(response, at: .after(responseIssuer))
        }
        return document.serialized()
    }

    private func appendIssuer(_ issuer: String, to element: XMLElement) throws -> XMLElement {
        let element = try element.appendElement("Issuer", namespace: SAMLNamespace.assertion, prefix: "saml")
        try element.appendText(issuer)
        return element
    }

    private func appendStatus(_ outcome: SSOResponsePlan.Outcome, to response: XMLElement) throws {
        let status = try response.appendElement("Status", namespace: SAMLNamespace.protocol, prefix: "samlp")
        let code = try status.appendElement("StatusCode", namespace: SAMLNamespace.protocol, prefix: "samlp")
        switch outcome {
        case .success:
            try code.setAttribute("Value", value: SAMLStatus.success)
        case .failure(let error):
            try code.setAttribute("Value", value: error.topLevel)
            if let second = error.secondLevel {
                let inner = try code.appendElement("StatusCode", namespace: SAMLNamespace.protocol, prefix: "samlp")
                try inner.setAttribute("Value", value: second)
            }
            let message = try status.appendElement("StatusMessage", namespace: SAMLNamespace.protocol, prefix: "samlp")
            try message.appendText(error.message)
        }
    }

    private func appendAssertion(_ content: SSOAssertionContent, plan: SSOResponsePlan, to response: XMLElement) throws -> XMLElement {
        let assertion = try response.appendElement("Assertion", namespace: SAMLNamespace.assertion, prefix: "saml")
        // xsi and xs are declared here, so the assertion keeps them when it is encrypted or
        // taken out of the Response; "xs" is in the signature's InclusiveNamespaces because it
        // is only used inside attribute values (xsi:type="xs:string"), which c14n cannot see.
        try assertion.declareNamespace(prefix: "xsi", uri: SAMLNamespace.xsi)
        try assertion.declareNamespace(prefix: "xs", uri: SAMLNamespace.xs)
        try assertion.setAttribute("ID", value: SAMLIdentifier.make())
        try assertion.setAttribute("Version", value: "2.0")
        try assertion.setAttribute("IssueInstant", value: SAMLTime.format(plan.now))
        _ = try appendIssuer(plan.issuer, to: assertion)

        let expiry = SAMLTime.format(plan.now.adding(seconds: SSOResponsePlan.validitySeconds))
        let subject = try assertion.appendElement("Subject", namespace: SAMLNamespace.assertion, prefix: "saml")
        let nameID = try subject.appendElement("NameID", namespace: SAMLNamespace.assertion, prefix: "saml")
        try nameID.setAttribute("Format", value: content.nameIDFormat)
        if content.nameIDFormat == SAMLNameIDFormat.persistent.rawValue || content.nameIDFormat == SAMLNameIDFormat.transient.rawValue {
            // Core §8.3.7: persistent identifiers are qualified by both parties' names.
            try nameID.setAttribute("NameQualifier", value: plan.issuer)
            try nameID.setAttribute("SPNameQualifier", value: plan.provider.audience)
        }
        try nameID.appendText(content.nameID)
        let confirmation = try subject.appendElement("SubjectConfirmation", namespace: SAMLNamespace.assertion, prefix: "saml")
        try confirmation.setAttribute("Method", value: SAMLConfirmation.bearer)
        let data = try confirmation.appendElement("SubjectConfirmationData", namespace: SAMLNamespace.assertion, prefix: "saml")
        // Profiles §4.1.4.2: "At least one bearer <SubjectConfirmation> element MUST contain a
        // <SubjectConfirmationData> element that itself MUST contain a Recipient attribute
        // containing the service provider's assertion consumer service URL and a NotOnOrAfter
        // attribute ... It MAY also contain ... an InResponseTo attribute containing the ID of
        // the service provider's <AuthnRequest> message" (and MUST NOT for unsolicited ones).
        if let inResponseTo = plan.inResponseTo { try data.setAttribute("InResponseTo", value: inResponseTo) }
        try data.setAttribute("NotOnOrAfter", value: expiry)
        try data.setAttribute("Recipient", value: plan.destination)

        let conditions = try assertion.appendElement("Conditions", namespace: SAMLNamespace.assertion, prefix: "saml")
        try conditions.setAttribute("NotBefore", value: SAMLTime.format(plan.now.adding(seconds: -SAMLTime.skewSeconds)))
        try conditions.setAttribute("NotOnOrAfter", value: expiry)
        let restriction = try conditions.appendElement("AudienceRestriction", namespace: SAMLNamespace.assertion, prefix: "saml")
        let audience = try restriction.appendElement("Audience", namespace: SAMLNamespace.assertion, prefix: "saml")
        try audience.appendText(plan.provider.audience)

        let statement = try assertion.appendElement("AuthnStatement", namespace: SAMLNamespace.assertion, prefix: "saml")
        try statement.setAttribute("AuthnInstant", value: SAMLTime.format(content.authnInstant))
        try statement.setAttribute("SessionIndex", value: content.sessionIndex)
        if let end = content.sessionNotOnOrAfter {
            try statement.setAttribute("SessionNotOnOrAfter", value: SAMLTime.format(end))
        }
        let context = try statement.appendElement("AuthnContext", namespace: SAMLNamespace.assertion, prefix: "saml")
        let classRef = try context.appendElement("AuthnContextClassRef", namespace: SAMLNamespace.assertion, prefix: "saml")
        try classRef.appendText(content.authnContextClass)

        if !content.attributes.isEmpty {
            let attributes = try assertion.appendElement("AttributeStatement", namespace: SAMLNamespace.assertion, prefix: "saml")
            for item in content.attributes {
                let attribute = try attributes.appendElement("Attribute", namespace: SAMLNamespace.assertion, prefix: "saml")
                try attribute.setAttribute("Name", value: item.name)
                try attribute.setAttribute("NameFormat", value: item.nameFormat)
                if let friendly = item.friendlyName { try attribute.setAttribute("FriendlyName", value: friendly) }
                for value in item.values {
                    let element = try attribute.appendElement("AttributeValue", namespace: SAMLNamespace.assertion, prefix: "saml")
                    try element.setAttribute("type", namespace: SAMLNamespace.xsi, prefix: "xsi", value: "xs:string")
                    try element.appendText(value)
                }
            }
        }
        return assertion
    }

    /// Replaces `assertion` by `<saml:EncryptedAssertion>` (core §2.3.4): AES-256-GCM content,
    /// RSA-OAEP key transport to the SP's encryption certificate.
    private func encrypt(_ assertion: XMLElement, in response: XMLElement, to pem: String) throws {
        let certificate = try X509Certificate(pem: pem)
        let encryptor = try XMLEncryptor(recipient: certificate, contentEncryption: .aes256GCM)
        let encryptedData = try encryptor.encrypt(assertion)
        let wrapper = try response.appendElement("EncryptedAssertion", namespace: SAMLNamespace.assertion, prefix: "saml",
                                                 at: .after(assertion))
        try wrapper.insert(encryptedData)
        try assertion.remove()
    }
}

extension SSOResponsePlan {
    var isSuccess: Bool { if case .success = outcome { true } else { false } }
}
