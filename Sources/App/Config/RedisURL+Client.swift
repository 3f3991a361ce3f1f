import Redis

extension RedisURL {
    /// The Redis room's connection settings for this URL. Defaults: connect 0.5 s, command 0.25 s.
    public func redisConfiguration(connectTimeout: Double = 0.5, commandTimeout: Double = 0.25,
                                   maxConnections: Int = 8) -> RedisConfiguration {
        RedisConfiguration(host: host, port: port, username: username, password: password, database: database,
                           connectTimeout: connectTimeout, commandTimeout: commandTimeout, maxConnections: maxConnections)
    }
}
