#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Logging
import Postgres
import Store

/// `OAuthClientDirectory` over `providers` (kind `oauth2`), `applications`,
/// `application_groups` and `scope_mappings`, served from memory.
///
/// The first lookup loads every client at once (there are few); lookups then read that
/// snapshot. It is dropped when PostgreSQL announces a change (`NOTIFY gatehouse_config`,
/// sent by triggers on those tables, see migration 4) through the listener started by
/// `startListening`, when the listener (re)connects (it may have missed announcements), and
/// after `timeToLive` seconds in any case — after 5 s while the listener is not connected.
public final class PostgresOAuthClientDirectory: OAuthClientDirectory, @unchecked Sendable {
    public static let channel = "gatehouse_config"
    /// The time to live while no listener is connected.
    static let unlistenedTimeToLive = 5.0

    private struct Snapshot {
        var byClientID: [String: Result<OAuthClient, StoreError>] = [:]
        var clientIDBySlug: [String: String] = [:]
        var loadedAt: Double
    }

    private struct State {
        var snapshot: Snapshot?
        /// Bumped by every invalidation; a load that started before one is not kept.
        var generation = 0
        var listening = false
        var listener: PGListener?
        /// Other in-memory copies of configuration that must be dropped with this one.
        var invalidationHandlers: [@Sendable () -> Void] = []
    }

    private let pool: PGPool
    private let sealer: SecretSealer?
    private let timeToLive: Double
    private let logger: Logger
    private let state = Locked(State())

    /// - Parameters:
    ///   - sealer: opens client secrets (`GatehouseConfig.secretSealer()`); without it a
    ///     confidential client's lookup throws `.unavailable`.
    ///   - timeToLive: seconds a snapshot is served at most, whatever the listener says.
    public init(pool: PGPool, sealer: SecretSealer?, timeToLive: Double = 60,
                logger: Logger = Logger(label: "gatehouse.oauth.clients")) {
        self.pool = pool
        self.sealer = sealer
        self.timeToLive = timeToLive
        self.logger = logger
    }

    deinit { stopListening() }

    public func client(clientID: String) throws(StoreError) -> OAuthClient? {
        guard let entry = try snapshot().byClientID[clientID] else { return nil }
        return try entry.get()
    }

    public func client(applicationSlug: String) throws(StoreError) -> OAuthClient? {
        let snapshot = try snapshot()
        guard let clientID = snapshot.clientIDBySlug[applicationSlug], let entry = snapshot.byClientID[clientID] else { return nil }
        return try entry.get()
    }

    /// Drops the cached clients; the next lookup reads the database.
    public func invalidate() {
        let handlers = state.withLock {
            $0.snapshot = nil
            $0.generation += 1
            return $0.invalidationHandlers
        }
        for handler in handlers { handler() }
    }

    /// Runs `handler` whenever this cache is dropped (a change announced by any node, or the
    /// listener reconnecting): other configuration caches ride on the same announcements.
    public func onInvalidate(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.invalidationHandlers.append(handler) }
    }

    /// Starts the dedicated LISTEN connection (a thread of its own; see `PGListener`). Call once
    /// at server start with the database URL; `stopListening` at shutdown.
    public func startListening(databaseURL: String) {
        let logger = self.logger
        let listener = PGListener(url: databaseURL, channels: [Self.channel]) { [weak self] event in
            switch event {
            case .listening:
                logger.debug("listening for configuration changes")
                self?.setListening(true)
            case .notification:
                self?.invalidate()
            case .lost(let reason, let retryIn):
                logger.warning("configuration change listener lost its connection",
                               metadata: ["error": "\(reason)", "retry_in_seconds": "\(retryIn)"])
                self?.setListening(false)
            }
        }
        let previous: PGListener? = state.withLock {
            let old = $0.listener
            $0.listener = listener
            return old
        }
        previous?.stop()
        listener.start()
    }

    public func stopListening() {
        let listener: PGListener? = state.withLock {
            let current = $0.listener
            $0.listener = nil
            $0.listening = false
            return current
        }
        listener?.stop()
    }

    /// Whether the listener is connected (then the snapshot lives `timeToLive`).
    public var isListening: Bool { state.withLock { $0.listening } }

    private func setListening(_ listening: Bool) {
        let handlers = state.withLock {
            $0.listening = listening
            // Announcements may have been missed while not listening.
            $0.snapshot = nil
            $0.generation += 1
            return $0.invalidationHandlers
        }
        for handler in handlers { handler() }
    }

    // MARK: - loading

    private func snapshot() throws(StoreError) -> Snapshot {
        let now = monotonicSeconds()
        let (cached, generation): (Snapshot?, Int) = state.withLock { state in
            let ttl = state.listening ? timeToLive : min(timeToLive, Self.unlistenedTimeToLive)
            if let snapshot = state.snapshot, now - snapshot.loadedAt < ttl { return (snapshot, state.generation) }
            return (nil, state.generation)
        }
        if let cached { return cached }
        let loaded = try load(at: now)
        state.withLock { if $0.generation == generation { $0.snapshot = loaded } }
        return loaded
    }

    private func load(at now: Double) throws(StoreError) -> Snapshot {
        let rows: (providers: PGResult, groups: PGResult, mappings: PGResult)
        do {
            rows = try pool.read { connection in
                try connection.transaction(isolation: .repeatableRead, readOnly: true) { connection in
                    (try connection.query("""
                        SELECT p.id::text AS id, p.name, p.client_id, p.config::text AS config,
                               p.secrets->>'client_secret' AS secret, a.id::text AS application_id, a.slug,
                               a.name AS application_name, a.launch_url
                        FROM providers p LEFT JOIN applications a ON a.provider_id = p.id
                        WHERE p.kind = 'oauth2' AND p.client_id IS NOT NULL
                        """),
                     try connection.query("""
                        SELECT ag.application_id::text AS application_id, g.name
                        FROM application_groups ag JOIN groups g ON g.id = ag.group_id ORDER BY g.name
                        """),
                     try connection.query("SELECT name, scope_name, description, expression FROM scope_mappings ORDER BY name"))
                }
            }
        } catch let error as PGError {
            throw StoreError.unavailable(error.description)
        } catch {
            throw StoreError.unavailable("\(error)")
        }
        var groups: [String: [String]] = [:]
        for row in rows.groups.rows.indices {
            guard let application = rows.groups.value(row, "application_id"), let name = rows.groups.value(row, "name") else { continue }
            groups[application, default: []].append(name)
        }
        let mappings = rows.mappings.rows.indices.compactMap { row -> OAuthScopeMapping? in
            let r = rows.mappings
            guard let name = r.value(row, "name"), let scope = r.value(row, "scope_name"),
                  let expression = r.value(row, "expression") else { return nil }
            return OAuthScopeMapping(name: name, scopeName: scope, description: r.value(row, "description") ?? "",
                                     expression: expression)
        }
        var snapshot = Snapshot(loadedAt: now)
        let providers = rows.providers
        for row in providers.rows.indices {
            guard let id = providers.value(row, "id"), let name = providers.value(row, "name"),
                  let clientID = providers.value(row, "client_id"), let config = providers.value(row, "config") else { continue }
            var application: OAuthApplication?
            if let applicationID = providers.value(row, "application_id"), let slug = providers.value(row, "slug") {
                application = OAuthApplication(slug: slug, name: providers.value(row, "application_name") ?? slug,
                                               launchURL: providers.value(row, "launch_url"),
                                               groups: groups[applicationID] ?? [])
                snapshot.clientIDBySlug[slug] = clientID
            }
            do throws(StoreError) {
                let client = try OAuthProviderConfig.client(
                    providerID: id, name: name, clientID: clientID, config: config,
                    sealedSecret: providers.value(row, "secret"), sealer: sealer, mappings: mappings,
                    application: application)
                snapshot.byClientID[clientID] = .success(client)
            } catch {
                logger.error("oauth2 provider cannot be served", metadata: ["provider": "\(name)", "error": "\(error)"])
                snapshot.byClientID[clientID] = .failure(error)
            }
        }
        return snapshot
    }

}
