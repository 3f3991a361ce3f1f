extension GatehouseMigrations {
    /// Migration 5: what SCIM sources (`sources` rows of kind 'scim') provisioned. Released
    /// migrations never change; add a new one instead.
    ///
    /// One row per provisioned user or group: the source that owns it, the client's
    /// `externalId` (Entra ID's object id when mapped so; the Entra ID login source matches
    /// on it), and the resource as the client last sent it (its attributes beyond the
    /// `users`/`groups` columns). A deleted user keeps its row with `deleted_at` set, for the
    /// audit trail, unless its source purges.
    static let scim = """
        CREATE TABLE scim_resources (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            source_id uuid NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
            user_id uuid UNIQUE REFERENCES users (id) ON DELETE CASCADE,
            group_id uuid UNIQUE REFERENCES groups (id) ON DELETE CASCADE,
            external_id text,
            resource jsonb NOT NULL DEFAULT '{}',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            deleted_at timestamptz,
            CHECK ((user_id IS NULL) <> (group_id IS NULL))
        );
        CREATE INDEX scim_resources_users_idx ON scim_resources (source_id, created_at, user_id)
            WHERE user_id IS NOT NULL AND deleted_at IS NULL;
        CREATE INDEX scim_resources_groups_idx ON scim_resources (source_id, created_at, group_id)
            WHERE group_id IS NOT NULL AND deleted_at IS NULL;
        CREATE INDEX scim_resources_external_idx ON scim_resources (source_id, external_id)
            WHERE deleted_at IS NULL;
        CREATE INDEX sources_kind_idx ON sources (kind);
        """
}
