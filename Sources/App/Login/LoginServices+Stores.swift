import Crypto
import Flows
import Identity
import Logging
import Portal
import Postgres
import Redis
import Store

// How the server builds the portal's services: the PostgreSQL stores, with Redis in front
// when it is configured.
extension LoginServices {
    /// The PostgreSQL stores on `pool`, failed-login counters in PostgreSQL shared by all nodes
    /// (`SharedLoginThrottle` over `PostgresLoginFailureStore`; this node's counts while the database errs), OWASP argon2id parameters.
    public static func postgres(pool: PGPool, logger: Logger = Logger(label: "gatehouse.login"), sealer: SecretSealer? = nil,
                                totpIssuer: String = "Gatehouse", webAuthn: WebAuthn.RelyingParty? = nil,
                                authenticationFlow: String = Flow.defaultAuthentication.slug) -> LoginServices {
        LoginServices(users: PostgresUserStore(pool: pool), sessions: PostgresSessionStore(pool: pool),
                      events: PostgresEventStore(pool: pool), throttle: SharedLoginThrottle(store: PostgresLoginFailureStore(pool: pool), logger: logger),
                      authenticationFlow: authenticationFlow,
                      authenticators: sealer.map { authenticatorStore(pool: pool, sealer: $0) }, totpIssuer: totpIssuer,
                      webAuthn: webAuthn)
    }

    /// TOTP secrets sealed with the master key at `totp_devices/<id>/secret_sealed`.
    public static func authenticatorStore(pool: PGPool, sealer: SecretSealer) -> PostgresAuthenticatorStore {
        PostgresAuthenticatorStore(
            pool: pool,
            seal: { secret, id in SealedColumns.seal(Base32.encode(secret), with: sealer, at: SealedColumns.totpSecret, rowID: id) },
            open: { sealed, id in
                guard let secret = Base32.decode(try SealedColumns.open(sealed, with: sealer, at: SealedColumns.totpSecret,
                                                                        rowID: id)) else {
                    throw StoreError.invalid("a sealed TOTP secret is not base32")
                }
                return secret
            })
    }

    /// PostgreSQL as the store of record with Redis in front: sessions cached (and voided on
    /// every node when a user is deactivated) and failed-login counters shared by all nodes.
    /// Redis being down only costs speed: reads fall back to PostgreSQL, and so do the counters
    /// (every failure is written there too), which stay shared.
    public static func postgres(pool: PGPool, redis: RedisClient, logger: Logger, sealer: SecretSealer? = nil,
                                totpIssuer: String = "Gatehouse", webAuthn: WebAuthn.RelyingParty? = nil,
                                authenticationFlow: String = Flow.defaultAuthentication.slug) -> LoginServices {
        let cache = SessionCache(client: redis, logger: logger)
        return LoginServices(users: CachedUserStore(base: PostgresUserStore(pool: pool), cache: cache),
                             sessions: CachedSessionStore(base: PostgresSessionStore(pool: pool), cache: cache),
                             events: PostgresEventStore(pool: pool), throttle: RedisLoginThrottle(client: redis, fallback: SharedLoginThrottle(store: PostgresLoginFailureStore(pool: pool), logger: logger)),
                             authenticationFlow: authenticationFlow,
                      authenticators: sealer.map { authenticatorStore(pool: pool, sealer: $0) }, totpIssuer: totpIssuer,
                      webAuthn: webAuthn)
    }
}

/// The authenticator store with TOTP secrets sealed under the master key (the CLI's
/// `users reset-mfa` opens it too).
public func sealedAuthenticatorStore(pool: PGPool, sealer: SecretSealer) -> PostgresAuthenticatorStore {
    LoginServices.authenticatorStore(pool: pool, sealer: sealer)
}
