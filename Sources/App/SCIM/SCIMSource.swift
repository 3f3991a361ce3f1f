import Crypto
public import Postgres

/// A SCIM source: a `sources` row of kind `scim` (blueprint model `scim-source`). Its bearer
/// token is stored only as the hex SHA-256 (`secrets.token_sha256`): the token is 256 random
/// bits, so a fast hash is enough, and a database leak yields no usable token.
public struct SCIMSource: Sendable, Hashable {
    public let id: String
    public let slug: String
    public let name: String
    /// DELETE removes the user (instead of deactivating and marking it deleted).
    public let purgeOnDelete: Bool
    let tokenHash: [UInt8]?

    public static let kind = "scim"

    /// The enabled source `slug`, or nil.
    static func load(slug: String, on connection: PGConnection) throws -> SCIMSource? {
        let result = try connection.query("""
            SELECT id::text, slug, name, coalesce((config->>'purge_on_delete')::boolean, false)::text,
                   secrets->>'token_sha256'
            FROM sources WHERE slug = $1 AND kind = 'scim' AND enabled
            """, [.text(slug)])
        guard let row = result.rows.first, let id = row[0], let slug = row[1], let name = row[2] else { return nil }
        return SCIMSource(id: id, slug: slug, name: name, purgeOnDelete: row[3] == "true",
                          tokenHash: row[4].flatMap(Hex.decode))
    }

    /// Whether `token` is this source's (constant time; a source without a token accepts none).
    func accepts(token: String) -> Bool {
        guard let tokenHash, tokenHash.count == 32 else { return false }
        return constantTimeEquals(Digest.sha256(token), tokenHash)
    }

    /// The stored form of a token.
    public static func tokenDigest(_ token: String) -> String { Hex.encode(Digest.sha256(token)) }

    /// A fresh token for the source `slug`; only its hash is stored. Throws when no SCIM source has that slug.
    public static func issueToken(slug: String, pool: PGPool) throws -> String {
        let token = SecureRandom.token(byteCount: 32)
        let updated = try pool.transaction { connection in
            let result = try connection.query("""
                UPDATE sources SET secrets = secrets || jsonb_build_object('token_sha256', $2::text), updated_at = now()
                WHERE slug = $1 AND kind = 'scim'
                """, [.text(slug), .text(tokenDigest(token))])
            if result.affectedRows == 1 {
                try connection.query("""
                    INSERT INTO events (action, outcome, context) VALUES ('scim.token_issued', 'success',
                        jsonb_build_object('source', $1::text, 'via', 'cli'))
                    """, [.text(slug)])
            }
            return result.affectedRows == 1
        }
        guard updated else { throw SCIMSourceError("no SCIM source with slug \(slug)") }
        return token
    }
}

public struct SCIMSourceError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
