extension GatehouseMigrations {
    /// Migration 3: failed-login counters shared by every node (`PostgresLoginFailureStore`), the
    /// throttle's store without Redis and its fallback while Redis is down. Released migrations
    /// never change; add a new one instead.
    ///
    /// One row per counted key: a fixed window that starts at the first failure. `key` is the
    /// lower-case hex SHA-256 of the account key for scope 'account' (never the name itself,
    /// as in Redis) and the client IP for scope 'ip'. Rows whose window has passed count for
    /// nothing; they are reused by the next failure or removed opportunistically, by
    /// `window_start`.
    static let loginFailures = """
        CREATE TABLE login_failures (
            scope text NOT NULL CHECK (scope IN ('account', 'ip')),
            key text NOT NULL,
            window_start timestamptz NOT NULL,
            failures integer NOT NULL,
            PRIMARY KEY (scope, key)
        );
        CREATE INDEX login_failures_window_start_idx ON login_failures (window_start);
        """
}
