extension GatehouseMigrations {
    /// Migration 7 (5 and 6 are reserved by the SCIM and federation branches): second factors.
    ///
    /// - `totp_devices`: authenticator apps; the secret sealed with the master key
    ///   (`totp_devices/<id>/secret_sealed`), `last_step` the highest time step accepted (a code is
    ///   accepted once: the update that raises it is the check).
    /// - `webauthn_devices`: passkeys and security keys: the credential id, its COSE public key
    ///   (public, so not sealed) and the signature counter (a counter that does not grow is refused).
    /// - `recovery_codes`: SHA-256 of each unused code (the codes are random, so a plain
    ///   hash is enough: 56 bits each); a used code's row is deleted.
    /// - `session_mfa`: when a session last passed MFA, for step-up windows. Goes with its session.
    static let mfa = """
        CREATE TABLE totp_devices (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            secret_sealed text NOT NULL,
            confirmed boolean NOT NULL DEFAULT false,
            last_step bigint,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_used_at timestamptz
        );
        CREATE INDEX totp_devices_user_idx ON totp_devices (user_id);

        CREATE TABLE webauthn_devices (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            credential_id bytea NOT NULL UNIQUE CHECK (length(credential_id) BETWEEN 1 AND 1023),
            public_key bytea NOT NULL,
            algorithm integer NOT NULL CHECK (algorithm IN (-7, -257)),
            sign_count bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
            created_at timestamptz NOT NULL DEFAULT now(),
            last_used_at timestamptz
        );
        CREATE INDEX webauthn_devices_user_idx ON webauthn_devices (user_id);

        CREATE TABLE recovery_codes (
            user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, code_hash)
        );

        CREATE TABLE session_mfa (
            session_id_hash bytea PRIMARY KEY REFERENCES sessions (id_hash) ON DELETE CASCADE,
            verified_at timestamptz NOT NULL,
            methods text[] NOT NULL DEFAULT '{}'
        );
        """
}
