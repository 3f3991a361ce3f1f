public import Store

/// `BlueprintStore` on PostgreSQL: one transaction per apply, under a transaction-scoped
/// advisory lock, so two nodes never apply at once (the second waits, then plans against what
/// the first wrote).
public struct PostgresBlueprintStore: BlueprintStore {
    /// `pg_advisory_xact_lock` key: the bytes of "GHBLUEPR".
    public static let advisoryLockKey: Int64 = 0x4748_424C_5545_5052

    private enum Database {
        case pool(PGPool)
        /// A pool of one connection made for each apply and closed after it.
        case url(String, applicationName: String)
    }

    private let database: Database

    public init(pool: PGPool) { database = .pool(pool) }

    /// A store that connects to `url` for each apply and disconnects after it: for start-up,
    /// the blueprint watcher and the command line, which apply now and then.
    public init(url: String, applicationName: String = "gatehouse") { database = .url(url, applicationName: applicationName) }

    public func withBlueprintLock<T>(_ body: (any BlueprintRecords) throws -> T) throws -> T {
        let pool: PGPool
        switch database {
        case .pool(let shared):
            pool = shared
        case .url(let url, let applicationName):
            var configuration = PGPoolConfiguration()
            configuration.maxConnections = 1
            configuration.minIdle = 0
            configuration.applicationName = applicationName
            pool = PGPool(url: url, configuration: configuration)
        }
        defer { if case .url = database { pool.close() } }
        do {
            return try pool.transaction { connection in
                try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [.int(Int(Self.advisoryLockKey))])
                return try body(PostgresBlueprintRecords(connection: connection))
            }
        } catch let error as PGError {
            throw storeError(error)
        }
    }
}

/// The records of one apply, every statement on the connection that holds its transaction.
/// Valid only inside `PostgresBlueprintStore.withBlueprintLock`.
struct PostgresBlueprintRecords: BlueprintRecords {
    let connection: PGConnection
    let runner: PGStoreRunner

    init(connection: PGConnection) {
        self.connection = connection
        runner = PGStoreRunner(connection: connection)
    }

    var users: any UserStore { PostgresUserStore(connection: connection) }
    var groups: any GroupStore { PostgresGroupStore(connection: connection) }
    var events: any EventStore { PostgresEventStore(connection: connection) }
    var directory: any DirectoryRecords { PostgresDirectoryRecords(runner: runner) }
    var scopeMappings: any ScopeMappingRecords { PostgresScopeMappingRecords(runner: runner) }
    var oauthProviders: any OAuthProviderRecords { PostgresOAuthProviderRecords(runner: runner) }
    var samlProviders: any SAMLProviderRecords { PostgresSAMLProviderRecords(runner: runner) }
    var applications: any ApplicationRecords { PostgresApplicationRecords(runner: runner) }
    var policies: any PolicyRecords { PostgresPolicyRecords(runner: runner) }
    var scimSources: any SCIMSourceRecords { PostgresSCIMSourceRecords(runner: runner) }
    var oauthSources: any OAuthSourceRecords { PostgresOAuthSourceRecords(runner: runner) }

    func savepoint(_ body: () throws -> Void) throws {
        do {
            try connection.transaction { _ in try body() }
        } catch let error as PGError {
            throw storeError(error)
        }
    }
}

/// A fresh uuid from the server, for rows whose sealed secrets are bound to their id.
func newRowID(_ runner: PGStoreRunner) throws(StoreError) -> String {
    guard let id = try runner.read({ try $0.query("SELECT gen_random_uuid()::text").scalar }) else {
        throw .unavailable("no uuid from gen_random_uuid()")
    }
    return id
}

/// `users` and `groups` beyond their stores (tables of migration 2).
struct PostgresDirectoryRecords: DirectoryRecords {
    let runner: PGStoreRunner

    func directGroupNames(ofUser user: UserID) throws(StoreError) -> [String] {
        let result = try runner.read { connection in
            try connection.query("""
                SELECT g.name FROM group_memberships m JOIN groups g ON g.id = m.group_id WHERE m.user_id = $1
                """, [.uuid(user.rawValue)])
        }
        return result.rows.compactMap { $0.first ?? nil }.sorted()
    }

    func deleteGroup(named name: String) throws(StoreError) {
        // Memberships go with it (ON DELETE CASCADE); child groups move to the top.
        let result = try runner.write { connection in
            do {
                return try connection.query("DELETE FROM groups WHERE name = $1", [.text(name)])
            } catch let error as PGError where error.sqlState == "23503" {
                // application_groups: deleting it would open those applications to everyone.
                throw StoreError.invalid("group \(name) still limits who may use an application; remove it from the application's groups first")
            }
        }
        guard result.affectedRows == 1 else { throw .notFound("group") }
    }

    func provisioningSource(ofGroup group: GroupID) throws(StoreError) -> String? {
        try runner.read { connection in
            try connection.query("""
                SELECT s.slug FROM scim_resources r JOIN sources s ON s.id = r.source_id
                WHERE r.group_id = $1 AND r.deleted_at IS NULL LIMIT 1
                """, [.uuid(group.rawValue)]).scalar
        }
    }

    func deleteUser(username: String) throws(StoreError) {
        // Sessions, tokens and memberships go with it (ON DELETE CASCADE); audit events stay.
        let result = try runner.write { try $0.query("DELETE FROM users WHERE lower(username) = lower($1)", [.text(username)]) }
        guard result.affectedRows == 1 else { throw .notFound("user") }
    }
}
