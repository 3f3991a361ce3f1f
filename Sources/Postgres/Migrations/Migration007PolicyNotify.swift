extension GatehouseMigrations {
    /// Policies and their bindings decide who may use an application; every node keeps them
    /// in memory, so a change must be announced like a client change (`NOTIFY gatehouse_config`,
    /// the function from migration 4).
    static let policyNotify = """
        CREATE TRIGGER policies_notify_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policies
            FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_config();
        CREATE TRIGGER policy_bindings_notify_config AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON policy_bindings
            FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_config();
        """
}
