import Blueprints
import Crypto
import Store

/// How an `oauth2-provider` is kept in `providers` (kind `oauth2`): `client_id` has a column of
/// its own; the other blueprint attributes sit in `config` under their blueprint names, with
/// their blueprint values (durations as written, e.g. `minutes=1`); the client secret is sealed
/// in `secrets.client_secret` (context `providers/<id>/client_secret`).
enum OAuthProviderConfig {
    static let secretKey = "client_secret"

    /// What an attribute left out of the blueprint is when the provider is created.
    static let defaults: [String: FieldValue] = [
        "signing_alg": .string("RS256"),
        "scopes": .list(["openid", "email", "profile"].map(FieldValue.string)),
        "sub_mode": .string(OAuthSubjectMode.hashedUserID.rawValue),
        "consent_mode": .string(OAuthConsentMode.implicit.rawValue),
        "access_code_validity": .string("minutes=1"),
        "access_token_validity": .string("hours=1"),
        "refresh_token_validity": .string("days=30"),
        "allow_plain_pkce": .bool(false),
    ]

    static func defaultServiceAccount(clientID: String) -> String { "svc-" + clientID }

    /// Seconds in a blueprint duration (`days=30;hours=12`); nil when malformed or absurdly long.
    static func seconds(_ duration: String) -> Int? {
        let units: [Substring: Int] = ["weeks": 604_800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1]
        var total = 0
        for part in duration.split(separator: ";", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2, let unit = units[pair[0]], let count = Int(pair[1]), count >= 0,
                  count <= 100_000_000 / unit else { return nil }
            total += count * unit
        }
        return total <= 100_000_000 ? total : nil
    }

    /// The client described by one stored provider (and its application), or why it cannot be served.
    static func client(_ provider: StoredOAuthProvider, sealer: SecretSealer?, mappings: [OAuthScopeMapping],
                       application: OAuthApplication?) throws(StoreError) -> OAuthClient {
        let name = provider.name, clientID = provider.clientID
        func bad(_ why: String) -> StoreError { .invalid("oauth2-provider \(name): \(why)") }
        guard case .map(var fields)? = AttributesJSON.decode(provider.config.text) else { throw bad("config is not a JSON object") }
        for (key, value) in defaults where fields[key] == nil { fields[key] = value }
        func string(_ key: String) -> String? { fields[key]?.stringValue }
        func strings(_ key: String) -> [String] {
            guard case .list(let items)? = fields[key] else { return [] }
            return items.compactMap(\.stringValue)
        }
        func lifetime(_ key: String) throws(StoreError) -> Int {
            guard let text = string(key), let seconds = seconds(text), seconds > 0 else { throw bad("\(key) is not a duration") }
            return seconds
        }
        guard let type = string("client_type").flatMap(OAuthClientType.init(rawValue:)) else { throw bad("client_type is missing") }
        guard let subject = string("sub_mode").flatMap(OAuthSubjectMode.init(rawValue:)) else { throw bad("sub_mode is unknown") }
        guard let consent = string("consent_mode").flatMap(OAuthConsentMode.init(rawValue:)) else { throw bad("consent_mode is unknown") }
        var redirects: [OAuthRedirectURI] = []
        if case .list(let items)? = fields["redirect_uris"] {
            for item in items {
                guard case .map(let uri) = item, let url = uri["url"]?.stringValue,
                      let matching = uri["matching_mode"]?.stringValue.flatMap(OAuthRedirectURI.Matching.init(rawValue:)) else {
                    throw bad("a redirect URI is malformed")
                }
                redirects.append(OAuthRedirectURI(matching: matching, url: url))
            }
        }
        var secret: String?
        if type == .confidential {
            guard let sealedSecret = provider.sealedClientSecret else { throw bad("a confidential client has no client secret") }
            guard let sealer else { throw StoreError.unavailable("no master key to open the client secret of \(name)") }
            do {
                secret = try SealedColumns.open(sealedSecret, with: sealer, at: SealedColumns.providerSecrets,
                                                rowID: provider.id, field: secretKey)
            } catch {
                throw StoreError.unavailable("the client secret of oauth2-provider \(name) does not open: \(error)")
            }
        }
        let scopes = strings("scopes")
        let allowPlain: Bool = if case .bool(true)? = fields["allow_plain_pkce"] { true } else { false }
        var client = OAuthClient(
            providerName: name, clientID: clientID, clientType: type, clientSecret: secret, redirectURIs: redirects,
            signingAlgorithm: string("signing_alg") ?? "RS256", scopes: scopes,
            scopeMappings: mappings.filter { scopes.contains($0.scopeName) }, subjectMode: subject, consentMode: consent,
            codeLifetimeSeconds: try lifetime("access_code_validity"),
            accessTokenLifetimeSeconds: try lifetime("access_token_validity"),
            refreshTokenLifetimeSeconds: try lifetime("refresh_token_validity"), allowPlainPKCE: allowPlain,
            serviceAccountUsername: string("service_account") ?? defaultServiceAccount(clientID: clientID),
            application: application)
        client.jwtFederationSources = strings("jwt_federation_sources")
        client.jwtFederationSubjects = strings("jwt_federation_subjects")
        return client
    }
}
