import Foundation
import XCTest
@testable import App
import Postgres
@testable import SCIM
import Store

/// The SCIM directory on PostgreSQL without sockets: races, nesting, isolation between
/// sources, the deactivation hook (skipped without GATEHOUSE_TEST_DATABASE_URL). What every
/// store must do is `PostgresProvisioningStoreTests`; the routes are tested in SCIMTests.
final class SCIMDirectoryTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    let deactivated = DeactivationLog()
    var directory: SCIMDirectory!
    var entra: SCIMEndpoint!
    var other: SCIMEndpoint!

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        let log = deactivated
        directory = SCIMDirectory(store: PostgresProvisioningStore(pool: pool), log: { _, _ in }) { log.add($0) }
        entra = try endpoint("entra")
        other = try endpoint("other")
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    func endpoint(_ slug: String) throws -> SCIMEndpoint {
        let token = "token-of-\(slug)-" + String(repeating: "x", count: 32)
        try pool.withConnection { connection in
            try connection.query("INSERT INTO sources (slug, name, kind, secrets) VALUES ($1, $1, 'scim', jsonb_build_object('token_sha256', $2::text))",
                                 [.text(slug), .text(SCIMSource.tokenDigest(token))])
        }
        XCTAssertThrowsError(try directory.authenticate(slug: slug, token: "wrong"))
        return SCIMEndpoint(source: try directory.authenticate(slug: slug, token: token), base: "https://sso.example.test/source/scim/\(slug)/v2")
    }

    func user(_ name: String, in endpoint: SCIMEndpoint? = nil) throws -> String {
        let doc = try directory.createUser(endpoint ?? entra, body: ["userName": .string(name)])
        return try XCTUnwrap(doc["id"]?.stringValue)
    }

    func testConcurrentCreatesOfOneUserNameGiveOneUserAndConflicts() throws {
        let outcomes = Outcomes()
        let (directory, entra) = (directory!, entra!)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            do throws(SCIMError) {
                _ = try directory.createUser(entra, body: ["userName": .string(i % 2 == 0 ? "Race@contoso.com" : "race@CONTOSO.com")])
                outcomes.add("created")
            } catch {
                outcomes.add("\(error.status) \(error.scimType ?? "")")
            }
        }
        XCTAssertEqual(outcomes.all.sorted(), ["409 uniqueness"] * 7 + ["created"])
        let (total, _) = try directory.listUsers(entra, filter: nil, startIndex: 1, count: 10)
        XCTAssertEqual(total, 1)
    }

    func testNestedGroupsAndCyclesRefusedWhole() throws {
        let somchai = try user("somchai@contoso.com")
        let parent = try directory.createGroup(entra, body: ["displayName": "finance"])["id"]?.stringValue ?? ""
        let child = try directory.createGroup(entra, body: ["displayName": "ar-clerks", "members": [["value": .string(somchai)]]])["id"]?.stringValue ?? ""
        let patch = try SCIMPatch.parse(["Operations": [["op": "add", "path": "members", "value": [["value": .string(child)]]]]])
        let updated = try XCTUnwrap(try directory.patchGroup(entra, id: parent, patch: patch, returnMembers: true))
        XCTAssertEqual(updated["members"], [["value": .string(child), "type": "Group", "$ref": .string(entra.base + "/Groups/" + child)]])
        let groups = try PostgresUserStore(pool: pool).groups(ofUser: UserID(somchai)).map(\.name)
        XCTAssertEqual(groups, ["ar-clerks", "finance"], "a member of the child counts as a member of the parent")

        // The parent as a member of its own child: refused, and the rename in the same PATCH is not written.
        let cycle = try SCIMPatch.parse(["Operations": [
            ["op": "replace", "path": "displayName", "value": "renamed"],
            ["op": "add", "path": "members", "value": [["value": .string(parent)]]],
        ]])
        XCTAssertThrowsError(try directory.patchGroup(entra, id: child, patch: cycle, returnMembers: true)) {
            XCTAssertEqual(($0 as? SCIMError)?.scimType, "invalidValue")
        }
        XCTAssertEqual(try directory.group(entra, id: child, members: false)["displayName"], "ar-clerks")
    }

    func testFiltersNarrowedInSQLStillFindEveryMatch() throws {
        let doc = try directory.createUser(entra, body: [
            "userName": "kanya@contoso.com", "displayName": "Kanya S",
            "emails": [["type": "home", "primary": true, "value": "kanya@home.example"], ["type": "work", "value": "Kanya.S@contoso.com"]],
        ])
        let id = try XCTUnwrap(doc["id"]?.stringValue)
        _ = try user("someone-else@contoso.com")
        let group = try directory.createGroup(entra, body: ["displayName": "audit", "members": [["value": .string(id)]]])
        let gid = try XCTUnwrap(group["id"]?.stringValue)
        for filter in [#"emails[type eq "work"].value eq "kanya.s@CONTOSO.com""#, #"emails eq "KANYA@home.example""#,
                       #"displayName eq "kanya s""#, #"groups[value eq "\#(gid)"]"#, #"userName sw "KANYA" and active eq true"#] {
            let (total, docs) = try directory.listUsers(entra, filter: try SCIMFilter.parse(filter), startIndex: 1, count: 10)
            XCTAssertEqual(total, 1, filter)
            XCTAssertEqual(docs.first?["id"]?.stringValue, id, filter)
        }
        let (none, _) = try directory.listUsers(entra, filter: try SCIMFilter.parse(#"emails[type eq "home"].value eq "kanya.s@contoso.com""#),
                                                startIndex: 1, count: 10)
        XCTAssertEqual(none, 0, "the work address is not a home address")
    }

    func testSourcesSeeOnlyTheirOwnResources() throws {
        let mine = try user("malee@contoso.com")
        XCTAssertThrowsError(try directory.user(other, id: mine)) { XCTAssertEqual(($0 as? SCIMError)?.status, 404) }
        XCTAssertThrowsError(try directory.deleteUser(other, id: mine)) { XCTAssertEqual(($0 as? SCIMError)?.status, 404) }
        let (total, _) = try directory.listUsers(other, filter: try SCIMFilter.parse(#"userName eq "malee@contoso.com""#), startIndex: 1, count: 10)
        XCTAssertEqual(total, 0)
        // Another source's user is not a resource of this one: not made a member.
        let group = try directory.createGroup(other, body: ["displayName": "theirs", "members": [["value": .string(mine)]]])
        XCTAssertNil(group["members"])
        // A local (non-SCIM) account cannot be taken over by provisioning its username.
        _ = try PostgresUserStore(pool: pool).createUser(NewUser(username: "admin", isSuperuser: true))
        XCTAssertThrowsError(try directory.createUser(entra, body: ["userName": "ADMIN"])) {
            XCTAssertEqual(($0 as? SCIMError)?.scimType, "uniqueness")
        }
    }

    func testDeactivationHookRunsOnDisableAndDeleteOnly() throws {
        let id = try user("niran@contoso.com")
        let rename = try SCIMPatch.parse(["Operations": [["op": "Replace", "path": "displayName", "value": "Niran"]]])
        _ = try directory.patchUser(entra, id: id, patch: rename)
        XCTAssertEqual(deactivated.all, [])
        let disable = try SCIMPatch.parse(["Operations": [["op": "Replace", "path": "active", "value": "False"]]])
        let doc = try directory.patchUser(entra, id: id, patch: disable)
        XCTAssertEqual(doc["active"], false)
        XCTAssertEqual(deactivated.all, [UserID(id)])
        _ = try directory.patchUser(entra, id: id, patch: disable)
        XCTAssertEqual(deactivated.all, [UserID(id)], "already inactive: nothing more to end")
        try directory.deleteUser(entra, id: id)
        XCTAssertEqual(deactivated.all, [UserID(id), UserID(id)])
        let events = try PostgresEventStore(pool: pool).recentEvents(limit: 10).map(\.action)
        XCTAssertEqual(Array(events.prefix(4)), ["scim.user.delete", "scim.user.update", "scim.user.deactivate", "scim.user.update"])
    }
}

final class DeactivationLog: @unchecked Sendable {
    private let lock = NSLock()
    private var users: [UserID] = []
    func add(_ user: UserID) { lock.withLock { users.append(user) } }
    var all: [UserID] { lock.withLock { users } }
}

private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}

private func * (items: [String], count: Int) -> [String] { Array((0..<count).flatMap { _ in items }) }
