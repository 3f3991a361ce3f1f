public import Store

/// `AuthenticatorStore` on `totp_devices`, `recovery_codes` and `session_mfa` (migration 7).
/// TOTP secrets are sealed by the caller's closures (the App room seals with the master key,
/// context `totp_devices/<id>/secret_sealed`); this store never sees the key.
public struct PostgresAuthenticatorStore: AuthenticatorStore {
    let runner: PGStoreRunner
    let seal: @Sendable (_ secret: [UInt8], _ deviceID: String) -> String
    let open: @Sendable (_ sealed: String, _ deviceID: String) throws -> [UInt8]

    public init(pool: PGPool, seal: @escaping @Sendable ([UInt8], String) -> String,
                open: @escaping @Sendable (String, String) throws -> [UInt8]) {
        runner = PGStoreRunner(pool: pool)
        self.seal = seal
        self.open = open
    }

    static let columns = """
        id::text AS id, user_id::text AS user_id, name, secret_sealed, confirmed, last_step::text AS last_step,
        \(micros("created_at")), \(micros("last_used_at"))
        """

    public func createTOTPDevice(userID: UserID, name: String, secret: [UInt8], at: Timestamp) throws(StoreError) -> TOTPDevice {
        let cleanName = String(name.prefix(100))
        guard !cleanName.isEmpty else { throw .invalid("a device needs a name") }
        return try runner.transaction { connection in
            guard let id = try connection.query("SELECT gen_random_uuid()::text").scalar else { throw StoreError.unavailable("no uuid") }
            try connection.query("""
                INSERT INTO totp_devices (id, user_id, name, secret_sealed, created_at) VALUES ($1, $2, $3, $4, $5)
                """, [.uuid(id), .uuid(userID.rawValue), .text(cleanName), .text(seal(secret, id)), at.pgValue])
            return TOTPDevice(id: id, userID: userID, name: cleanName, secret: secret, confirmed: false, lastStep: nil,
                              createdAt: at, lastUsedAt: nil)
        }
    }

    public func totpDevices(ofUser user: UserID) throws(StoreError) -> [TOTPDevice] {
        let result = try runner.read { connection in
            try connection.query("SELECT \(Self.columns) FROM totp_devices WHERE user_id = $1 ORDER BY created_at, id",
                                 [.uuid(user.rawValue)])
        }
        var devices: [TOTPDevice] = []
        for row in result.rows.indices {
            let id = try result.text(row, "id")
            let secret: [UInt8]
            do {
                secret = try open(try result.text(row, "secret_sealed"), id)
            } catch {
                // A secret that does not open (wrong key, tampered row) cannot verify anything.
                continue
            }
            devices.append(TOTPDevice(
                id: id, userID: UserID(try result.text(row, "user_id")), name: try result.text(row, "name"), secret: secret,
                confirmed: try result.bool(row, "confirmed"), lastStep: result.value(row, "last_step").flatMap { Int64($0) },
                createdAt: try result.timestamp(row, "created_at"), lastUsedAt: try result.optionalTimestamp(row, "last_used_at")))
        }
        return devices
    }

    public func confirmTOTPDevice(id: String, userID: UserID, step: Int64, at: Timestamp) throws(StoreError) -> Bool {
        guard Self.isUUID(id) else { return false }
        let result = try runner.write { connection in
            try connection.query("""
                UPDATE totp_devices SET confirmed = true, last_step = $3, last_used_at = $4
                WHERE id = $1 AND user_id = $2 AND NOT confirmed
                """, [.uuid(id), .uuid(userID.rawValue), .text(String(step)), at.pgValue])
        }
        return result.affectedRows == 1
    }

    public func useTOTPStep(deviceID: String, step: Int64, at: Timestamp) throws(StoreError) -> Bool {
        guard Self.isUUID(deviceID) else { return false }
        let result = try runner.write { connection in
            try connection.query("""
                UPDATE totp_devices SET last_step = $2, last_used_at = $3
                WHERE id = $1 AND confirmed AND (last_step IS NULL OR last_step < $2)
                """, [.uuid(deviceID), .text(String(step)), at.pgValue])
        }
        return result.affectedRows == 1
    }

    public func renameTOTPDevice(id: String, userID: UserID, name: String) throws(StoreError) -> Bool {
        let cleanName = String(name.prefix(100))
        guard Self.isUUID(id), !cleanName.isEmpty else { return false }
        let result = try runner.write { connection in
            try connection.query("UPDATE totp_devices SET name = $3 WHERE id = $1 AND user_id = $2",
                                 [.uuid(id), .uuid(userID.rawValue), .text(cleanName)])
        }
        return result.affectedRows == 1
    }

    public func deleteTOTPDevice(id: String, userID: UserID) throws(StoreError) -> Bool {
        guard Self.isUUID(id) else { return false }
        let result = try runner.write { connection in
            try connection.query("DELETE FROM totp_devices WHERE id = $1 AND user_id = $2", [.uuid(id), .uuid(userID.rawValue)])
        }
        return result.affectedRows == 1
    }

    public func resetAuthenticators(ofUser user: UserID) throws(StoreError) -> Int {
        try runner.transaction { connection in
            var removed = 0
            for table in ["totp_devices", "webauthn_devices", "recovery_codes"] {
                removed += try connection.query("DELETE FROM \(table) WHERE user_id = $1", [.uuid(user.rawValue)]).affectedRows ?? 0
            }
            return removed
        }
    }

    // MARK: WebAuthn

    public func createWebAuthnDevice(userID: UserID, name: String, credentialID: [UInt8], publicKeyCOSE: [UInt8],
                                     algorithm: Int64, signCount: UInt32, at: Timestamp) throws(StoreError) -> WebAuthnDevice {
        let cleanName = String(name.prefix(100))
        guard !cleanName.isEmpty else { throw .invalid("a device needs a name") }
        let result = try runner.write(conflict: "credential_id") { connection in
            try connection.query("""
                INSERT INTO webauthn_devices (user_id, name, credential_id, public_key, algorithm, sign_count, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text
                """, [.uuid(userID.rawValue), .text(cleanName), .bytea(credentialID), .bytea(publicKeyCOSE),
                      .text(String(algorithm)), .text(String(signCount)), at.pgValue])
        }
        guard let id = result.scalar else { throw .unavailable("no id") }
        return WebAuthnDevice(id: id, userID: userID, name: cleanName, credentialID: credentialID, publicKeyCOSE: publicKeyCOSE,
                              algorithm: algorithm, signCount: signCount, createdAt: at, lastUsedAt: nil)
    }

    public func webAuthnDevices(ofUser user: UserID) throws(StoreError) -> [WebAuthnDevice] {
        let result = try runner.read { connection in
            try connection.query("""
                SELECT id::text AS id, name, credential_id, public_key, algorithm::text AS algorithm,
                       sign_count::text AS sign_count, \(micros("created_at")), \(micros("last_used_at"))
                FROM webauthn_devices WHERE user_id = $1 ORDER BY created_at, id
                """, [.uuid(user.rawValue)])
        }
        var devices: [WebAuthnDevice] = []
        for row in result.rows.indices {
            guard let credentialID = result.bytes(row, "credential_id"), let key = result.bytes(row, "public_key"),
                  let algorithm = Int64(try result.text(row, "algorithm")),
                  let count = UInt32(try result.text(row, "sign_count")) else {
                throw .unavailable("webauthn_devices row is malformed")
            }
            devices.append(WebAuthnDevice(
                id: try result.text(row, "id"), userID: user, name: try result.text(row, "name"), credentialID: credentialID,
                publicKeyCOSE: key, algorithm: algorithm, signCount: count, createdAt: try result.timestamp(row, "created_at"),
                lastUsedAt: try result.optionalTimestamp(row, "last_used_at")))
        }
        return devices
    }

    public func advanceSignCount(deviceID: String, from expected: UInt32, to new: UInt32, at: Timestamp) throws(StoreError) -> Bool {
        guard Self.isUUID(deviceID) else { return false }
        let result = try runner.write { connection in
            try connection.query("""
                UPDATE webauthn_devices SET sign_count = $3, last_used_at = $4 WHERE id = $1 AND sign_count = $2
                """, [.uuid(deviceID), .text(String(expected)), .text(String(new)), at.pgValue])
        }
        return result.affectedRows == 1
    }

    public func renameWebAuthnDevice(id: String, userID: UserID, name: String) throws(StoreError) -> Bool {
        let cleanName = String(name.prefix(100))
        guard Self.isUUID(id), !cleanName.isEmpty else { return false }
        let result = try runner.write { connection in
            try connection.query("UPDATE webauthn_devices SET name = $3 WHERE id = $1 AND user_id = $2",
                                 [.uuid(id), .uuid(userID.rawValue), .text(cleanName)])
        }
        return result.affectedRows == 1
    }

    public func deleteWebAuthnDevice(id: String, userID: UserID) throws(StoreError) -> Bool {
        guard Self.isUUID(id) else { return false }
        let result = try runner.write { connection in
            try connection.query("DELETE FROM webauthn_devices WHERE id = $1 AND user_id = $2", [.uuid(id), .uuid(userID.rawValue)])
        }
        return result.affectedRows == 1
    }

    public func replaceRecoveryCodes(userID: UserID, hashes: [[UInt8]], at: Timestamp) throws(StoreError) {
        try runner.transaction { connection in
            try connection.query("DELETE FROM recovery_codes WHERE user_id = $1", [.uuid(userID.rawValue)])
            for hash in hashes {
                try connection.query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
                                     [.uuid(userID.rawValue), .bytea(hash), at.pgValue])
            }
        }
    }

    public func useRecoveryCode(userID: UserID, hash: [UInt8], at: Timestamp) throws(StoreError) -> Bool {
        let result = try runner.write { connection in
            try connection.query("DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2",
                                 [.uuid(userID.rawValue), .bytea(hash)])
        }
        return result.affectedRows == 1
    }

    public func recoveryCodeCount(userID: UserID) throws(StoreError) -> Int {
        let result = try runner.read { connection in
            try connection.query("SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1", [.uuid(userID.rawValue)])
        }
        return try result.int(0, "n")
    }

    public func recordMFA(sessionIDHash: [UInt8], at: Timestamp, methods: [String]) throws(StoreError) {
        try runner.write { connection in
            // INSERT … SELECT: nothing is written for a session that has ended meanwhile.
            try connection.query("""
                INSERT INTO session_mfa (session_id_hash, verified_at, methods)
                SELECT id_hash, $2, \(textArrayParameter(3)) FROM sessions WHERE id_hash = $1
                ON CONFLICT (session_id_hash) DO UPDATE SET verified_at = excluded.verified_at, methods = excluded.methods
                """, [.bytea(sessionIDHash), at.pgValue, .jsonb(JSONText.array(of: methods).text)])
        }
    }

    public func sessionMFA(sessionIDHash: [UInt8]) throws(StoreError) -> SessionMFA? {
        let result = try runner.read { connection in
            try connection.query("""
                SELECT \(micros("verified_at")), \(textArray("methods", as: "methods")) FROM session_mfa WHERE session_id_hash = $1
                """, [.bytea(sessionIDHash)])
        }
        guard !result.rows.isEmpty else { return nil }
        return SessionMFA(verifiedAt: try result.timestamp(0, "verified_at"), methods: try result.textArray(0, "methods"))
    }

    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (i, b) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(i) { if b != UInt8(ascii: "-") { return false } } else if !b.isHexDigit { return false }
        }
        return true
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool { (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self) }
}
