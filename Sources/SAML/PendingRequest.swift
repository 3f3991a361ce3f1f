import Crypto
import HTTP
import Store
import Web

/// An accepted request waiting for the browser to sign in, step up, or (POST binding) simply
/// come back with its cookie: a cross-site POST carries no `SameSite=Lax` cookie, so a posted
/// request is checked, then continued by a GET on our own site. Sealed with a key derived from
/// the master key and bound to the application, so the browser can neither read nor change it.
struct PendingRequest: Equatable {
    enum Kind: String { case authn, logout }

    let kind: Kind
    let slug: String
    let requestID: String
    /// Authn: the registered ACS URL chosen. Logout: unused.
    let acsURL: String
    let relayState: String?
    let forceAuthn: Bool
    let isPassive: Bool
    let wantsMultiFactor: Bool
    let nameIDFormat: String?
    /// Logout: the NameID and SessionIndexes the SP named.
    let nameID: String?
    let sessionIndexes: [String]
    let createdAt: Timestamp

    /// Long enough to sign in and pass an MFA check.
    static let lifetimeSeconds: Int64 = 900

    func sealed(with sealer: SecretSealer) -> String {
        var pairs: [(String, String)] = [("k", kind.rawValue), ("id", requestID), ("acs", acsURL),
                                         ("f", forceAuthn ? "1" : "0"), ("p", isPassive ? "1" : "0"),
                                         ("m", wantsMultiFactor ? "1" : "0"), ("t", String(createdAt.microsecondsSince1970))]
        if let relayState { pairs.append(("rs", relayState)) }
        if let nameIDFormat { pairs.append(("nf", nameIDFormat)) }
        if let nameID { pairs.append(("n", nameID)) }
        for index in sessionIndexes { pairs.append(("si", index)) }
        return sealer.seal(PercentEncoding.query(pairs), context: Self.context(slug))
    }

    static func open(_ sealed: String, slug: String, with sealer: SecretSealer, now: Timestamp) throws(SAMLRequestError) -> PendingRequest {
        let invalid = SAMLRequestError("invalid_continuation", "This sign-in link is not valid; start again from the application.")
        guard sealed.utf8.count <= 4096, let text = try? sealer.openString(sealed, context: context(slug)),
              let form = try? FormData.parse(text), let kind = form["k"].flatMap(Kind.init(rawValue:)),
              let id = form["id"], let acs = form["acs"], let created = form["t"].flatMap(Int64.init)
        else { throw invalid }
        let createdAt = Timestamp(microsecondsSince1970: created)
        guard now.microsecondsSince1970 - created <= lifetimeSeconds * 1_000_000 else {
            throw SAMLRequestError("expired", "This sign-in took too long; start again from the application.")
        }
        return PendingRequest(kind: kind, slug: slug, requestID: id, acsURL: acs, relayState: form["rs"],
                              forceAuthn: form["f"] == "1", isPassive: form["p"] == "1", wantsMultiFactor: form["m"] == "1",
                              nameIDFormat: form["nf"], nameID: form["n"], sessionIndexes: form.values("si"),
                              createdAt: createdAt)
    }

    private static func context(_ slug: String) -> String { "gatehouse/saml/pending/v1/" + slug }
}
