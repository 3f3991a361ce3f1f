extension GatehouseMigrations {
    /// Migration 9: the `sub` values issued in `user_email` and `user_username` modes, per
    /// client, each held by the account it was first issued to — for good (no foreign key: a
    /// purged account's subjects stay reserved). OIDC Core §2: a `sub` "MUST NOT be reassigned";
    /// a freed address or username that reaches another account gives it its id instead.
    /// Released migrations never change; add a new one instead.
    static let subjects = """
        CREATE TABLE oauth_subjects (
            client_id text NOT NULL,
            subject text NOT NULL,
            user_id uuid NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (client_id, subject)
        );
        """
}
