import JSON
import Store

/// An `id_token_hint` (OIDC Core §3.1.2.1, RP-Initiated Logout §2): an ID token we signed for
/// this client. Expired hints are fine (the specifications expect them); our key, an ID token
/// (not an access token) and this client as audience are not optional.
struct IDTokenHint: Sendable {
    /// The `sub` the hint names (as this client sees it).
    let subject: String?
    /// The session id (`sid`) the hint carries.
    let sessionID: String?

    static let refusal = "id_token_hint is not an ID token this application received from Gatehouse."

    static func verify(_ hint: String, provider: OIDCProvider, client: OAuthClient, slug: String) throws(OAuthError) -> IDTokenHint {
        // An ID token, not an access token: whoever holds a user's access token (any resource
        // server) must not be able to act on the user's session with it.
        guard hint.utf8.count <= 8192, let verified = try? provider.keys.verify(hint),
              verified.type?.lowercased() != "at+jwt", verified.type?.lowercased() != "application/at+jwt",
              let claims = try? JSONObject(parsing: verified.payloadJSON),
              claims["iss"]?.stringValue == provider.issuer(slug: slug),
              audience(claims["aud"], contains: client.clientID) else {
            throw OAuthError.invalidRequest(refusal)
        }
        return IDTokenHint(subject: claims["sub"]?.stringValue, sessionID: claims["sid"]?.stringValue)
    }

    static func audience(_ value: JSONValue?, contains clientID: String) -> Bool {
        switch value {
        case .string(let aud)?: return aud == clientID
        case .array(let list)?: return list.contains(.string(clientID))
        default: return false
        }
    }
}
