import Store
import Synchronization

/// Application access rules served from memory: parsed once (CEL included) instead of two
/// queries and a parse on every authorize, refresh and client-credentials grant. Dropped when
/// the client directory is (any node's change to policies, bindings or applications is
/// announced over PostgreSQL's NOTIFY), and after `timeToLive` seconds in any case.
/// Failed-login counts are live data and always go to the base source.
public final class CachedApplicationPolicies: ApplicationPolicySource {
    private struct Entry {
        let rules: ApplicationAccessRules?
        let loadedAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation = 0
    }

    private let base: any ApplicationPolicySource
    private let timeToLive: Duration
    private let state = Mutex(State())

    public init(base: any ApplicationPolicySource, timeToLive: Duration = .seconds(30)) {
        self.base = base
        self.timeToLive = timeToLive
    }

    public func invalidate() {
        state.withLock {
            $0.entries.removeAll()
            $0.generation += 1
        }
    }

    public func rules(applicationSlug slug: String) throws -> ApplicationAccessRules? {
        let now = ContinuousClock.now
        let (hit, generation): (Entry?, Int) = state.withLock { ($0.entries[slug], $0.generation) }
        if let hit, hit.loadedAt.duration(to: now) < timeToLive { return hit.rules }
        let rules = try base.rules(applicationSlug: slug)
        state.withLock { state in
            // A load that raced an invalidation is used once but not kept.
            guard state.generation == generation else { return }
            if state.entries.count > 10_000 { state.entries.removeAll() }
            state.entries[slug] = Entry(rules: rules, loadedAt: now)
        }
        return rules
    }

    public func recentFailures(userID: UserID, ip: String?, at now: Timestamp) throws -> Int {
        try base.recentFailures(userID: userID, ip: ip, at: now)
    }

}
