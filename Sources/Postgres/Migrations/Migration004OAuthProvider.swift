extension GatehouseMigrations {
    /// Migration 4: the OAuth 2.0 / OIDC provider (`PostgresOAuthGrantStore`, the client
    /// directory, the blueprint models `scope-mapping`, `oauth2-provider`, `application`).
    /// Released migrations never change; add a new one instead.
    ///
    /// - `providers.client_id`: a real column, unique, so a client is found by one index lookup.
    /// - `applications.provider_id` is unique: a provider serves one application.
    /// - `application_groups`: who may use an application (no rows: everyone). A group bound to
    ///   an application cannot be deleted (RESTRICT): deleting it must never open the application.
    /// - `tokens.used_at`: when a code was redeemed or a refresh token rotated, so a spent token
    ///   (replay: revoke the grant) is told apart from a revoked one (`revoked_at`).
    /// - `oauth_revocations`: revoked grants (`grant:<id>`) and access tokens (`jti:<jti>`),
    ///   kept until `expires_at`, when every token they could affect has expired anyway.
    /// - Any change to the tables the client directory reads sends `NOTIFY gatehouse_config`
    ///   (at commit, once per transaction and table), so every node drops its cached clients.
    static let oauthProvider = """
        ALTER TABLE providers ADD COLUMN client_id text UNIQUE CHECK (client_id <> '');

        CREATE UNIQUE INDEX applications_provider_key ON applications (provider_id) WHERE provider_id IS NOT NULL;

        CREATE TABLE scope_mappings (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            name text NOT NULL UNIQUE CHECK (name <> ''),
            scope_name text NOT NULL CHECK (scope_name <> ''),
            description text NOT NULL DEFAULT '',
            expression text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX scope_mappings_scope_name_idx ON scope_mappings (scope_name);

        CREATE TABLE application_groups (
            application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
            group_id uuid NOT NULL REFERENCES groups (id) ON DELETE RESTRICT,
            PRIMARY KEY (application_id, group_id)
        );
        CREATE INDEX application_groups_group_idx ON application_groups (group_id);

        CREATE TABLE oauth_consents (
            user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            client_id text NOT NULL,
            scopes text[] NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, client_id)
        );

        CREATE TABLE oauth_revocations (
            id text PRIMARY KEY,
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX oauth_revocations_expires_idx ON oauth_revocations (expires_at);

        ALTER TABLE tokens ADD COLUMN used_at timestamptz;
        CREATE INDEX tokens_client_idx ON tokens (client_id) WHERE client_id IS NOT NULL;

        CREATE FUNCTION gatehouse_notify_config() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('gatehouse_config', TG_TABLE_NAME);
            RETURN NULL;
        END;
        $$;
        CREATE TRIGGER providers_notify_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON providers
            FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_config();
        CREATE TRIGGER applications_notify_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON applications
            FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_config();
        CREATE TRIGGER scope_mappings_notify_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON scope_mappings
            FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_config();
        CREATE TRIGGER application_groups_notify_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON application_groups
            FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_config();
        -- A renamed group changes the group names the clients carry.
        CREATE TRIGGER groups_notify_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON groups
            FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_config();
        """
}
