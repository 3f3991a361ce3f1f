import Foundation
import SCIM
import Store
import Synchronization

/// `ProvisioningStore` in memory, for in-process tests of the SCIM room. One lock makes every
/// call a transaction: a change works on a copy of the state and stores it only when it
/// succeeds, so a refusal or a conflict writes nothing. It keeps the same rules as PostgreSQL
/// (one identifier per account, group names unique in any case, nesting without cycles), which
/// `ProvisioningStoreConformance` checks on both.
final class InMemoryProvisioningStore: ProvisioningStore {
    struct State {
        var sources: [String: (source: ProvisioningSource, enabled: Bool)] = [:]
        var accounts: [String: User] = [:]
        var groups: [String: GroupRow] = [:]
        /// (user id, group id)
        var memberships: Set<[String]> = []
        /// In creation order.
        var resources: [Resource] = []
        var liveSessions: [String: Int] = [:]
        var liveTokens: [String: Int] = [:]
        var events: [AuditEvent] = []
        var clock: Int64 = 0
    }

    struct GroupRow {
        let id: String
        var name: String
        var parent: String?
        let createdAt: Timestamp
        var updatedAt: Timestamp
    }

    /// What a source provisioned: one user or one group.
    struct Resource {
        let source: String
        let user: String?
        let group: String?
        var externalID: String?
        var document: JSONText
        let createdAt: Timestamp
        var updatedAt: Timestamp
        var deleted = false
    }

    let state = Mutex(State())
    /// While true, looking up a source fails as a database outage would.
    let outage = Mutex(false)

    /// Runs `body` on a copy of the state and keeps the copy only if `body` succeeds.
    func transaction<T, E: Error>(_ body: (inout State) throws(E) -> T) throws(E) -> T {
        try state.withLock { (state: inout State) throws(E) -> T in
            var draft = state
            let result = try body(&draft)
            state = draft
            return result
        }
    }

    func read<T>(_ body: (State) -> T) -> T { state.withLock { body($0) } }

    // MARK: - sources

    func source(slug: String) throws(StoreError) -> ProvisioningSource? {
        if outage.withLock({ $0 }) { throw .unavailable("the test switched the store off") }
        return read { state in state.sources[slug].flatMap { $0.enabled ? $0.source : nil } }
    }

    func replaceToken(ofSource slug: String, sha256: [UInt8], audit: ProvisioningAudit) throws(StoreError) -> Bool {
        transaction { state in
            guard let entry = state.sources[slug] else { return false }
            let old = entry.source
            state.sources[slug] = (ProvisioningSource(id: old.id, slug: old.slug, name: old.name, purgeOnDelete: old.purgeOnDelete,
                                                      tokenSHA256: sha256), entry.enabled)
            state.append(audit, source: slug)
            return true
        }
    }
}

extension InMemoryProvisioningStore.State {
    /// Strictly increasing, so creation order and "later" are never ties.
    mutating func tick() -> Timestamp {
        clock = max(clock + 1, Timestamp.now().microsecondsSince1970)
        return Timestamp(microsecondsSince1970: clock)
    }

    static func newID() -> String { UUID().uuidString.lowercased() }

    /// The lower-case text of a UUID, or nil (PostgreSQL would refuse anything else as a uuid).
    static func uuid(_ text: String) -> String? {
        UUID(uuidString: text) != nil ? text.lowercased() : nil
    }

    mutating func append(_ audit: ProvisioningAudit, source: String, user: String? = nil, group: String? = nil) {
        var context: [String: JSONValue] = ["source": .string(source)]
        if let user { context["user_id"] = .string(user) }
        if let group { context["group_id"] = .string(group) }
        for (key, value) in JSONValue.parse(Array(audit.details.text.utf8))?.objectValue ?? [:] { context[key] = value }
        events.append(AuditEvent(id: Int64(events.count + 1), createdAt: tick(), actorUserID: user.map(UserID.init),
                                 action: audit.action, clientIP: nil, outcome: "success", context: JSONText(JSONValue.object(context).text)))
    }

    func resourceIndex(user id: String, source: String) -> Int? {
        resources.firstIndex { $0.user == id && $0.source == source && !$0.deleted }
    }

    func resourceIndex(group id: String, source: String) -> Int? {
        resources.firstIndex { $0.group == id && $0.source == source && !$0.deleted }
    }

    /// Whether `id` is a user or group `source` provisioned (deleted ones too, as in PostgreSQL's joins).
    func owns(_ source: String, user id: String) -> Bool { resources.contains { $0.user == id && $0.source == source } }
    func owns(_ source: String, group id: String) -> Bool { resources.contains { $0.group == id && $0.source == source } }

    // MARK: identifier rules (PostgreSQL: the unique username index and migration 8's triggers)

    /// An `externalId` names one live user within a source (migration 10's rule).
    func checkExternalID(_ externalID: String?, of id: String, in source: String) throws(StoreError) {
        guard let externalID else { return }
        if resources.contains(where: { $0.source == source && $0.user != nil && $0.user != id && !$0.deleted
                                       && $0.externalID == externalID }) {
            throw .conflict(field: "externalId")
        }
    }

    func checkIdentifiers(username: String, email: String?, of id: String) throws(StoreError) {
        guard !username.isEmpty else { throw .invalid("username must not be empty") }
        let name = username.lowercased(), mail = (email ?? "").lowercased()
        let others = accounts.values.filter { $0.id.rawValue != id }
        if let previous = accounts[id], previous.username.lowercased() == name, (previous.email ?? "").lowercased() == mail {
            return  // unchanged identifiers are not checked again
        }
        var own = [name]
        if !mail.isEmpty && mail != name { own.append(mail) }
        for other in others where other.username.lowercased() != name {
            if let theirs = other.email?.lowercased(), own.contains(theirs) { throw .conflict(field: "username or e-mail address") }
            if !mail.isEmpty && other.username.lowercased() == mail { throw .conflict(field: "username or e-mail address") }
        }
        if others.contains(where: { $0.username.lowercased() == name }) { throw .conflict(field: "username") }
    }

    func checkGroupName(_ name: String, of id: String) throws(StoreError) {
        guard !name.isEmpty else { throw .invalid("name must not be empty") }
        if groups.values.contains(where: { $0.id != id && $0.name.lowercased() == name.lowercased() }) { throw .conflict(field: "name") }
    }
}
