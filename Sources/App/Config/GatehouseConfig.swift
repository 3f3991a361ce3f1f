import Net
import Web
import Logging

/// Everything Gatehouse reads at start-up, from `GATEHOUSE_*` environment variables and an
/// optional config file with the same keys (environment wins). See Docs/configuration.md.
///
/// Loading validates every value; the first problem stops start-up with one line naming the key.
/// `description` masks the secret key and any passwords.
public struct GatehouseConfig: Sendable, Equatable, CustomStringConvertible {
    /// `GATEHOUSE_LISTEN`: addresses the HTTP(S) server listens on. Default `0.0.0.0:9000`.
    public var listen: [ListenAddress]
    /// `GATEHOUSE_EXTERNAL_URL`: the URL users and apps reach Gatehouse at, without a trailing
    /// slash. Default `http://localhost:<first listen port>`.
    public var externalURL: String
    /// `GATEHOUSE_DATABASE_URL`: libpq URI. Required for `serve` and `migrate`.
    public var databaseURL: DatabaseURL?
    /// `GATEHOUSE_REDIS_URL`: the cache. Required for `serve`.
    public var redisURL: RedisURL?
    /// `GATEHOUSE_SECRET_KEY`: the master sealing key. Required for `serve`.
    public var secretKey: SecretKey?
    /// `GATEHOUSE_SECRET_KEY_PREVIOUS`: earlier master keys, still accepted for opening sealed
    /// secrets until `gatehouse secrets rotate-master-key` has resealed them under `secretKey`.
    public var secretKeyPrevious: [SecretKey]
    /// `GATEHOUSE_BLUEPRINTS_DIR`: a directory of blueprints applied at start-up.
    public var blueprintsDirectory: String?
    /// `GATEHOUSE_LDAP_LISTEN`: addresses for the LDAP listener; empty means LDAP is off.
    public var ldapListen: [ListenAddress]
    /// `GATEHOUSE_TRUSTED_PROXIES`: peers whose X-Forwarded-* headers are believed.
    public var trustedProxies: [IPNetwork]
    /// `GATEHOUSE_TLS_CERT` + `GATEHOUSE_TLS_KEY`: serve HTTPS directly; nil means plain HTTP.
    public var tls: TLSFiles?
    /// `GATEHOUSE_LOG_LEVEL`: trace, debug, info (default), notice, warning, error, critical.
    public var logLevel: Logger.Level
    /// `GATEHOUSE_LOG_FORMAT`: json (default) or text.
    public var logFormat: LogFormat
    /// `GATEHOUSE_MAX_CONNECTIONS`: open client connections at most. Default 10000.
    public var maxConnections: Int
    /// `GATEHOUSE_BRAND_NAME`: shown on pages and in e-mails. Default "Gatehouse".
    /// The built-in flows that may sign people in.
    public static let authenticationFlows = ["default-authentication-flow", "default-authentication-mfa-flow"]
    public static let defaultAuthenticationFlow = "default-authentication-flow"
    public var brandName: String
    /// The flow that signs people in (`default-authentication-flow`: password, MFA at step-up;
    /// `default-authentication-mfa-flow`: a second factor at every sign-in).
    public var authenticationFlow: String
    /// `GATEHOUSE_BRAND_LOGO_URL`: an http(s) URL or an absolute path on this server.
    public var brandLogoURL: String?
    /// `GATEHOUSE_BRAND_PRIMARY_COLOR`: `#rrggbb`, lower-cased.
    public var brandPrimaryColor: String?
    /// Non-fatal findings while loading (unknown `GATEHOUSE_*` keys), one line each.
    public var warnings: [String]
    /// The known keys that had a value (from the file or the environment).
    public var explicitKeys: Set<String>

    public struct TLSFiles: Sendable, Equatable {
        public var certificatePath: String
        public var privateKeyPath: String
        public init(certificatePath: String, privateKeyPath: String) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
        }
    }

    public enum LogFormat: String, Sendable, Equatable, CaseIterable {
        case json, text
    }

    /// The defaults, with nothing required filled in.
    public init() {
        listen = [ListenAddress(host: "0.0.0.0", port: 9000)]
        externalURL = "http://localhost:9000"
        databaseURL = nil
        redisURL = nil
        secretKey = nil
        secretKeyPrevious = []
        blueprintsDirectory = nil
        ldapListen = []
        trustedProxies = []
        tls = nil
        logLevel = .info
        logFormat = .json
        maxConnections = 10000
        brandName = "Gatehouse"
        authenticationFlow = Self.defaultAuthenticationFlow
        brandLogoURL = nil
        brandPrimaryColor = nil
        warnings = []
        explicitKeys = []
    }

    /// The database URL, or the one-line error every command that needs the database gives.
    public func requiredDatabaseURL() throws(ConfigError) -> DatabaseURL {
        guard let databaseURL else {
            throw ConfigError(key: ConfigKey.databaseURL, problem: "is required (e.g. postgresql://gatehouse@127.0.0.1:5432/gatehouse)")
        }
        return databaseURL
    }

    /// Checks what `serve` needs beyond a valid file: the database, Redis and the secret key.
    public func validateForServe() throws(ConfigError) {
        _ = try requiredDatabaseURL()
        if redisURL == nil {
            throw ConfigError(key: ConfigKey.redisURL, problem: "is required (e.g. redis://127.0.0.1:6379/0)")
        }
        if secretKey == nil {
            throw ConfigError(key: ConfigKey.secretKey, problem: "is required; generate one with: openssl rand -hex 32")
        }
    }
}

/// The configuration keys. Every key Gatehouse reads is listed in `all`; any other
/// `GATEHOUSE_*` key is reported as a warning (typo protection).
public enum ConfigKey {
    public static let configFile = "GATEHOUSE_CONFIG_FILE"
    public static let listen = "GATEHOUSE_LISTEN"
    public static let externalURL = "GATEHOUSE_EXTERNAL_URL"
    public static let databaseURL = "GATEHOUSE_DATABASE_URL"
    public static let redisURL = "GATEHOUSE_REDIS_URL"
    public static let secretKey = "GATEHOUSE_SECRET_KEY"
    public static let secretKeyPrevious = "GATEHOUSE_SECRET_KEY_PREVIOUS"
    public static let blueprintsDir = "GATEHOUSE_BLUEPRINTS_DIR"
    public static let ldapListen = "GATEHOUSE_LDAP_LISTEN"
    public static let trustedProxies = "GATEHOUSE_TRUSTED_PROXIES"
    public static let tlsCert = "GATEHOUSE_TLS_CERT"
    public static let tlsKey = "GATEHOUSE_TLS_KEY"
    public static let logLevel = "GATEHOUSE_LOG_LEVEL"
    public static let logFormat = "GATEHOUSE_LOG_FORMAT"
    public static let maxConnections = "GATEHOUSE_MAX_CONNECTIONS"
    public static let brandName = "GATEHOUSE_BRAND_NAME"
    public static let brandLogoURL = "GATEHOUSE_BRAND_LOGO_URL"
    public static let brandPrimaryColor = "GATEHOUSE_BRAND_PRIMARY_COLOR"
    public static let authenticationFlow = "GATEHOUSE_AUTHENTICATION_FLOW"

    public static let all: [String] = [
        configFile, listen, externalURL, databaseURL, redisURL, secretKey, secretKeyPrevious, blueprintsDir, ldapListen,
        trustedProxies, tlsCert, tlsKey, logLevel, logFormat, maxConnections, brandName, brandLogoURL,
        brandPrimaryColor, authenticationFlow,
    ]

    /// Prefixes of variables that belong to tooling, not to the server (never warned about).
    static let ignoredPrefixes = ["GATEHOUSE_TEST_"]
}
