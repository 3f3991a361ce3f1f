public import Store

/// `OAuthGrantStore` on PostgreSQL (migration 4).
///
/// Codes (`kind 'code'`) and refresh tokens (`kind 'refresh'`) are rows of `tokens`, found by
/// the 32-byte hash the caller gives; `family_id` is the grant id, which must therefore be a
/// UUID. What has no column of its own (redirect URI, nonce, PKCE challenge, auth time and
/// methods, acr, sid) sits in `data`. `used_at` marks a spent code or a rotated refresh token;
/// `revoked_at` a revoked one. Revoked grants and access tokens are rows of
/// `oauth_revocations` (`grant:<id>`, `jti:<jti>`).
public struct PostgresOAuthGrantStore: OAuthGrantStore {
    let runner: PGStoreRunner

    /// How long a grant revoked because a spent refresh token came back stays marked at least
    /// (its access tokens, whose lifetime the store does not know, must have expired by then).
    public static let reuseRevocationSeconds: Int64 = 86400

    public init(pool: PGPool) { runner = PGStoreRunner(pool: pool) }

    /// A store whose every call runs on `connection`, inside the transaction open there.
    public init(connection: PGConnection) { runner = PGStoreRunner(connection: connection) }

    static let columns = """
        t.token_hash, t.family_id::text AS grant_id, t.client_id, t.user_id::text AS user_id,
        \(textArray("t.scopes", as: "scopes")), \(micros("t.expires_at")),
        t.data->>'redirect_uri' AS redirect_uri, t.data->>'nonce' AS nonce,
        t.data->>'code_challenge' AS code_challenge, t.data->>'code_challenge_method' AS code_challenge_method,
        (t.data->>'auth_time')::bigint AS auth_time,
        \(textArray("ARRAY(SELECT jsonb_array_elements_text(coalesce(t.data->'auth_methods', '[]')))", as: "auth_methods")),
        t.data->>'acr' AS acr, t.data->>'session_id' AS session_id
        """

    /// The conditions under which a refresh token may be used at `$now` (the user is `u`).
    static func liveRefresh(now: Int) -> String {
        """
        t.kind = 'refresh' AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > $\(now) AND u.is_active
        AND NOT EXISTS (SELECT 1 FROM oauth_revocations r WHERE r.id = 'grant:' || t.family_id::text)
        """
    }

    // MARK: codes

    public func storeCode(_ code: OAuthAuthorizationCode) throws(StoreError) {
        try runner.write(conflict: "token_hash") { connection in
            try connection.query("""
                INSERT INTO tokens (kind, token_hash, family_id, user_id, client_id, scopes, expires_at, data)
                VALUES ('code', $1, $2, $3, $4, \(textArrayParameter(5)), $6,
                        jsonb_build_object('redirect_uri', $7::text, 'nonce', $8::text, 'code_challenge', $9::text,
                                           'code_challenge_method', $10::text, 'auth_time', $11::bigint,
                                           'auth_methods', $12::jsonb, 'acr', $13::text, 'session_id', $14::text))
                """, [.bytea(code.codeHash), .uuid(code.grantID), .uuid(code.userID.rawValue), .text(code.clientID),
                      .jsonb(JSONText.array(of: code.scopes).text), code.expiresAt.pgValue, .text(code.redirectURI),
                      code.nonce.map(PGValue.text), code.codeChallenge.map(PGValue.text),
                      code.codeChallengeMethod.map(PGValue.text), .int(Int(code.authTime.microsecondsSince1970)),
                      .jsonb(JSONText.array(of: code.authMethods).text), code.acr.map(PGValue.text),
                      code.sessionID.map(PGValue.text)])
        }
    }

    public func redeemCode(hash: [UInt8], clientID: String, at now: Timestamp) throws(StoreError) -> OAuthCodeRedemption {
        try runner.transaction { connection in
            // Row lock: a racing redemption waits here, then finds used_at set and matches nothing.
            let spent = try connection.query("""
                UPDATE tokens t SET used_at = $2
                WHERE t.token_hash = $1 AND t.kind = 'code' AND t.client_id = $3 AND t.used_at IS NULL
                  AND t.revoked_at IS NULL AND t.expires_at > $2
                RETURNING \(Self.columns)
                """, [.bytea(hash), now.pgValue, .text(clientID)])
            if !spent.rows.isEmpty { return .redeemed(try Self.code(spent, 0)) }
            let seen = try connection.query("""
                SELECT family_id::text AS grant_id FROM tokens
                WHERE token_hash = $1 AND kind = 'code' AND client_id = $2 AND used_at IS NOT NULL
                """, [.bytea(hash), .text(clientID)])
            guard !seen.rows.isEmpty, let grantID = seen.value(0, "grant_id") else { return .invalid }
            return .replayed(grantID: grantID)
        }
    }

    // MARK: subjects

    public func holdSubject(clientID: String, subject: String, userID: UserID) throws(StoreError) -> Bool {
        let holder = try runner.write { connection in
            try connection.query("""
                WITH claimed AS (
                    INSERT INTO oauth_subjects (client_id, subject, user_id) VALUES ($1, $2, $3)
                    ON CONFLICT (client_id, subject) DO NOTHING RETURNING user_id)
                SELECT user_id::text FROM claimed
                UNION ALL SELECT user_id::text FROM oauth_subjects WHERE client_id = $1 AND subject = $2
                LIMIT 1
                """, [.text(clientID), .text(subject), .uuid(userID.rawValue)]).scalar
        }
        return holder == userID.rawValue
    }

    // MARK: refresh tokens

    public func storeRefreshToken(_ token: OAuthRefreshToken) throws(StoreError) {
        try runner.write(conflict: "token_hash") { try insert(token, on: $0) }
    }

    public func rotateRefreshToken(hash: [UInt8], clientID: String, replacement: OAuthRefreshToken,
                                   at now: Timestamp) throws(StoreError) -> OAuthRefreshRotation {
        try runner.transaction(conflict: "token_hash") { connection in
            let spent = try connection.query("""
                UPDATE tokens t SET used_at = $3 FROM users u
                WHERE t.token_hash = $1 AND t.client_id = $2 AND u.id = t.user_id AND \(Self.liveRefresh(now: 3))
                RETURNING \(Self.columns)
                """, [.bytea(hash), .text(clientID), now.pgValue])
            if !spent.rows.isEmpty {
                let old = try Self.refreshToken(spent, 0)
                guard replacement.grantID == old.grantID else {
                    throw StoreError.invalid("the replacement refresh token belongs to another grant")
                }
                try insert(replacement, on: connection)
                return .rotated(old: old)
            }
            // Not live: a spent token presented again means it leaked; end its whole family.
            let seen = try connection.query("""
                SELECT family_id::text AS grant_id FROM tokens
                WHERE token_hash = $1 AND kind = 'refresh' AND client_id = $2 AND used_at IS NOT NULL
                """, [.bytea(hash), .text(clientID)])
            guard !seen.rows.isEmpty, let grantID = seen.value(0, "grant_id") else { return .invalid }
            let until = try connection.query("""
                SELECT \(micros("greatest(max(expires_at), $2::timestamptz)", as: "until_at")) FROM tokens WHERE family_id = $1
                """, [.uuid(grantID), now.adding(seconds: Self.reuseRevocationSeconds).pgValue])
            try revoke(grantID: grantID, until: try until.timestamp(0, "until_at"), at: now, on: connection)
            return .reused(grantID: grantID)
        }
    }

    public func refreshToken(hash: [UInt8], at now: Timestamp) throws(StoreError) -> OAuthRefreshToken? {
        let result = try runner.read {
            try $0.query("""
                SELECT \(Self.columns) FROM tokens t JOIN users u ON u.id = t.user_id
                WHERE t.token_hash = $1 AND \(Self.liveRefresh(now: 2))
                """, [.bytea(hash), now.pgValue])
        }
        return result.rows.isEmpty ? nil : try Self.refreshToken(result, 0)
    }

    // MARK: revocation

    public func revokeGrant(_ grantID: String, until: Timestamp, at now: Timestamp) throws(StoreError) {
        try runner.transaction { try revoke(grantID: grantID, until: until, at: now, on: $0) }
    }

    public func revokeAccessToken(jti: String, until: Timestamp, at now: Timestamp) throws(StoreError) {
        try runner.write { try mark("jti:" + jti, until: until, on: $0) }
    }

    public func isRevoked(grantID: String, jti: String) throws(StoreError) -> Bool {
        try runner.read {
            try $0.query("SELECT EXISTS (SELECT 1 FROM oauth_revocations WHERE id IN ($1, $2))",
                         [.text("grant:" + grantID), .text("jti:" + jti)])
        }.scalar == "t"
    }

    // MARK: consents

    public func consentedScopes(userID: UserID, clientID: String) throws(StoreError) -> [String]? {
        let result = try runner.read {
            try $0.query("SELECT \(textArray("scopes", as: "scopes")) FROM oauth_consents WHERE user_id = $1 AND client_id = $2",
                         [.uuid(userID.rawValue), .text(clientID)])
        }
        return result.rows.isEmpty ? nil : try result.textArray(0, "scopes")
    }

    /// Adds `scopes` to what the user consented to for the client (what was granted before stays).
    public func recordConsent(userID: UserID, clientID: String, scopes: [String], at now: Timestamp) throws(StoreError) {
        try runner.write {
            do {
                try $0.query("""
                    INSERT INTO oauth_consents AS c (user_id, client_id, scopes, created_at, updated_at)
                    VALUES ($1, $2, \(textArrayParameter(3)), $4, $4)
                    ON CONFLICT (user_id, client_id) DO UPDATE
                    SET scopes = c.scopes || ARRAY(SELECT s FROM unnest(excluded.scopes) WITH ORDINALITY AS a(s, n)
                                                   WHERE s <> ALL (c.scopes) ORDER BY n),
                        updated_at = excluded.updated_at
                    """, [.uuid(userID.rawValue), .text(clientID), .jsonb(JSONText.array(of: scopes).text), now.pgValue])
            } catch let error as PGError where error.sqlState == "23503" {
                throw StoreError.notFound("user")
            }
        }
    }

    // MARK: housekeeping

    /// Deletes tokens and revocation marks that expired before `now`; returns how many rows went.
    @discardableResult
    public func deleteExpired(at now: Timestamp) throws(StoreError) -> Int {
        try runner.transaction { connection in
            let tokens = try connection.query("DELETE FROM tokens WHERE expires_at <= $1", [now.pgValue]).affectedRows ?? 0
            let marks = try connection.query("DELETE FROM oauth_revocations WHERE expires_at <= $1", [now.pgValue]).affectedRows ?? 0
            return tokens + marks
        }
    }

    // MARK: - private

    private func insert(_ token: OAuthRefreshToken, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO tokens (kind, token_hash, family_id, user_id, client_id, scopes, expires_at, data)
            VALUES ('refresh', $1, $2, $3, $4, \(textArrayParameter(5)), $6,
                    jsonb_build_object('auth_time', $7::bigint, 'auth_methods', $8::jsonb, 'acr', $9::text,
                                       'session_id', $10::text))
            """, [.bytea(token.tokenHash), .uuid(token.grantID), .uuid(token.userID.rawValue), .text(token.clientID),
                  .jsonb(JSONText.array(of: token.scopes).text), token.expiresAt.pgValue,
                  .int(Int(token.authTime.microsecondsSince1970)), .jsonb(JSONText.array(of: token.authMethods).text),
                  token.acr.map(PGValue.text), token.sessionID.map(PGValue.text)])
    }

    private func revoke(grantID: String, until: Timestamp, at now: Timestamp, on connection: PGConnection) throws {
        // family_id is a uuid: a grant id that is not one has no tokens, only the mark.
        if Self.isUUID(grantID) {
            try connection.query("UPDATE tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
                                 [.uuid(grantID), now.pgValue])
        }
        try mark("grant:" + grantID, until: until, on: connection)
    }

    private func mark(_ id: String, until: Timestamp, on connection: PGConnection) throws {
        try connection.query("""
            INSERT INTO oauth_revocations AS r (id, expires_at) VALUES ($1, $2)
            ON CONFLICT (id) DO UPDATE SET expires_at = greatest(r.expires_at, excluded.expires_at)
            """, [.text(id), until.pgValue])
    }

    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                        || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte) else { return false }
            }
        }
        return true
    }

    // MARK: - rows

    static func code(_ result: PGResult, _ row: Int) throws(StoreError) -> OAuthAuthorizationCode {
        guard let hash = result.bytes(row, "token_hash") else { throw .unavailable("column token_hash is not bytea") }
        return OAuthAuthorizationCode(
            codeHash: hash, grantID: try result.text(row, "grant_id"), clientID: try result.text(row, "client_id"),
            userID: UserID(try result.text(row, "user_id")), redirectURI: try result.text(row, "redirect_uri"),
            scopes: try result.textArray(row, "scopes"), nonce: result.value(row, "nonce"),
            codeChallenge: result.value(row, "code_challenge"),
            codeChallengeMethod: result.value(row, "code_challenge_method"),
            authTime: try authTime(result, row), authMethods: try result.textArray(row, "auth_methods"),
            acr: result.value(row, "acr"), sessionID: result.value(row, "session_id"),
            expiresAt: try result.timestamp(row, "expires_at"))
    }

    static func refreshToken(_ result: PGResult, _ row: Int) throws(StoreError) -> OAuthRefreshToken {
        guard let hash = result.bytes(row, "token_hash") else { throw .unavailable("column token_hash is not bytea") }
        return OAuthRefreshToken(
            tokenHash: hash, grantID: try result.text(row, "grant_id"), clientID: try result.text(row, "client_id"),
            userID: UserID(try result.text(row, "user_id")), scopes: try result.textArray(row, "scopes"),
            authTime: try authTime(result, row), authMethods: try result.textArray(row, "auth_methods"),
            acr: result.value(row, "acr"), sessionID: result.value(row, "session_id"),
            expiresAt: try result.timestamp(row, "expires_at"))
    }

    private static func authTime(_ result: PGResult, _ row: Int) throws(StoreError) -> Timestamp {
        guard let micros = Int64(try result.text(row, "auth_time")) else { throw .unavailable("auth_time is not a number") }
        return Timestamp(microsecondsSince1970: micros)
    }
}
