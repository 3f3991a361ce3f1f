import Store

/// `policies` (migration 2): the kind in a column, every other field in `config`.
struct PostgresPolicyRecords: PolicyRecords {
    let runner: PGStoreRunner

    func policy(named name: String) throws(StoreError) -> StoredPolicy? {
        let result = try runner.read {
            try $0.query("SELECT kind, config::text AS config FROM policies WHERE name = $1", [.text(name)])
        }
        guard !result.rows.isEmpty, let kind = result.value(0, "kind") else { return nil }
        return StoredPolicy(name: name, kind: kind, config: JSONText(result.value(0, "config") ?? "{}"))
    }

    func createPolicy(_ policy: StoredPolicy) throws(StoreError) {
        try runner.write(conflict: "name") {
            try $0.query("INSERT INTO policies (name, kind, config) VALUES ($1, $2, $3)",
                         [.text(policy.name), .text(policy.kind), .jsonb(policy.config.text)])
        }
    }

    func updatePolicy(_ policy: StoredPolicy) throws(StoreError) {
        try runner.write {
            try $0.query("UPDATE policies SET kind = $2, config = $3, updated_at = now() WHERE name = $1",
                         [.text(policy.name), .text(policy.kind), .jsonb(policy.config.text)])
        }
    }

    func applicationSlugs(binding name: String) throws(StoreError) -> [String] {
        try runner.read {
            try $0.query("""
                SELECT a.slug FROM policy_bindings b JOIN policies p ON p.id = b.policy_id
                JOIN applications a ON b.target_kind = 'application' AND a.id = b.target_id WHERE p.name = $1 ORDER BY a.slug
                """, [.text(name)])
        }.rows.compactMap { $0.first ?? nil }
    }

    func deletePolicy(named name: String) throws(StoreError) -> Bool {
        try runner.write { try $0.query("DELETE FROM policies WHERE name = $1", [.text(name)]) }.affectedRows == 1
    }
}
