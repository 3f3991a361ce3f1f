extension GatehouseMigrations {
    /// The constraint name migration 8's user trigger raises its unique violation with.
    public static let userIdentifierConstraint = "users_identifier_unique"
    /// The constraint name migration 8's group trigger raises its unique violation with.
    public static let groupNameConstraint = "groups_name_folded_unique"

    /// Migration 8: one identifier, one account. Released migrations never change; add a new one.
    ///
    /// A username or an e-mail address, compared without regard to case, may name at most one
    /// account: no account's address may equal another's address or username. Otherwise a
    /// provisioning source could create an account whose address is a local administrator's
    /// (sign-in by e-mail would then name two people, and `sub` in `user_email` mode would be
    /// shared). A trigger, not an index, so that every writer (blueprints, SCIM, upstream
    /// sources, the CLI) obeys and addresses shared before this migration do not stop it from
    /// applying: they stay readable, and the OIDC provider stops vouching for them.
    ///
    /// Writers of the same identifiers are serialised with transaction-scoped advisory locks,
    /// taken in sorted order so two writers cannot deadlock. Group names get the same rule
    /// (case-insensitive) through a second trigger. Accounts a SCIM source deleted (their
    /// username carries `~deleted~`) give their address up. Pre-login sessions get an index for
    /// their per-address bound.
    static let identifiers = """
        UPDATE users SET email = NULL WHERE username LIKE '%~deleted~%' AND email IS NOT NULL;

        CREATE FUNCTION gatehouse_users_identifiers_unique() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            own text[];
            key text;
        BEGIN
            IF TG_OP = 'UPDATE' AND lower(NEW.username) = lower(OLD.username)
               AND lower(coalesce(NEW.email, '')) = lower(coalesce(OLD.email, '')) THEN
                RETURN NEW;
            END IF;
            own := ARRAY[lower(NEW.username)];
            IF coalesce(NEW.email, '') <> '' AND lower(NEW.email) <> lower(NEW.username) THEN
                own := own || lower(NEW.email);
            END IF;
            FOR key IN SELECT k FROM unnest(own) AS k ORDER BY k LOOP
                PERFORM pg_advisory_xact_lock(hashtextextended('gatehouse.identifier:' || key, 0));
            END LOOP;
            -- The row with the same username is this account (an upsert) or a clash the
            -- unique username index reports itself.
            IF EXISTS (SELECT 1 FROM users u WHERE u.id <> NEW.id AND lower(u.username) <> lower(NEW.username)
                                             AND lower(u.email) = ANY (own))
               OR (coalesce(NEW.email, '') <> ''
                   AND EXISTS (SELECT 1 FROM users u WHERE u.id <> NEW.id AND lower(u.username) = lower(NEW.email)
                                                     AND lower(u.username) <> lower(NEW.username))) THEN
                RAISE EXCEPTION 'this username or e-mail address belongs to another account'
                    USING ERRCODE = 'unique_violation', CONSTRAINT = '\(userIdentifierConstraint)';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER users_identifiers_unique BEFORE INSERT OR UPDATE OF username, email ON users
            FOR EACH ROW EXECUTE FUNCTION gatehouse_users_identifiers_unique();

        CREATE FUNCTION gatehouse_groups_name_unique() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND lower(NEW.name) = lower(OLD.name) THEN
                RETURN NEW;
            END IF;
            PERFORM pg_advisory_xact_lock(hashtextextended('gatehouse.group:' || lower(NEW.name), 0));
            IF EXISTS (SELECT 1 FROM groups g WHERE g.id <> NEW.id AND lower(g.name) = lower(NEW.name)) THEN
                RAISE EXCEPTION 'a group with this name (in any case) exists'
                    USING ERRCODE = 'unique_violation', CONSTRAINT = '\(groupNameConstraint)';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER groups_name_unique BEFORE INSERT OR UPDATE OF name ON groups
            FOR EACH ROW EXECUTE FUNCTION gatehouse_groups_name_unique();
        CREATE INDEX groups_name_lower_idx ON groups (lower(name));

        -- Pre-login sessions are bounded per client address (SessionLimits.preLoginPerAddress).
        CREATE INDEX sessions_pre_login_address_idx ON sessions (client_ip, created_at) WHERE user_id IS NULL;
        """
}
