import XMLSec

/// A `samlp:AuthnRequest` (core §3.4.1), read for what Gatehouse acts on.
struct AuthnRequestMessage: Equatable {
    let header: SAMLRequestHeader
    let acsURL: String?
    let acsIndex: Int?
    let protocolBinding: String?
    let forceAuthn: Bool
    let isPassive: Bool
    /// NameIDPolicy/@Format.
    let nameIDFormat: String?
    /// RequestedAuthnContext class references and comparison.
    let requestedClasses: [String]
    let comparison: String

    static func read(_ root: XMLElement) throws(SAMLRequestError) -> AuthnRequestMessage {
        let header = try SAMLRequestHeader.read(root, expecting: "AuthnRequest")
        var index: Int?
        if let text = root.attribute("AssertionConsumerServiceIndex") {
            guard let value = Int(text), value >= 0, value < 65536 else {
                throw SAMLRequestError("malformed_request", "AssertionConsumerServiceIndex is not an unsigned short.")
            }
            index = value
        }
        let acsURL = root.attribute("AssertionConsumerServiceURL")
        // Core §3.4.1: AssertionConsumerServiceIndex "is mutually exclusive with the
        // AssertionConsumerServiceURL and ProtocolBinding attributes".
        if index != nil, acsURL != nil || root.attribute("ProtocolBinding") != nil {
            throw SAMLRequestError("malformed_request", "AssertionConsumerServiceIndex with AssertionConsumerServiceURL or ProtocolBinding.")
        }
        let policies = root.childElements(named: "NameIDPolicy", namespace: SAMLNamespace.protocol)
        guard policies.count <= 1 else { throw SAMLRequestError("malformed_request", "More than one NameIDPolicy.") }
        var classes: [String] = []
        var comparison = "exact"
        let contexts = root.childElements(named: "RequestedAuthnContext", namespace: SAMLNamespace.protocol)
        guard contexts.count <= 1 else { throw SAMLRequestError("malformed_request", "More than one RequestedAuthnContext.") }
        if let context = contexts.first {
            comparison = context.attribute("Comparison") ?? "exact"
            guard ["exact", "minimum", "maximum", "better"].contains(comparison) else {
                throw SAMLRequestError("malformed_request", "RequestedAuthnContext has an unknown Comparison.")
            }
            for reference in context.childElements(named: "AuthnContextClassRef", namespace: SAMLNamespace.assertion) {
                guard let text = try? reference.text() else { throw SAMLRequestError("malformed_request", "AuthnContextClassRef is not text.") }
                classes.append(text.trimmingSpaces)
            }
        }
        return AuthnRequestMessage(
            header: header, acsURL: acsURL, acsIndex: index, protocolBinding: root.attribute("ProtocolBinding"),
            forceAuthn: try boolean(root, "ForceAuthn"), isPassive: try boolean(root, "IsPassive"),
            nameIDFormat: policies.first?.attribute("Format"), requestedClasses: classes, comparison: comparison)
    }

    /// xs:boolean: true, false, 1 or 0 (absent: false).
    static func boolean(_ element: XMLElement, _ name: String) throws(SAMLRequestError) -> Bool {
        switch element.attribute(name) {
        case nil, "false", "0": return false
        case "true", "1": return true
        default: throw SAMLRequestError("malformed_request", "\(name) is not a boolean.")
        }
    }

    /// Whether the SP asks for a multi-factor sign-in (the REFEDS MFA class, exact or minimum).
    var wantsMultiFactor: Bool {
        (comparison == "exact" || comparison == "minimum") && requestedClasses.contains(SAMLAuthnContextClass.multiFactor)
    }
}
