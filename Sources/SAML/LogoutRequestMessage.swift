import Store
import XMLSec

/// A `samlp:LogoutRequest` (core §3.7.1) from a service provider.
struct LogoutRequestMessage: Equatable {
    let header: SAMLRequestHeader
    let nameID: String
    let sessionIndexes: [String]
    let notOnOrAfter: Timestamp?

    static func read(_ root: XMLElement) throws(SAMLRequestError) -> LogoutRequestMessage {
        let header = try SAMLRequestHeader.read(root, expecting: "LogoutRequest")
        // Profiles §4.4.4.1: "The <Issuer> element MUST be present".
        guard header.issuer != nil else { throw SAMLRequestError("malformed_request", "The LogoutRequest has no Issuer.") }
        let names = root.childElements(named: "NameID", namespace: SAMLNamespace.assertion)
        guard names.count == 1, let nameID = try? names[0].text() else {
            // An EncryptedID would need our decryption key; we never ask SPs to encrypt.
            throw SAMLRequestError("malformed_request", "The LogoutRequest must carry one plain NameID.")
        }
        var indexes: [String] = []
        for element in root.childElements(named: "SessionIndex", namespace: SAMLNamespace.protocol) {
            guard let text = try? element.text() else { throw SAMLRequestError("malformed_request", "SessionIndex is not text.") }
            indexes.append(text.trimmingSpaces)
        }
        var notOnOrAfter: Timestamp?
        if let text = root.attribute("NotOnOrAfter") {
            guard let time = SAMLTime.parse(text) else { throw SAMLRequestError("malformed_request", "NotOnOrAfter is not a time.") }
            notOnOrAfter = time
        }
        return LogoutRequestMessage(header: header, nameID: nameID.trimmingSpaces, sessionIndexes: indexes,
                                    notOnOrAfter: notOnOrAfter)
    }
}
