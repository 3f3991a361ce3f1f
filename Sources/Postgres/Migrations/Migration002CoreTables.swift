extension GatehouseMigrations {
    /// Migration 2: the identity store. Released migrations never change; add a new one instead.
    ///
    /// Conventions: ids are `uuid DEFAULT gen_random_uuid()` (core since PostgreSQL 13, no
    /// extension); every instant is `timestamptz`; JSON is `jsonb`; secrets are stored only
    /// sealed (`Crypto.SecretSealer`) or hashed, never in the clear.
    static let coreTables = """
        CREATE TABLE users (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            username text NOT NULL CHECK (username <> ''),
            email text,
            name text NOT NULL DEFAULT '',
            is_active boolean NOT NULL DEFAULT true,
            is_superuser boolean NOT NULL DEFAULT false,
            attributes jsonb NOT NULL DEFAULT '{}',
            password_hash text,
            password_changed_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            last_login_at timestamptz,
            deactivated_at timestamptz
        );
        -- Usernames are unique regardless of case: "Somchai" and "somchai" are one account.
        CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
        -- E-mail addresses are not unique (authentik allows duplicates); looked up case-insensitively.
        CREATE INDEX users_email_lower_idx ON users (lower(email));

        CREATE TABLE groups (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            name text NOT NULL UNIQUE CHECK (name <> ''),
            parent_id uuid REFERENCES groups (id) ON DELETE SET NULL,
            is_superuser_group boolean NOT NULL DEFAULT false,
            attributes jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CHECK (parent_id IS NULL OR parent_id <> id)
        );
        CREATE INDEX groups_parent_idx ON groups (parent_id);

        CREATE TABLE group_memberships (
            user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
            PRIMARY KEY (user_id, group_id)
        );
        CREATE INDEX group_memberships_group_idx ON group_memberships (group_id);

        -- The cookie carries a random token; only its SHA-256 is stored, so a database leak
        -- yields no usable session. user_id is NULL while a flow runs before anyone signed in.
        CREATE TABLE sessions (
            id_hash bytea PRIMARY KEY CHECK (length(id_hash) = 32),
            user_id uuid REFERENCES users (id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_seen_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            idle_timeout_seconds integer NOT NULL CHECK (idle_timeout_seconds > 0),
            client_ip inet,
            user_agent text,
            auth_time timestamptz,
            auth_methods text[] NOT NULL DEFAULT '{}',
            upstream_amr text[] NOT NULL DEFAULT '{}',
            flow_state jsonb
        );
        CREATE INDEX sessions_user_idx ON sessions (user_id);
        CREATE INDEX sessions_expires_idx ON sessions (expires_at);

        -- OAuth codes, access and refresh tokens: stored by hash; family_id ties a refresh
        -- chain together so that reuse of a rotated token can revoke the whole family.
        CREATE TABLE tokens (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            kind text NOT NULL,
            token_hash bytea NOT NULL UNIQUE,
            family_id uuid,
            user_id uuid REFERENCES users (id) ON DELETE CASCADE,
            client_id text,
            scopes text[] NOT NULL DEFAULT '{}',
            expires_at timestamptz NOT NULL,
            revoked_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            data jsonb NOT NULL DEFAULT '{}'
        );
        CREATE INDEX tokens_family_idx ON tokens (family_id) WHERE family_id IS NOT NULL;
        CREATE INDEX tokens_user_idx ON tokens (user_id);
        CREATE INDEX tokens_expires_idx ON tokens (expires_at);

        CREATE TABLE signing_keys (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            kid text NOT NULL UNIQUE,
            algorithm text NOT NULL,
            public_jwk jsonb NOT NULL,
            -- Sealed with Crypto.SecretSealer under GATEHOUSE_SECRET_KEY; never the plain key.
            private_key_sealed text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            rotated_at timestamptz
        );

        CREATE TABLE providers (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            name text NOT NULL UNIQUE,
            kind text NOT NULL,
            config jsonb NOT NULL DEFAULT '{}',
            -- Sealed values only (client secrets and the like).
            secrets jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE applications (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            slug text NOT NULL UNIQUE,
            name text NOT NULL,
            provider_id uuid REFERENCES providers (id) ON DELETE SET NULL,
            launch_url text,
            meta jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX applications_provider_idx ON applications (provider_id);

        CREATE TABLE sources (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            slug text NOT NULL UNIQUE,
            name text NOT NULL,
            kind text NOT NULL,
            config jsonb NOT NULL DEFAULT '{}',
            secrets jsonb NOT NULL DEFAULT '{}',
            enabled boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE source_connections (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            source_id uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
            user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            identifier text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (source_id, identifier)
        );
        CREATE INDEX source_connections_user_idx ON source_connections (user_id);

        CREATE TABLE flows (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            slug text NOT NULL UNIQUE,
            name text NOT NULL,
            designation text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE stages (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            name text NOT NULL UNIQUE,
            kind text NOT NULL,
            config jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        -- "position" rather than "order", a reserved word that would need quoting everywhere.
        CREATE TABLE flow_stage_bindings (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            flow_id uuid NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
            stage_id uuid NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
            position integer NOT NULL,
            UNIQUE (flow_id, position)
        );
        CREATE INDEX flow_stage_bindings_stage_idx ON flow_stage_bindings (stage_id);

        CREATE TABLE policies (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            name text NOT NULL UNIQUE,
            kind text NOT NULL,
            config jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        -- target_kind names the table ('flow', 'flow_stage_binding', 'application', …); a
        -- polymorphic target cannot carry a foreign key, so deleting a target deletes its
        -- bindings in the store code.
        CREATE TABLE policy_bindings (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            policy_id uuid NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
            target_kind text NOT NULL,
            target_id uuid NOT NULL,
            position integer NOT NULL DEFAULT 0,
            negate boolean NOT NULL DEFAULT false,
            failure_result boolean NOT NULL DEFAULT false
        );
        CREATE INDEX policy_bindings_target_idx ON policy_bindings (target_kind, target_id, position);
        CREATE INDEX policy_bindings_policy_idx ON policy_bindings (policy_id);

        -- The audit trail: who (actor_user_id), what (action), from where (client_ip), when,
        -- and with what outcome. actor_user_id has no foreign key on purpose: events must
        -- outlive the users they mention, and ON DELETE SET NULL would be an UPDATE.
        CREATE TABLE events (
            id bigserial PRIMARY KEY,
            created_at timestamptz NOT NULL DEFAULT now(),
            actor_user_id uuid,
            action text NOT NULL,
            client_ip inet,
            outcome text NOT NULL,
            context jsonb NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_created_at_idx ON events (created_at);
        CREATE INDEX events_actor_idx ON events (actor_user_id, created_at);

        -- Append-only: an audit record that can be edited or removed afterwards proves
        -- nothing, so rows may be inserted but never updated or deleted, and the table never
        -- truncated, through any code path (a bug, an injected statement, an admin's slip).
        -- The triggers raise instead. A future retention job must do so deliberately, as the
        -- table owner (ALTER TABLE events DISABLE TRIGGER …), which is itself visible.
        CREATE FUNCTION gatehouse_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
        CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION gatehouse_events_append_only();
        CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
            FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_events_append_only();
        """
}
