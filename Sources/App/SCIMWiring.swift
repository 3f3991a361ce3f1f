import Federation
public import Postgres
import SCIM

/// What App's other parts need of SCIM sources: the stored form of a token (the blueprint
/// writer) and a fresh token (`gatehouse scim token`). The rules are the SCIM room's
/// (`SCIMToken`), the storage PostgreSQL's.
public enum SCIMSource {
    public static func tokenDigest(_ token: String) -> String { SCIMToken.hexDigest(token) }

    /// Throws when no SCIM source has that slug.
    public static func issueToken(slug: String, pool: PGPool) throws -> String {
        try SCIMToken.issue(forSource: slug, via: "cli", in: PostgresProvisioningStore(pool: pool))
    }
}

/// A person provisioned over SCIM and signing in through the Entra ID source is one account:
/// the sign-in finds the provisioned user by `externalId` (the Entra object id). Declared here
/// because Postgres may not import Federation.
extension PostgresProvisioningStore: ProvisionedAccounts {}
