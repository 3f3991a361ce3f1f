extension GatehouseConfig {
    /// The effective configuration as `KEY`/value pairs in a stable order, secrets masked.
    public func redacted() -> [(key: String, value: String)] {
        [
            (ConfigKey.listen, listen.map(\.description).joined(separator: ",")),
            (ConfigKey.externalURL, externalURL),
            (ConfigKey.databaseURL, databaseURL?.description ?? "(unset)"),
            (ConfigKey.redisURL, redisURL?.description ?? "(unset)"),
            (ConfigKey.secretKey, secretKey == nil ? "(unset)" : "**** (32 bytes)"),
            (ConfigKey.secretKeyPrevious, secretKeyPrevious.isEmpty ? "(none)"
                : "**** (\(secretKeyPrevious.count) key\(secretKeyPrevious.count == 1 ? "" : "s"))"),
            (ConfigKey.blueprintsDir, blueprintsDirectory ?? "(unset)"),
            (ConfigKey.ldapListen, ldapListen.isEmpty ? "(unset: LDAP off)" : ldapListen.map(\.description).joined(separator: ",")),
            (ConfigKey.trustedProxies, trustedProxies.isEmpty ? "(none)" : trustedProxies.map(\.description).joined(separator: ",")),
            (ConfigKey.tlsCert, tls?.certificatePath ?? "(unset: plain HTTP)"),
            (ConfigKey.tlsKey, tls?.privateKeyPath ?? "(unset: plain HTTP)"),
            (ConfigKey.logLevel, logLevel.rawValue),
            (ConfigKey.logFormat, logFormat.rawValue),
            (ConfigKey.maxConnections, String(maxConnections)),
            (ConfigKey.brandName, brandName),
            (ConfigKey.brandLogoURL, brandLogoURL ?? "(unset)"),
            (ConfigKey.brandPrimaryColor, brandPrimaryColor ?? "(unset)"),
            (ConfigKey.authenticationFlow, authenticationFlow),
        ]
    }

    /// One `KEY=value` line per setting, secrets masked. Safe to log or print.
    public var description: String {
        redacted().map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }
}
