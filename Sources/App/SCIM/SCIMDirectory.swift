import Logging
import Postgres
import SCIM
import Federation
import Store

/// The users and groups a SCIM source provisioned, in PostgreSQL: `users`/`groups` hold what
/// the rest of Gatehouse reads, `scim_resources` the source's ownership, `externalId` and the
/// resource as sent. Every change is one transaction; a deactivation ends the user's sessions
/// and revokes their tokens in it, then `userDeactivated` voids cached sessions on every node.
public struct SCIMDirectory: Sendable {
    let pool: PGPool
    let logger: Logger
    let userDeactivated: @Sendable (UserID) -> Void

    public init(pool: PGPool, logger: Logger, userDeactivated: @escaping @Sendable (UserID) -> Void = { _ in }) {
        self.pool = pool
        self.logger = logger
        self.userDeactivated = userDeactivated
    }

    /// The user a SCIM source provisioned with `externalId` (Entra ID's object id when the
    /// mapping sends it), for the Entra ID login source to sign in as the same account.
    public func user(externalID: String) throws -> UserID? {
        try pool.read { connection in
            try connection.query("""
                SELECT r.user_id::text FROM scim_resources r JOIN sources s ON s.id = r.source_id
                WHERE r.external_id = $1 AND r.user_id IS NOT NULL AND r.deleted_at IS NULL AND s.kind = 'scim'
                ORDER BY r.created_at LIMIT 1
                """, [.text(externalID)]).scalar.map(UserID.init)
        }
    }

    /// Runs `body` in one transaction; database failures become SCIM errors (a unique
    /// violation is 409 `uniqueness`, anything unexpected a logged 500).
    func transaction<T>(_ what: String, _ body: (PGConnection) throws -> T) throws(SCIMError) -> T {
        do {
            return try pool.transaction(body)
        } catch let error as SCIMError {
            throw error
        } catch let error as PGError where error.sqlState == "23505" {
            throw .uniqueness("\(what): the value is already taken")
        } catch {
            logger.error("scim store failure", metadata: ["operation": "\(what)", "error": "\(error)"])
            throw SCIMError(status: 500, detail: "the directory is unavailable")
        }
    }

    func read<T>(_ what: String, _ body: (PGConnection) throws -> T) throws(SCIMError) -> T {
        do {
            return try pool.read(body)
        } catch let error as SCIMError {
            throw error
        } catch {
            logger.error("scim store failure", metadata: ["operation": "\(what)", "error": "\(error)"])
            throw SCIMError(status: 500, detail: "the directory is unavailable")
        }
    }

    /// The source `slug` if `token` is its bearer token.
    func authenticate(slug: String, token: String?) throws(SCIMError) -> SCIMSource {
        let source = try read("authenticate") { try SCIMSource.load(slug: slug, on: $0) }
        guard let token, let source, source.accepts(token: token) else { throw .unauthorized }
        return source
    }

    static func audit(_ connection: PGConnection, _ action: String, source: SCIMSource, user: String? = nil,
                      group: String? = nil, extra: [String: JSONValue] = [:]) throws {
        var context: [String: JSONValue] = ["source": .string(source.slug)]
        if let user { context["user_id"] = .string(user) }
        if let group { context["group_id"] = .string(group) }
        for (k, v) in extra { context[k] = v }
        try connection.query("INSERT INTO events (actor_user_id, action, outcome, context) VALUES ($1, $2, 'success', $3)",
                             [user.map(PGValue.uuid), .text(action), .jsonb(JSONValue.object(context).text)])
    }

    /// A UUID in its text form: anything else cannot name one of our resources (and must not reach a `uuid` cast).
    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (i, b) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                guard (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70) else { return false }
            }
        }
        return true
    }

    static func parseStored(_ text: String?) -> [String: JSONValue] {
        text.flatMap { JSONValue.parse(Array($0.utf8))?.objectValue } ?? [:]
    }

    /// `uuid[]` literal for `= ANY($n::uuid[])`; callers pass only checked UUIDs.
    static func uuidArray(_ ids: [String]) -> PGValue { .text("{" + ids.joined(separator: ",") + "}") }

    static let timeFormat = #"'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"#
}

/// Where a request's resources live, for `meta.location` and `$ref`.
struct SCIMEndpoint: Sendable {
    let source: SCIMSource
    /// `https://host/source/scim/<slug>/v2`
    let base: String
}

/// A person provisioned over SCIM and signing in through the Entra ID source is one account:
/// the sign-in finds the provisioned user by `externalId` (the Entra object id).
extension SCIMDirectory: ProvisionedAccounts {}
