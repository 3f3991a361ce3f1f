public import Store

/// `ConfigurationChangeFeed` on PostgreSQL: one `PGListener` connection on the channel that the
/// configuration tables' triggers notify at commit (`NOTIFY gatehouse_config`, migrations 4 and 7).
public final class PGConfigurationChangeFeed: ConfigurationChangeFeed, @unchecked Sendable {  // state under `lock`
    public static let channel = "gatehouse_config"

    private let url: String
    private let lock = PoolLock()
    private var listener: PGListener?

    /// - Parameter url: a libpq URI; the feed opens a connection of its own to it.
    public init(url: String) { self.url = url }

    deinit { stop() }

    public func start(_ handler: @escaping @Sendable (ConfigurationChange) -> Void) {
        let listener = PGListener(url: url, channels: [Self.channel]) { event in
            switch event {
            case .listening: handler(.listening)
            case .notification: handler(.changed)
            case .lost(let reason, let retryIn): handler(.lost(reason: reason, retryIn: retryIn))
            }
        }
        let started: Bool = lock.withLock {
            guard self.listener == nil else { return false }
            self.listener = listener
            return true
        }
        if started { listener.start() }
    }

    public func stop() {
        let listener: PGListener? = lock.withLock {
            defer { self.listener = nil }
            return self.listener
        }
        listener?.stop()
    }
}
