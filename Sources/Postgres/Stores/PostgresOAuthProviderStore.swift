public import Store

/// `OAuthProviderStore` on PostgreSQL: `providers` of kind `oauth2`, `applications` (migration 2),
/// `application_groups` and `scope_mappings` (migration 4), read in one read-only repeatable-read
/// transaction so the three reads agree.
public struct PostgresOAuthProviderStore: OAuthProviderStore {
    /// The `providers.kind` of OAuth2/OIDC clients.
    static let kind = "oauth2"

    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    public func oauthProviderCatalog() throws(StoreError) -> OAuthProviderCatalog {
        let (providers, groups, mappings) = try runner.read { connection in
            try connection.transaction(isolation: .repeatableRead, readOnly: true) { connection in
                (try connection.query("""
                    SELECT p.id::text AS id, p.name, p.client_id, p.config::text AS config,
                           p.secrets->>'client_secret' AS secret, a.id::text AS application_id, a.slug,
                           a.name AS application_name, a.launch_url
                    FROM providers p LEFT JOIN applications a ON a.provider_id = p.id
                    WHERE p.kind = $1 AND p.client_id IS NOT NULL
                    """, [.text(Self.kind)]),
                 try connection.query("""
                    SELECT ag.application_id::text AS application_id, g.name
                    FROM application_groups ag JOIN groups g ON g.id = ag.group_id ORDER BY g.name
                    """),
                 try connection.query("SELECT name, scope_name, description, expression FROM scope_mappings ORDER BY name"))
            }
        }
        var groupNames: [String: [String]] = [:]
        for row in groups.rows.indices {
            guard let application = groups.value(row, "application_id"), let name = groups.value(row, "name") else { continue }
            groupNames[application, default: []].append(name)
        }
        var entries: [OAuthProviderCatalog.Entry] = []
        for row in providers.rows.indices {
            guard let id = providers.value(row, "id"), let name = providers.value(row, "name"),
                  let clientID = providers.value(row, "client_id"), let config = providers.value(row, "config") else { continue }
            var application: OAuthApplication?
            if let applicationID = providers.value(row, "application_id"), let slug = providers.value(row, "slug") {
                application = OAuthApplication(slug: slug, name: providers.value(row, "application_name") ?? slug,
                                               launchURL: providers.value(row, "launch_url"),
                                               groups: groupNames[applicationID] ?? [])
            }
            entries.append(OAuthProviderCatalog.Entry(
                provider: StoredOAuthProvider(id: id, name: name, clientID: clientID, config: JSONText(config),
                                              sealedClientSecret: providers.value(row, "secret")),
                application: application))
        }
        return OAuthProviderCatalog(entries: entries, scopeMappings: mappings.rows.indices.compactMap { row in
            guard let name = mappings.value(row, "name"), let scope = mappings.value(row, "scope_name"),
                  let expression = mappings.value(row, "expression") else { return nil }
            return OAuthScopeMapping(name: name, scopeName: scope, description: mappings.value(row, "description") ?? "",
                                     expression: expression)
        })
    }
}
