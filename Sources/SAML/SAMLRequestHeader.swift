import Store
import XMLSec

/// What every request (RequestAbstractType, core §3.2.1) carries, read and checked the same
/// way for AuthnRequest and LogoutRequest.
struct SAMLRequestHeader: Equatable {
    let id: String
    let issueInstant: Timestamp
    let destination: String?
    let issuer: String?

    /// How long after its IssueInstant a request is accepted (plus skew). Replay records are
    /// kept this long, so losing nothing opens a window wider than the request's own validity.
    static let validitySeconds: Int64 = 300

    /// Reads the header of `root`, which must be `samlp:<name>`.
    static func read(_ root: XMLElement, expecting name: String) throws(SAMLRequestError) -> SAMLRequestHeader {
        guard root.isNamed(name, namespace: SAMLNamespace.protocol) else {
            throw SAMLRequestError("wrong_message", "Expected a samlp:\(name), got \(root.localName).")
        }
        // Core §3.2.2.3: a request of another major version gets VersionMismatch; we have no
        // trusted place to send it before the request is verified, so it is refused here.
        guard root.attribute("Version") == "2.0" else {
            throw SAMLRequestError("version_mismatch", "Only SAML 2.0 requests are accepted.")
        }
        guard let id = root.attribute("ID"), !id.isEmpty, id.utf8.count <= 256 else {
            throw SAMLRequestError("malformed_request", "The request has no usable ID.")
        }
        guard let instantText = root.attribute("IssueInstant"), let instant = SAMLTime.parse(instantText) else {
            throw SAMLRequestError("malformed_request", "The request has no valid IssueInstant.")
        }
        let issuers = root.childElements(named: "Issuer", namespace: SAMLNamespace.assertion)
        guard issuers.count <= 1 else { throw SAMLRequestError("malformed_request", "The request has more than one Issuer.") }
        var issuer: String?
        if let element = issuers.first {
            // Core §3.2.1: the Issuer's Format, if any, must be the entity format.
            if let format = element.attribute("Format"), format != "urn:oasis:names:tc:SAML:2.0:nameid-format:entity" {
                throw SAMLRequestError("malformed_request", "The Issuer is not an entity ID.")
            }
            do { issuer = try element.text().trimmingSpaces } catch {
                throw SAMLRequestError("malformed_request", "The Issuer is not plain text.")
            }
        }
        return SAMLRequestHeader(id: id, issueInstant: instant, destination: root.attribute("Destination"), issuer: issuer)
    }

    /// The request is from `provider`, meant for `endpoint`, and fresh at `now`.
    func check(for provider: SAMLServiceProvider, endpoint: String, signed: Bool, now: Timestamp) throws(SAMLRequestError) {
        if let issuer, issuer != provider.audience {
            throw SAMLRequestError("unknown_issuer", "The request's Issuer is not this application's service provider.")
        }
        // Bindings §3.4.5.2 and §3.5.5.2: "If the message is signed, the Destination XML
        // attribute in the root SAML element of the protocol message MUST contain the URL to
        // which the sender has instructed the user agent to deliver the message. The recipient
        // MUST then verify that the value matches the location at which the message has been
        // received." An unsigned request that names another place is refused as well.
        if let destination {
            guard destination == endpoint else {
                throw SAMLRequestError("wrong_destination", "The request was meant for another endpoint.")
            }
        } else if signed {
            throw SAMLRequestError("wrong_destination", "A signed request must name its Destination.")
        }
        let age = now.microsecondsSince1970 - issueInstant.microsecondsSince1970
        guard age <= (Self.validitySeconds + SAMLTime.skewSeconds) * 1_000_000 else {
            throw SAMLRequestError("expired", "The request has expired; start again from the application.")
        }
        guard age >= -SAMLTime.skewSeconds * 1_000_000 else {
            throw SAMLRequestError("not_yet_valid", "The request was issued in the future; check the clocks.")
        }
    }

    /// Until when the ID must be remembered: as long as the request could still be accepted.
    var replayHorizon: Timestamp { issueInstant.adding(seconds: Self.validitySeconds + 2 * SAMLTime.skewSeconds) }
}

extension String {
    /// Without leading and trailing XML whitespace (space, tab, CR, LF).
    var trimmingSpaces: String {
        var view = Substring(self)
        let spaces: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        while let first = view.first, spaces.contains(first) { view = view.dropFirst() }
        while let last = view.last, spaces.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
