/// Namespace and identifier URIs of SAML 2.0 (saml-core-2.0-os, saml-bindings-2.0-os).
public enum SAMLNamespace {
    public static let assertion = "urn:oasis:names:tc:SAML:2.0:assertion"
    public static let `protocol` = "urn:oasis:names:tc:SAML:2.0:protocol"
    public static let metadata = "urn:oasis:names:tc:SAML:2.0:metadata"
    static let xsi = "http://www.w3.org/2001/XMLSchema-instance"
    static let xs = "http://www.w3.org/2001/XMLSchema"
}

/// Top-level and second-level status codes (core §3.2.2.2).
public enum SAMLStatus {
    public static let success = "urn:oasis:names:tc:SAML:2.0:status:Success"
    public static let requester = "urn:oasis:names:tc:SAML:2.0:status:Requester"
    public static let responder = "urn:oasis:names:tc:SAML:2.0:status:Responder"
    public static let requestDenied = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"
    public static let noPassive = "urn:oasis:names:tc:SAML:2.0:status:NoPassive"
    public static let invalidNameIDPolicy = "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy"
    public static let noAuthnContext = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"
    public static let requestUnsupported = "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported"
    public static let unknownPrincipal = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal"
}

/// Binding URIs (bindings §3.4, §3.5).
public enum SAMLBindingURI {
    public static let redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    public static let post = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
}

/// The NameID formats a `saml-provider` may use (core §8.3).
public enum SAMLNameIDFormat: String, Sendable, CaseIterable {
    case unspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    case emailAddress = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    case persistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    case transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
}

/// AuthnContextClassRef values Gatehouse asserts.
public enum SAMLAuthnContextClass {
    /// A password over TLS (saml-authn-context-2.0-os §3.4.7).
    public static let passwordProtectedTransport = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    /// The REFEDS MFA profile (https://refeds.org/profile/mfa): two distinct factors. SPs that
    /// ask for multi-factor by this URN in RequestedAuthnContext get a step-up.
    public static let multiFactor = "https://refeds.org/profile/mfa"
    /// Signed in through an upstream source without a local password or MFA.
    public static let unspecified = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"
}

/// SubjectConfirmation method (profiles §3.3, Web Browser SSO §4.1.4.2).
enum SAMLConfirmation {
    static let bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
}

/// Attribute NameFormat values (core §8.2).
enum SAMLAttributeNameFormat {
    static let uri = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
    static let basic = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
    static let unspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
}
