import Crypto
import Store

/// The claims a set of granted scopes releases about a user (OIDC Core §5.4), plus custom
/// scope mappings. Used for the ID token and for userinfo, so both always agree.
struct ClaimsBuilder: Sendable {
    let provider: OIDCProvider

    static let standardScopes: Set<String> = ["openid", "email", "profile", "groups", "offline_access"]

    static func subject(for user: User, client: OAuthClient) -> String {
        switch client.subjectMode {
        case .hashedUserID:
            // Per client, so two applications cannot join their data on `sub`.
            return Hex.encode(Digest.sha256("gatehouse/oidc/sub/v1:" + user.id.rawValue + ":" + client.clientID))
        case .username: return user.username
        case .email:
            // Only an address nobody has disowned: an unverified upstream address could name someone else.
            guard let email = user.email, attribute(user, "email_verified") != .bool(false) else { return user.id.rawValue }
            return email
        case .uuid: return user.id.rawValue
        }
    }

    func claims(user: User, client: OAuthClient, scopes: [String]) throws -> [String: JSONValue] {
        var out: [String: JSONValue] = ["sub": .string(Self.subject(for: user, client: client))]
        // Parsed once for the claims below, not once per claim.
        let attributes = JSONValue.parse(user.attributes.text)?.objectValue ?? [:]
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
            // the user, so they count as verified unless an attribute says otherwise.
            out["email_verified"] = .bool(attributes["email_verified"] != .bool(false))
        }
        if granted.contains("profile") {
            out["name"] = .string(user.name.isEmpty ? user.username : user.name)
            out["preferred_username"] = .string(user.username)
            out["nickname"] = .string(user.username)
            if case .string(let given)? = attributes["given_name"] {
                out["given_name"] = .string(given)
            } else {
                out["given_name"] = .string(user.name.isEmpty ? user.username : user.name)
            }
            if case .string(let family)? = attributes["family_name"] { out["family_name"] = .string(family) }
            out["groups"] = .strings(try groupNames())
        }
        if granted.contains("groups") { out["groups"] = .strings(try groupNames()) }
        for mapping in client.scopeMappings where granted.contains(mapping.scopeName) {
            do {
                let extra = try provider.scopeClaims.claims(of: mapping, user: user, groups: try groupNames(),
                                                             client: client, scopes: scopes)
                for (key, value) in extra where !Self.protectedClaims.contains(key) { out[key] = value }
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
        guard case .object(let members)? = JSONValue.parse(user.attributes.text) else { return nil }
        return members[key]
    }
}
