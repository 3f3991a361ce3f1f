extension GatehouseMigrations {
    /// The constraint name migration 10's trigger raises its unique violation with.
    public static let externalIDConstraint = "scim_resources_external_id_unique"

    /// Migration 10: an `externalId` names one live user within a SCIM source (RFC 7643 §3.1:
    /// the client's identifier for the resource). An upstream sign-in source tied to that SCIM
    /// source finds its person's account by it, so two accounts holding one would let the feed
    /// choose. A trigger, like migration 8's, so pairs older than the rule do not stop it.
    /// Released migrations never change; add a new one instead.
    static let externalIDs = """
        CREATE FUNCTION gatehouse_scim_external_id_unique() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.external_id IS NULL OR NEW.user_id IS NULL OR NEW.deleted_at IS NOT NULL THEN
                RETURN NEW;
            END IF;
            IF TG_OP = 'UPDATE' AND NEW.external_id IS NOT DISTINCT FROM OLD.external_id
               AND OLD.deleted_at IS NULL THEN
                RETURN NEW;
            END IF;
            PERFORM pg_advisory_xact_lock(hashtextextended('gatehouse.external-id:' || NEW.source_id::text || ':' || NEW.external_id, 0));
            IF EXISTS (SELECT 1 FROM scim_resources r
                       WHERE r.source_id = NEW.source_id AND r.external_id = NEW.external_id AND r.id <> NEW.id
                         AND r.user_id IS NOT NULL AND r.deleted_at IS NULL) THEN
                RAISE EXCEPTION 'another user of this source has this externalId'
                    USING ERRCODE = 'unique_violation', CONSTRAINT = '\(externalIDConstraint)';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER scim_resources_external_id_unique BEFORE INSERT OR UPDATE OF external_id, deleted_at ON scim_resources
            FOR EACH ROW EXECUTE FUNCTION gatehouse_scim_external_id_unique();
        """
}
