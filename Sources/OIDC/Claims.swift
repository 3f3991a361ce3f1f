import Crypto
import Expressions
import Identity
import JSON
import Store

/// The claims a set of granted scopes releases about a user (OIDC Core §5.4), plus custom
/// scope mappings. Used for the ID token and for userinfo, so both always agree.
struct ClaimsBuilder: Sendable {
    let provider: OIDCProvider

    static let standardScopes: Set<String> = ["openid", "email", "profile", "groups", "offline_access"]

    /// `sub` (OIDC Core §2: unique within the issuer, never reassigned). In `user_email` mode
    /// it is the address only while it is a verified address that no other account holds. In
    /// `user_email` and `user_username` modes a subject, once issued, stays its first account's
    /// for good (`holdSubject`): an address or username freed and taken by someone else gives
    /// the newcomer their account id instead.
    func subject(for user: User, client: OAuthClient) throws -> String {
        switch client.subjectMode {
        case .hashedUserID:
            // Per client, so two applications cannot join their data on `sub`.
            return Hex.encode(Digest.sha256("gatehouse/oidc/sub/v1:" + user.id.rawValue + ":" + client.clientID))
        case .username: return try held(user.username, user: user, client: client)
        case .email: return try held(try verifiedEmail(of: user) ?? user.id.rawValue, user: user, client: client)
        case .uuid: return user.id.rawValue
        }
    }

    /// `candidate` when it is (now) this account's subject at the client, else the account id
    /// (reserved the same way: a username that looks like someone's id cannot take theirs).
    private func held(_ candidate: String, user: User, client: OAuthClient) throws -> String {
        if try provider.grants.holdSubject(clientID: client.clientID, subject: candidate, userID: user.id) { return candidate }
        guard try provider.grants.holdSubject(clientID: client.clientID, subject: user.id.rawValue, userID: user.id) else {
            throw OAuthError(.serverError, "no subject can be issued for this account")
        }
        return user.id.rawValue
    }

    /// The user's address when it may be vouched for: not disowned by an upstream
    /// (`email_verified: false`), and held by no other account (new clashes are refused when
    /// accounts are written; this catches ones older than that rule).
    func verifiedEmail(of user: User, attributes: JSONObject? = nil) throws -> String? {
        guard let email = user.email, !email.isEmpty else { return nil }
        let attributes = attributes ?? user.attributes.object
        guard attributes["email_verified"] != .bool(false) else { return nil }
        guard try provider.users.users(email: email).allSatisfy({ $0.id == user.id }) else { return nil }
        return email
    }

    func claims(user: User, client: OAuthClient, scopes: [String]) throws -> JSONObject {
        // Parsed once for the claims below, not once per claim.
        let attributes = user.attributes.object
        var out: JSONObject = ["sub": .string(try subject(for: user, client: client))]
        let granted = Set(scopes)
        var groups: [String]?
        func groupNames() throws -> [String] {
            if let groups { return groups }
            let names = try provider.users.groups(ofUser: user.id).map(\.name).sorted()
            groups = names
            return names
        }
        if granted.contains("email"), let email = user.email, !email.isEmpty {
            out["email"] = .string(email)
            // Addresses come from the administrator, SCIM or the upstream directory, not from
            // the user, so they count as verified unless an attribute says otherwise, or
            // another account holds the same address.
            out["email_verified"] = .bool(try verifiedEmail(of: user, attributes: attributes) != nil)
        }
        if granted.contains("profile") {
            out["name"] = .string(user.name.isEmpty ? user.username : user.name)
            out["preferred_username"] = .string(user.username)
            out["nickname"] = .string(user.username)
            // Only a given name someone actually gave (SCIM `name.givenName`, the upstream's
            // `given_name`): the full name in `given_name` misleads applications that greet by it.
            if case .string(let given)? = attributes["given_name"], !given.isEmpty { out["given_name"] = .string(given) }
            if case .string(let family)? = attributes["family_name"] { out["family_name"] = .string(family) }
            out["groups"] = .strings(try groupNames())
        }
        if granted.contains("groups") { out["groups"] = .strings(try groupNames()) }
        for mapping in client.scopeMappings where granted.contains(mapping.scopeName) {
            do {
                let context = MappingContext(user: user, groups: try groupNames(), application: client.application, extra: [
                    "scopes": .list(scopes.map { .string($0) }), "client_id": .string(client.clientID)])
                guard case .map(let extra) = try provider.mapper.evaluate(mapping.expression, context) else {
                    throw ScopeMappingNotAMap()
                }
                for (key, value) in extra where !Self.protectedClaims.contains(key) { out[key] = JSONValue(value) }
            } catch {
                provider.log("scope mapping \(mapping.name) failed for client \(client.clientID): \(error)")
            }
        }
        return out
    }

    /// Claims a scope mapping may not override: the ones that say who issued what to whom.
    static let protectedClaims: Set<String> = [
        "iss", "sub", "aud", "azp", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "at_hash", "c_hash",
        "acr", "amr", "sid", "client_id", "scope", "typ",
    ]

    static func attribute(_ user: User, _ key: String) -> JSONValue? {
        user.attributes.value?[key]
    }
}

/// A scope mapping must yield a map of claims.
struct ScopeMappingNotAMap: Error, CustomStringConvertible {
    var description: String { "the expression must return a map of claims" }
}
