/// The prepared statements of one session: SQL text and declared parameter types → the
/// generated statement name, with a use stamp for least-recently-used eviction.
struct PGStatementCache {
    struct Key: Hashable {
        let sql: String
        let types: [UInt32]
    }

    private struct Entry {
        let name: String
        var lastUse: UInt64
    }

    private var entries: [Key: Entry] = [:]
    private var useClock: UInt64 = 0
    private var lastNumber = 0
    /// Server-side statements no longer in `entries` that still await DEALLOCATE (dropped while
    /// a transaction was open, when a DEALLOCATE could have disturbed it).
    private(set) var orphans: [String] = []

    var count: Int { entries.count }

    /// The statement's name if it is prepared, marking it as just used.
    mutating func name(for key: Key) -> String? {
        guard entries[key] != nil else { return nil }
        useClock += 1
        entries[key]!.lastUse = useClock
        return entries[key]!.name
    }

    /// A name no statement of this session has had: `gh_1`, `gh_2`, …
    mutating func newName() -> String {
        lastNumber += 1
        return "gh_\(lastNumber)"
    }

    mutating func insert(_ key: Key, name: String) {
        useClock += 1
        entries[key] = Entry(name: name, lastUse: useClock)
    }

    /// Forgets `key`; its server-side statement is left for `takeOrphans()`.
    mutating func discard(_ key: Key) {
        if let entry = entries.removeValue(forKey: key) { orphans.append(entry.name) }
    }

    /// Forgets the least recently used statement and returns its name.
    mutating func evictLeastRecentlyUsed() -> String? {
        guard let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) else { return nil }
        entries.removeValue(forKey: oldest.key)
        return oldest.value.name
    }

    mutating func takeOrphans() -> [String] {
        defer { orphans = [] }
        return orphans
    }

    /// Forgets everything, for a session that no longer has the statements (closed, or DEALLOCATE ALL).
    mutating func removeAll() {
        entries = [:]
        orphans = []
    }
}
