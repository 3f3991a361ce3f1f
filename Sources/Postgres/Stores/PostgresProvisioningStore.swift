public import Store

/// `ProvisioningStore` on PostgreSQL. Provisioning sources are `sources` rows of kind `scim`
/// (their token's hex SHA-256 in `secrets.token_sha256`); `users`, `groups` and
/// `group_memberships` hold what the rest of Gatehouse reads, and `scim_resources` (migration 5)
/// which source owns which user or group, its external id and the document as sent. Changes
/// lock the rows they rewrite (`FOR UPDATE`) inside their one transaction.
public struct PostgresProvisioningStore: ProvisioningStore {
    let runner: PGStoreRunner

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    /// A store whose every call runs on `connection`, inside the transaction open there (see
    /// `PGPool.transaction`); use it only while you hold that connection.
    public init(connection: PGConnection) { runner = PGStoreRunner(connection: connection) }

    public func source(slug: String) throws(StoreError) -> ProvisioningSource? {
        let result = try runner.read { connection in
            try connection.query("""
                SELECT id::text AS id, slug, name, coalesce((config->>'purge_on_delete')::boolean, false) AS purge,
                       secrets->>'token_sha256' AS token
                FROM sources WHERE slug = $1 AND kind = 'scim' AND enabled
                """, [.text(slug)])
        }
        guard !result.rows.isEmpty else { return nil }
        return ProvisioningSource(id: try result.text(0, "id"), slug: try result.text(0, "slug"), name: try result.text(0, "name"),
                                  purgeOnDelete: try result.bool(0, "purge"),
                                  tokenSHA256: result.value(0, "token").flatMap(ProvisioningHex.decode))
    }

    public func replaceToken(ofSource slug: String, sha256: [UInt8], audit: ProvisioningAudit) throws(StoreError) -> Bool {
        try runner.transaction { connection in
            let result = try connection.query("""
                UPDATE sources SET secrets = secrets || jsonb_build_object('token_sha256', $2::text), updated_at = now()
                WHERE slug = $1 AND kind = 'scim'
                """, [.text(slug), .text(ProvisioningHex.encode(sha256))])
            guard result.affectedRows == 1 else { return false }
            try Self.append(audit, source: slug, on: connection)
            return true
        }
    }

    /// Appends the change's event: the actor is the user changed, if any.
    static func append(_ audit: ProvisioningAudit, source slug: String, user: String? = nil, group: String? = nil,
                       on connection: PGConnection) throws {
        var context = "{\"source\":" + JSONText.quoted(slug)
        if let user { context += ",\"user_id\":" + JSONText.quoted(user) }
        if let group { context += ",\"group_id\":" + JSONText.quoted(group) }
        context += "}"
        try connection.query("""
            INSERT INTO events (actor_user_id, action, outcome, context) VALUES ($1, $2, 'success', $3::jsonb || $4::jsonb)
            """, [user.map(PGValue.uuid), .text(audit.action), .jsonb(context), .jsonb(audit.details.text)])
    }

    /// The user inactive, every session ended and every code and refresh token revoked, in the caller's transaction.
    static func deactivate(_ id: String, on connection: PGConnection) throws {
        try connection.query("""
            UPDATE users SET is_active = false, deactivated_at = coalesce(deactivated_at, now()), updated_at = now() WHERE id = $1
            """, [.uuid(id)])
        try connection.query("DELETE FROM sessions WHERE user_id = $1", [.uuid(id)])
        try connection.query("UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", [.uuid(id)])
    }

    /// Runs a lock-and-update: a refusal of `change` rolls the transaction back and comes out
    /// as `.refused`, anything else as `.store`.
    func update<T, Refusal: Error>(conflict field: String,
                                   _ body: (PGConnection, _ refuse: (Refusal) -> StoreError) throws -> T) throws(ProvisioningFailure<Refusal>) -> T {
        var refusal: Refusal?
        do {
            return try runner.transaction(conflict: field) { connection in
                try body(connection) { error in
                    refusal = error
                    return StoreError.invalid("the change was refused")
                }
            }
        } catch {
            if let refusal { throw .refused(refusal) }
            throw .store(error)
        }
    }

    /// The lower-case text of a UUID, or nil: nothing else may reach a `uuid` cast.
    static func uuid(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (i, b) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return nil }
            } else {
                guard (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70) else { return nil }
            }
        }
        return text.lowercased()
    }

    /// `uuid[]` literal for `= ANY($n::uuid[])`; callers pass only checked UUIDs.
    static func uuidArray(_ ids: [String]) -> PGValue { .text("{" + ids.joined(separator: ",") + "}") }
}

/// The token digest's stored spelling (lower-case hex; read in either case).
enum ProvisioningHex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
