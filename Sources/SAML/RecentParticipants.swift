import Store
import Synchronization

/// Participations this node recorded lately, so a session signing in to the same SP again
/// (with the same NameID) costs no PostgreSQL write. Bounded; losing it only costs a write.
final class RecentParticipants: Sendable {
    private let recorded = Mutex<Set<String>>([])
    static let capacity = 50_000

    /// True when `participant` needs writing (not recorded by this node yet); remembers it.
    func needsRecording(_ participant: SAMLSessionParticipant) -> Bool {
        let key = participant.sessionID + "\u{0}" + participant.providerName + "\u{0}" + participant.nameID
        return recorded.withLock { set in
            if set.contains(key) { return false }
            if set.count >= Self.capacity { set.removeAll(keepingCapacity: true) }
            set.insert(key)
            return true
        }
    }

    /// Forgets what was recorded for a session (it ended, and its rows are gone).
    func forget(sessionID: String) {
        recorded.withLock { set in set = set.filter { !$0.hasPrefix(sessionID + "\u{0}") } }
    }
}
