import Store

/// `scope_mappings` (migration 4).
struct PostgresScopeMappingRecords: ScopeMappingRecords {
    let runner: PGStoreRunner

    func scopeMapping(named name: String) throws(StoreError) -> OAuthScopeMapping? {
        let result = try runner.read {
            try $0.query("SELECT scope_name, description, expression FROM scope_mappings WHERE name = $1", [.text(name)])
        }
        guard !result.rows.isEmpty else { return nil }
        return OAuthScopeMapping(name: name, scopeName: try result.text(0, "scope_name"),
                                 description: try result.text(0, "description"), expression: try result.text(0, "expression"))
    }

    func createScopeMapping(_ mapping: OAuthScopeMapping) throws(StoreError) {
        try runner.write(conflict: "name") {
            try $0.query("INSERT INTO scope_mappings (name, scope_name, description, expression) VALUES ($1, $2, $3, $4)",
                         [.text(mapping.name), .text(mapping.scopeName), .text(mapping.description), .text(mapping.expression)])
        }
    }

    func updateScopeMapping(named name: String, scopeName: String?, description: String?, expression: String?) throws(StoreError) {
        let result = try runner.write {
            try $0.query("""
                UPDATE scope_mappings SET scope_name = coalesce($2, scope_name), description = coalesce($3, description),
                                          expression = coalesce($4, expression), updated_at = now()
                WHERE name = $1
                """, [.text(name), scopeName.map(PGValue.text), description.map(PGValue.text), expression.map(PGValue.text)])
        }
        guard result.affectedRows == 1 else { throw .notFound("scope-mapping \(name)") }
    }

    func deleteScopeMapping(named name: String) throws(StoreError) -> Bool {
        try runner.write { try $0.query("DELETE FROM scope_mappings WHERE name = $1", [.text(name)]) }.affectedRows == 1
    }
}

/// `providers` of kind `oauth2` (migrations 2 and 4); the client secret sealed in `secrets.client_secret`.
struct PostgresOAuthProviderRecords: OAuthProviderRecords {
    let runner: PGStoreRunner
    var kind: PGValue { .text(PostgresOAuthProviderStore.kind) }

    func provider(named name: String) throws(StoreError) -> StoredOAuthProvider? {
        let result = try runner.read {
            try $0.query("""
                SELECT id::text AS id, client_id, config::text AS config, secrets->>'client_secret' AS secret
                FROM providers WHERE name = $1 AND kind = $2
                """, [.text(name), kind])
        }
        guard !result.rows.isEmpty else { return nil }
        return StoredOAuthProvider(id: try result.text(0, "id"), name: name, clientID: result.value(0, "client_id") ?? "",
                                   config: JSONText(try result.text(0, "config")), sealedClientSecret: result.value(0, "secret"))
    }

    func providerName(usingClientID clientID: String, except name: String) throws(StoreError) -> String? {
        try runner.read {
            try $0.query("SELECT name FROM providers WHERE client_id = $1 AND name <> $2", [.text(clientID), .text(name)]).scalar
        }
    }

    func newProviderID() throws(StoreError) -> String { try newRowID(runner) }

    func createProvider(_ provider: StoredOAuthProvider) throws(StoreError) {
        let secrets = provider.sealedClientSecret.map { "{\"client_secret\":" + JSONText.quoted($0) + "}" } ?? "{}"
        try runner.write(conflict: "name") {
            try $0.query("INSERT INTO providers (id, name, kind, client_id, config, secrets) VALUES ($1, $2, $3, $4, $5, $6)",
                         [.uuid(provider.id), .text(provider.name), kind, .text(provider.clientID), .jsonb(provider.config.text),
                          .jsonb(secrets)])
        }
    }

    func updateProvider(id: String, clientID: String, config: JSONText) throws(StoreError) {
        try runner.write {
            try $0.query("UPDATE providers SET client_id = $2, config = $3, updated_at = now() WHERE id = $1",
                         [.uuid(id), .text(clientID), .jsonb(config.text)])
        }
    }

    func setClientSecret(providerID: String, sealed: String?) throws(StoreError) {
        try runner.write { connection in
            if let sealed {
                try connection.query("""
                    UPDATE providers SET secrets = jsonb_set(secrets, '{client_secret}', to_jsonb($2::text)) WHERE id = $1
                    """, [.uuid(providerID), .text(sealed)])
            } else {
                try connection.query("UPDATE providers SET secrets = secrets - 'client_secret' WHERE id = $1", [.uuid(providerID)])
            }
        }
    }

    func deleteProvider(named name: String) throws(StoreError) {
        // Its codes and refresh tokens end with it; its application stays, without a provider.
        try runner.write {
            try $0.query("""
                WITH gone AS (DELETE FROM providers WHERE name = $1 AND kind = $2 RETURNING client_id)
                UPDATE tokens SET revoked_at = now() WHERE client_id IN (SELECT client_id FROM gone) AND revoked_at IS NULL
                """, [.text(name), kind])
        }
        guard try provider(named: name) == nil else { throw .unavailable("oauth2-provider was not deleted") }
    }
}

/// `applications` (migration 2), `application_groups` (migration 4) and the applications'
/// `policy_bindings` (migration 2: bindings name their target without a foreign key).
struct PostgresApplicationRecords: ApplicationRecords {
    let runner: PGStoreRunner

    func application(slug: String) throws(StoreError) -> StoredApplication? {
        let result = try runner.read {
            try $0.query("""
                SELECT a.id::text AS id, a.name, p.name AS provider, a.launch_url, a.meta::text AS meta
                FROM applications a LEFT JOIN providers p ON p.id = a.provider_id WHERE a.slug = $1
                """, [.text(slug)])
        }
        guard !result.rows.isEmpty else { return nil }
        return StoredApplication(id: try result.text(0, "id"), slug: slug, name: try result.text(0, "name"),
                                 providerName: result.value(0, "provider"), launchURL: result.value(0, "launch_url"),
                                 meta: JSONText(result.value(0, "meta") ?? "{}"))
    }

    func groupNames(ofApplication id: String) throws(StoreError) -> [String] {
        try runner.read {
            try $0.query("""
                SELECT g.name FROM application_groups ag JOIN groups g ON g.id = ag.group_id WHERE ag.application_id = $1
                """, [.uuid(id)])
        }.rows.compactMap { $0.first ?? nil }.sorted()
    }

    func applicationSlug(servedBy providerID: String, except slug: String) throws(StoreError) -> String? {
        try runner.read {
            try $0.query("SELECT slug FROM applications WHERE provider_id = $1 AND slug <> $2", [.uuid(providerID), .text(slug)]).scalar
        }
    }

    func createApplication(slug: String, name: String, providerID: String?, launchURL: String?) throws(StoreError) -> String {
        let inserted = try runner.write(conflict: "slug") {
            try $0.query("INSERT INTO applications (slug, name, provider_id, launch_url) VALUES ($1, $2, $3, $4) RETURNING id::text",
                         [.text(slug), .text(name), providerID.map(PGValue.uuid), launchURL.map(PGValue.text)])
        }
        guard let id = inserted.scalar else { throw .unavailable("no id") }
        return id
    }

    func setProvider(ofApplication id: String, to providerID: String) throws(StoreError) {
        try runner.write {
            try $0.query("UPDATE applications SET provider_id = $2, updated_at = now() WHERE id = $1", [.uuid(id), .uuid(providerID)])
        }
    }

    func updateApplication(id: String, name: String?, launchURL: String?) throws(StoreError) {
        try runner.write {
            try $0.query("""
                UPDATE applications SET name = coalesce($2, name), launch_url = coalesce($3, launch_url), updated_at = now()
                WHERE id = $1
                """, [.uuid(id), name.map(PGValue.text), launchURL.map(PGValue.text)])
        }
    }

    func addGroup(_ group: GroupID, toApplication id: String) throws(StoreError) {
        try runner.write {
            try $0.query("INSERT INTO application_groups (application_id, group_id) VALUES ($1, $2)", [.uuid(id), .uuid(group.rawValue)])
        }
    }

    func removeGroup(_ group: GroupID, fromApplication id: String) throws(StoreError) {
        try runner.write {
            try $0.query("DELETE FROM application_groups WHERE application_id = $1 AND group_id = $2",
                         [.uuid(id), .uuid(group.rawValue)])
        }
    }

    func mergeMeta(ofApplication id: String, _ patch: JSONText) throws(StoreError) {
        try runner.write {
            try $0.query("UPDATE applications SET meta = meta || $2::jsonb, updated_at = now() WHERE id = $1",
                         [.uuid(id), .jsonb(patch.text)])
        }
    }

    func policyBindings(ofApplication id: String) throws(StoreError) -> [StoredPolicyBinding] {
        let rows = try runner.read {
            try $0.query("""
                SELECT p.name, b.negate, b.failure_result FROM policy_bindings b JOIN policies p ON p.id = b.policy_id
                WHERE b.target_kind = 'application' AND b.target_id = $1 ORDER BY b.position
                """, [.uuid(id)])
        }
        return rows.rows.indices.map { row in
            StoredPolicyBinding(policyName: rows.value(row, "name") ?? "", negate: rows.value(row, "negate") == "t",
                                failureResult: rows.value(row, "failure_result") == "t")
        }
    }

    func removePolicyBindings(ofApplication id: String) throws(StoreError) {
        try runner.write {
            try $0.query("DELETE FROM policy_bindings WHERE target_kind = 'application' AND target_id = $1", [.uuid(id)])
        }
    }

    func addPolicyBinding(_ binding: StoredPolicyBinding, toApplication id: String, position: Int) throws(StoreError) {
        guard let policyID = try runner.read({
            try $0.query("SELECT id::text FROM policies WHERE name = $1", [.text(binding.policyName)]).scalar
        }) else {
            throw .notFound("policy \(binding.policyName)")
        }
        try runner.write {
            try $0.query("""
                INSERT INTO policy_bindings (policy_id, target_kind, target_id, position, negate, failure_result)
                VALUES ($1, 'application', $2, $3, $4, $5)
                """, [.uuid(policyID), .uuid(id), .int(position), .bool(binding.negate), .bool(binding.failureResult)])
        }
    }

    func deleteApplication(slug: String) throws(StoreError) -> Bool {
        try runner.write { connection in
            try connection.query("""
                DELETE FROM policy_bindings WHERE target_kind = 'application'
                  AND target_id IN (SELECT id FROM applications WHERE slug = $1)
                """, [.text(slug)])
            return try connection.query("DELETE FROM applications WHERE slug = $1", [.text(slug)]).affectedRows == 1
        }
    }
}
