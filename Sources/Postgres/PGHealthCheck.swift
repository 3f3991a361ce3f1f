/// The readiness check of a database: a connection of its own, `SELECT 1`, closed again.
public enum PGHealthCheck {
    /// Connects to `url` and runs `SELECT 1`, each step within `timeout` seconds (libpq waits at
    /// least 2 s to connect). A fresh connection, outside any pool: readiness wants to know
    /// whether the server answers now, not whether a pooled connection once did.
    public static func check(url: String, timeout: Double, applicationName: String = "gatehouse-probe") throws(PGError) {
        let connection = try PGConnection(url: url, connectTimeout: Int(timeout.rounded(.up)), applicationName: applicationName)
        defer { connection.close() }
        try connection.ping(timeout: timeout)
    }
}
