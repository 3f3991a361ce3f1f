import Crypto
import Logging
import Store

/// `OAuthClientDirectory` served from memory: every client of an `OAuthProviderStore`
/// (`PostgresOAuthProviderStore`), with its secret opened by the master key.
///
/// The first lookup loads every client at once (there are few); lookups then read that
/// snapshot. It is dropped when a node announces a change through the feed given to
/// `startListening` (PostgreSQL's `NOTIFY gatehouse_config`, sent by triggers on the
/// configuration tables, see migration 4), when the feed (re)connects (it may have missed
/// announcements), and after `timeToLive` seconds in any case — after 5 s while not listening.
public final class CachedOAuthClientDirectory: OAuthClientDirectory, @unchecked Sendable {
    /// The time to live while no feed is connected.
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
        var feed: (any ConfigurationChangeFeed)?
        /// Other in-memory copies of configuration that must be dropped with this one.
        var invalidationHandlers: [@Sendable () -> Void] = []
    }

    private let store: any OAuthProviderStore
    private let sealer: SecretSealer?
    private let timeToLive: Double
    private let logger: Logger
    private let state = Locked(State())

    /// - Parameters:
    ///   - sealer: opens client secrets (`GatehouseConfig.secretSealer()`); without it a
    ///     confidential client's lookup throws `.unavailable`.
    ///   - timeToLive: seconds a snapshot is served at most, whatever the feed says.
    public init(store: any OAuthProviderStore, sealer: SecretSealer?, timeToLive: Double = 60,
                logger: Logger = Logger(label: "gatehouse.oauth.clients")) {
        self.store = store
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

    /// Drops the cached clients; the next lookup reads the store.
    public func invalidate() {
        let handlers = state.withLock {
            $0.snapshot = nil
            $0.generation += 1
            return $0.invalidationHandlers
        }
        for handler in handlers { handler() }
    }

    /// Runs `handler` whenever this cache is dropped (a change announced by any node, or the
    /// feed reconnecting): other configuration caches ride on the same announcements.
    public func onInvalidate(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.invalidationHandlers.append(handler) }
    }

    /// Starts following `feed` (on PostgreSQL a `PGConfigurationChangeFeed`: a connection and a
    /// thread of its own). Call once at server start; `stopListening` at shutdown.
    public func startListening(to feed: any ConfigurationChangeFeed) {
        let previous: (any ConfigurationChangeFeed)? = state.withLock {
            let old = $0.feed
            $0.feed = feed
            return old
        }
        previous?.stop()
        let logger = self.logger
        feed.start { [weak self] change in
            switch change {
            case .listening:
                logger.debug("listening for configuration changes")
                self?.setListening(true)
            case .changed:
                self?.invalidate()
            case .lost(let reason, let retryIn):
                logger.warning("configuration change listener lost its connection",
                               metadata: ["error": "\(reason)", "retry_in_seconds": "\(retryIn)"])
                self?.setListening(false)
            }
        }
    }

    public func stopListening() {
        let feed: (any ConfigurationChangeFeed)? = state.withLock {
            let current = $0.feed
            $0.feed = nil
            $0.listening = false
            return current
        }
        feed?.stop()
    }

    /// Whether the feed is connected (then the snapshot lives `timeToLive`).
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

    /// Every client of the store; one that cannot be served is kept as its error (and logged).
    private func load(at now: Double) throws(StoreError) -> Snapshot {
        let catalog = try store.oauthProviderCatalog()
        var snapshot = Snapshot(loadedAt: now)
        for entry in catalog.entries {
            let provider = entry.provider
            if let application = entry.application { snapshot.clientIDBySlug[application.slug] = provider.clientID }
            do throws(StoreError) {
                let client = try OAuthProviderConfig.client(provider, sealer: sealer, mappings: catalog.scopeMappings,
                                                            application: entry.application)
                snapshot.byClientID[provider.clientID] = .success(client)
            } catch {
                logger.error("oauth2 provider cannot be served", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
                snapshot.byClientID[provider.clientID] = .failure(error)
            }
        }
        return snapshot
    }
}
