/// Where a Redis server is and how long to wait for it. App builds one from `GATEHOUSE_REDIS_URL`.
public struct RedisConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// ACL user for `AUTH user password`; nil sends `AUTH password` (when there is a password).
    public var username: String?
    public var password: String?
    /// Sent as `SELECT n` after connecting when not 0.
    public var database: Int
    /// Seconds allowed for the TCP connect (default 0.5).
    public var connectTimeout: Double
    /// Seconds allowed for one command's send and reply, AUTH and SELECT included (default 0.25).
    public var commandTimeout: Double
    /// Most connections a `RedisClient` keeps open at once (default 8).
    public var maxConnections: Int
    /// After Redis went down, the first reconnect is tried this many seconds later (default 1);
    /// each failed try doubles the wait up to `retryMaxDelay` (default 5).
    public var retryInitialDelay: Double
    public var retryMaxDelay: Double

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0,
                connectTimeout: Double = 0.5, commandTimeout: Double = 0.25, maxConnections: Int = 8,
                retryInitialDelay: Double = 1, retryMaxDelay: Double = 5) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.maxConnections = maxConnections
        self.retryInitialDelay = retryInitialDelay
        self.retryMaxDelay = retryMaxDelay
    }

    /// `host:port/db`, never the password.
    public var description: String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)/\(database)"
    }
}
