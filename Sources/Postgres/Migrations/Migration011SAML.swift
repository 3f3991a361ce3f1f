extension GatehouseMigrations {
    /// Migration 11: the SAML 2.0 identity provider. Released migrations never change; add a
    /// new one instead.
    ///
    /// - `signing_keys.certificate`: the self-signed X.509 certificate (PEM) of a key, made the
    ///   first time the key signs a SAML message. Public, so not sealed; filled only while NULL,
    ///   so every node publishes the same one.
    /// - `saml_request_ids`: AuthnRequest and LogoutRequest IDs seen, per issuer, kept until the
    ///   request could no longer be accepted anyway: a replay is refused on every node.
    /// - `saml_session_participants`: the service providers each browser session signed in to,
    ///   with the NameID they were given and their SingleLogoutService, for logout propagation.
    static let saml = """
        ALTER TABLE signing_keys ADD COLUMN certificate text CHECK (certificate <> '');

        CREATE TABLE saml_request_ids (
            issuer text NOT NULL,
            request_id text NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (issuer, request_id)
        );
        CREATE INDEX saml_request_ids_expires_idx ON saml_request_ids (expires_at);

        CREATE TABLE saml_session_participants (
            session_id text NOT NULL,
            provider_name text NOT NULL,
            name_id text NOT NULL,
            name_id_format text NOT NULL,
            slo_url text,
            slo_binding text NOT NULL CHECK (slo_binding IN ('post', 'redirect')),
            signed_in_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (session_id, provider_name)
        );
        CREATE INDEX saml_session_participants_expires_idx ON saml_session_participants (expires_at);
        """
}
