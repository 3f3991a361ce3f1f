import Crypto
import Federation
import Foundation
import Store
import Synchronization

// In-memory stand-ins: the Store protocols (enough of their contracts for the linker) and an
// Entra ID upstream answering through `UpstreamTransport`, so federation runs without sockets.

final class FakeUserStore: UserStore {
    let users = Mutex<[User]>([])
    private let counter = Mutex(0)

    func createUser(_ new: NewUser) throws(StoreError) -> User {
        let n = counter.withLock { $0 += 1; return $0 }
        let now = Timestamp(secondsSince1970: 1_700_000_000)
        let user = User(id: UserID("user-\(n)"), username: new.username, email: new.email, name: new.name,
                        isActive: new.isActive, isSuperuser: new.isSuperuser, attributes: new.attributes,
                        passwordHash: new.passwordHash, passwordChangedAt: nil, createdAt: now, updatedAt: now,
                        lastLoginAt: nil, deactivatedAt: nil)
        let taken = users.withLock { list in
            if list.contains(where: { $0.username.lowercased() == new.username.lowercased() }) { return true }
            list.append(user)
            return false
        }
        if taken { throw .conflict(field: "username") }
        return user
    }

    func user(id: UserID) throws(StoreError) -> User? { users.withLock { $0.first { $0.id == id } } }
    func user(username: String) throws(StoreError) -> User? {
        users.withLock { $0.first { $0.username.lowercased() == username.lowercased() } }
    }
    func users(email: String) throws(StoreError) -> [User] {
        users.withLock { $0.filter { $0.email?.lowercased() == email.lowercased() } }
    }
    func updateUser(_ user: User) throws(StoreError) -> User {
        users.withLock { list in
            if let i = list.firstIndex(where: { $0.id == user.id }) { list[i] = user }
        }
        return user
    }
    func setPassword(userID: UserID, hash: String?, at: Timestamp) throws(StoreError) {}
    func recordLogin(userID: UserID, at: Timestamp) throws(StoreError) {}
    func deactivateUser(_ id: UserID, at: Timestamp) throws(StoreError) {
        users.withLock { list in
            if let i = list.firstIndex(where: { $0.id == id }) { list[i].isActive = false }
        }
    }
    func activateUser(_ id: UserID) throws(StoreError) {}
    func groups(ofUser id: UserID) throws(StoreError) -> [Group] { [] }
    var count: Int { users.withLock { $0.count } }
}

final class FakeGroupStore: GroupStore {
    let groups = Mutex<[Group]>([])
    let members = Mutex<Set<[String]>>([])

    func createGroup(_ new: NewGroup) throws(StoreError) -> Group {
        let now = Timestamp(secondsSince1970: 1_700_000_000)
        let group = Group(id: GroupID("group-\(groups.withLock { $0.count } + 1)"), name: new.name, parentID: new.parentID,
                          isSuperuserGroup: new.isSuperuserGroup, attributes: new.attributes, createdAt: now, updatedAt: now)
        let taken = groups.withLock { list in
            if list.contains(where: { $0.name == new.name }) { return true }
            list.append(group)
            return false
        }
        if taken { throw .conflict(field: "name") }
        return group
    }
    func group(id: GroupID) throws(StoreError) -> Group? { groups.withLock { $0.first { $0.id == id } } }
    func group(name: String) throws(StoreError) -> Group? { groups.withLock { $0.first { $0.name == name } } }
    func updateGroup(_ group: Group) throws(StoreError) -> Group { group }
    func addMember(_ user: UserID, to group: GroupID) throws(StoreError) { _ = members.withLock { $0.insert([user.rawValue, group.rawValue]) } }
    func removeMember(_ user: UserID, from group: GroupID) throws(StoreError) { _ = members.withLock { $0.remove([user.rawValue, group.rawValue]) } }
    func members(of group: GroupID) throws(StoreError) -> [UserID] {
        members.withLock { $0.filter { $0[1] == group.rawValue }.map { UserID($0[0]) } }
    }
    func groupNames(of user: UserID) -> [String] {
        let ids = members.withLock { $0.filter { $0[0] == user.rawValue }.map { $0[1] } }
        return groups.withLock { list in list.filter { ids.contains($0.id.rawValue) }.map(\.name).sorted() }
    }
}

final class FakeConnections: SourceConnectionStore {
    let links = Mutex<[String: UserID]>([:])
    let groups: FakeGroupStore
    init(groups: FakeGroupStore) { self.groups = groups }

    func connectedUser(source: String, identifier: String) throws(StoreError) -> UserID? {
        links.withLock { $0[source + "\u{0}" + identifier] }
    }
    func isConnected(source: String, user: UserID) throws(StoreError) -> Bool {
        links.withLock { $0.contains { $0.key.hasPrefix(source + "\u{0}") && $0.value == user } }
    }
    func connect(source: String, identifier: String, user: UserID) throws(StoreError) {
        let taken = links.withLock { links in
            if links[source + "\u{0}" + identifier] != nil { return true }
            links[source + "\u{0}" + identifier] = user
            return false
        }
        if taken { throw .conflict(field: "identifier") }
    }
    func syncedGroup(source: String, upstreamID: String) throws(StoreError) -> Group? {
        groups.groups.withLock { $0.first { Self.tag($0) == [source, upstreamID] } }
    }
    func syncedGroups(source: String, user: UserID) throws(StoreError) -> [Group] {
        let ids = groups.members.withLock { $0.filter { $0[0] == user.rawValue }.map { $0[1] } }
        return groups.groups.withLock { $0.filter { ids.contains($0.id.rawValue) && Self.tag($0).first == source } }
    }
    var count: Int { links.withLock { $0.count } }

    static func tag(_ group: Group) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(group.attributes.text.utf8)) as? [String: Any],
              let source = object["source"] as? String, let id = object["upstream_id"] as? String else { return [] }
        return [source, id]
    }
}

/// A tiny Entra ID: discovery (multi-tenant issuer template), JWKS, token endpoint handing out
/// whatever ID token the test prepared, Graph `/me` and `/me/memberOf` in pages.
final class FakeEntra: UpstreamTransport, @unchecked Sendable {
    static let authority = "https://login.example.test"
    static let graph = "https://graph.example.test"
    let lock = NSLock()
    var keys: [SigningKey]
    var nextIDToken = ""
    var graphStatus = 200
    var memberOfPages: [[[String: Any]]] = []
    var me: [String: Any] = [:]
    var jwksFetches = 0
    var requests: [String] = []
    var lastForm: [String: String] = [:]

    init() throws {
        keys = [try SigningKey.generate(.rs256)]
    }

    func get(_ url: String, bearer: String?) throws(FederationError) -> UpstreamResponse {
        lock.lock(); defer { lock.unlock() }
        requests.append(url)
        if url.hasSuffix("/v2.0/.well-known/openid-configuration") {
            return json([
                "issuer": Self.authority + "/{tenantid}/v2.0",
                "authorization_endpoint": Self.authority + "/common/oauth2/v2.0/authorize",
                "token_endpoint": Self.authority + "/common/oauth2/v2.0/token",
                "jwks_uri": Self.authority + "/common/discovery/v2.0/keys",
            ])
        }
        if url.hasSuffix("/discovery/v2.0/keys") {
            jwksFetches += 1
            return UpstreamResponse(status: 200, body: Array(("{\"keys\":[" + keys.map(\.publicJWK).joined(separator: ",") + "]}").utf8))
        }
        if url.hasPrefix(Self.graph + "/v1.0/me/memberOf") {
            if graphStatus != 200 { return UpstreamResponse(status: graphStatus, body: Array("{}".utf8)) }
            let page = url.contains("page=") ? Int(url.split(separator: "=").last ?? "0") ?? 0 : 0
            var body: [String: Any] = ["value": memberOfPages.isEmpty ? [] : memberOfPages[page]]
            if page + 1 < memberOfPages.count { body["@odata.nextLink"] = Self.graph + "/v1.0/me/memberOf?page=\(page + 1)" }
            return json(body)
        }
        if url.hasPrefix(Self.graph + "/v1.0/me") { return json(me) }
        throw .upstreamUnreachable("no route \(url)")
    }

    func postForm(_ url: String, _ form: [(String, String)]) throws(FederationError) -> UpstreamResponse {
        lock.lock(); defer { lock.unlock() }
        requests.append(url)
        lastForm = Dictionary(form, uniquingKeysWith: { a, _ in a })
        return json(["id_token": nextIDToken, "access_token": "graph-token", "token_type": "Bearer"])
    }

    func json(_ object: [String: Any]) -> UpstreamResponse {
        UpstreamResponse(status: 200, body: Array((try? JSONSerialization.data(withJSONObject: object)) ?? Data()))
    }

    /// Signs `claims` with key `index` (or a foreign key).
    func sign(_ claims: [String: Any], key: SigningKey? = nil) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: claims)
        return try JWS.sign(payloadJSON: Array(data), key: key ?? lock.withLock { keys[0] }, type: "JWT")
    }
}
