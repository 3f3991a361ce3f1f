/// Word that configuration (providers, applications, their groups, scope mappings, policies and
/// their bindings) changed on some node, so in-memory copies of it must be dropped.
public enum ConfigurationChange: Sendable, Equatable {
    /// Announcements arrive (at start, and again after every reconnect: those sent while
    /// disconnected are lost, so treat this as a change too).
    case listening
    case changed
    /// The connection failed or could not be made; the next attempt is in `retryIn` seconds.
    case lost(reason: String, retryIn: Double)
}

/// A source of `ConfigurationChange`s, delivered on a thread of its own.
public protocol ConfigurationChangeFeed: Sendable {
    /// Starts delivering to `handler`; while it runs, later calls do nothing.
    func start(_ handler: @escaping @Sendable (ConfigurationChange) -> Void)
    /// Stops delivering and waits until it has (except when called from the handler).
    func stop()
}
