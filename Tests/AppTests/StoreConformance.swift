import XCTest
import Store

/// Behaviour every store backend must show, written against the `Store` protocols only. A
/// backend's test case builds its stores on an empty, migrated database and calls these.
struct StoreConformance {
    let users: any UserStore
    let groups: any GroupStore
    let sessions: any SessionStore
    let events: any EventStore

    func usersCreateFindAndConflict() throws {
        let created = try users.createUser(NewUser(username: "Somchai", email: "Somchai@Example.co.th",
                                                   name: "Somchai Prasert", attributes: JSONText(#"{"m3_company": "100"}"#)))
        XCTAssertEqual(created.username, "Somchai")
        XCTAssertTrue(created.isActive)
        XCTAssertFalse(created.isSuperuser)
        XCTAssertNil(created.passwordHash)
        XCTAssertNil(created.deactivatedAt)
        XCTAssertEqual(created.id.rawValue.count, 36)

        XCTAssertEqual(try users.user(id: created.id), created)
        XCTAssertEqual(try users.user(username: "somchai"), created, "usernames match case-insensitively")
        XCTAssertEqual(try users.user(username: "SOMCHAI")?.id, created.id)
        XCTAssertNil(try users.user(username: "somchai2"))
        XCTAssertEqual(try users.users(email: "somchai@example.CO.TH").map(\.id), [created.id])

        XCTAssertThrowsError(try users.createUser(NewUser(username: "sOMCHAI"))) { error in
            XCTAssertEqual(error as? StoreError, .conflict(field: "username"))
        }
        // One identifier, one account (issue 11): no second account with this address, in any
        // case, nor one whose username is it; nor an address that is someone's username.
        let identifierTaken = StoreError.conflict(field: "username or e-mail address")
        XCTAssertThrowsError(try users.createUser(NewUser(username: "malee", email: "SOMCHAI@example.co.th"))) { error in
            XCTAssertEqual(error as? StoreError, identifierTaken)
        }
        XCTAssertThrowsError(try users.createUser(NewUser(username: "somchai@example.co.th"))) { error in
            XCTAssertEqual(error as? StoreError, identifierTaken)
        }
        XCTAssertThrowsError(try users.createUser(NewUser(username: "malee", email: "Somchai"))) { error in
            XCTAssertEqual(error as? StoreError, identifierTaken)
        }
        let other = try users.createUser(NewUser(username: "malee", email: "malee@example.co.th"))
        var taking = other
        taking.email = "somchai@EXAMPLE.co.th"
        XCTAssertThrowsError(try users.updateUser(taking)) { error in
            XCTAssertEqual(error as? StoreError, identifierTaken)
        }
        XCTAssertEqual(try users.users(email: "SOMCHAI@example.co.th").map(\.id), [created.id])
        // An account's own username and address may be the same text.
        let same = try users.createUser(NewUser(username: "pim@example.co.th", email: "PIM@example.co.th"))
        XCTAssertEqual(try users.users(email: "pim@example.co.th").map(\.id), [same.id])

        var renamed = other
        renamed.username = "SomChai"
        XCTAssertThrowsError(try users.updateUser(renamed)) { error in
            XCTAssertEqual(error as? StoreError, .conflict(field: "username"))
        }
        renamed.username = "malee.s"
        renamed.name = "Malee S."
        renamed.isSuperuser = true
        let updated = try users.updateUser(renamed)
        XCTAssertEqual(updated.username, "malee.s")
        XCTAssertEqual(updated.name, "Malee S.")
        XCTAssertTrue(updated.isSuperuser)
        XCTAssertEqual(try users.user(username: "MALEE.S"), updated)

        let changedAt = Timestamp(secondsSince1970: 1_800_000_000)
        try users.setPassword(userID: created.id, hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", at: changedAt)
        let withPassword = try XCTUnwrap(users.user(id: created.id))
        XCTAssertEqual(withPassword.passwordHash, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
        XCTAssertEqual(withPassword.passwordChangedAt, changedAt)

        let missing = UserID("00000000-0000-4000-8000-000000000000")
        XCTAssertNil(try users.user(id: missing))
        XCTAssertThrowsError(try users.setPassword(userID: missing, hash: nil, at: changedAt)) { error in
            XCTAssertEqual(error as? StoreError, .notFound("user"))
        }
        XCTAssertThrowsError(try users.createUser(NewUser(username: "bad", attributes: JSONText("{not json")))) { error in
            guard case .invalid = error as? StoreError else { return XCTFail("\(error)") }
        }
    }

    func nestedGroupMembership() throws {
        let company = try groups.createGroup(NewGroup(name: "company"))
        let finance = try groups.createGroup(NewGroup(name: "finance", parentID: company.id))
        let payables = try groups.createGroup(NewGroup(name: "payables", parentID: finance.id))
        let it = try groups.createGroup(NewGroup(name: "it", parentID: company.id))
        _ = try groups.createGroup(NewGroup(name: "warehouse"))
        XCTAssertThrowsError(try groups.createGroup(NewGroup(name: "finance"))) { error in
            XCTAssertEqual(error as? StoreError, .conflict(field: "name"))
        }
        // Group names differ in more than case (look-alike `groups` claims).
        XCTAssertThrowsError(try groups.createGroup(NewGroup(name: "Finance"))) { error in
            guard case .conflict = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try groups.group(name: "FINANCE")?.id, finance.id, "found in any case")
        XCTAssertEqual(try groups.group(name: "payables"), payables)
        XCTAssertEqual(try groups.group(id: finance.id)?.parentID, company.id)

        let user = try users.createUser(NewUser(username: "clerk"))
        try groups.addMember(user.id, to: payables.id)
        try groups.addMember(user.id, to: payables.id) // again: no error, no duplicate
        XCTAssertEqual(try groups.members(of: payables.id), [user.id])
        XCTAssertEqual(try groups.members(of: finance.id), [], "direct members only")
        XCTAssertEqual(try users.groups(ofUser: user.id).map(\.name), ["company", "finance", "payables"])

        try groups.addMember(user.id, to: it.id)
        XCTAssertEqual(try users.groups(ofUser: user.id).map(\.name), ["company", "finance", "it", "payables"],
                       "a parent reached twice is listed once")

        // Cycles are refused: company under payables would loop.
        XCTAssertThrowsError(try groups.setParent(of: company.id, to: payables.id)) { error in
            guard case .invalid = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try groups.setParent(of: company.id, to: company.id)) { error in
            guard case .invalid = error as? StoreError else { return XCTFail("\(error)") }
        }
        try groups.setParent(of: payables.id, to: nil)
        try groups.removeMember(user.id, from: it.id)
        XCTAssertEqual(try users.groups(ofUser: user.id).map(\.name), ["payables"])

        XCTAssertThrowsError(try groups.addMember(UserID("00000000-0000-4000-8000-000000000000"), to: it.id)) { error in
            guard case .notFound = error as? StoreError else { return XCTFail("\(error)") }
        }
    }

    /// Issue 11, item 9: anonymous (pre-login) sessions are bounded per client address; the
    /// newest stay, signed-in sessions and other addresses are untouched.
    func preLoginSessionsAreBoundedPerAddress() throws {
        let user = try users.createUser(NewUser(username: "bounded"))
        let start = Timestamp(secondsSince1970: 1_800_000_000)
        func session(_ n: Int, user: UserID? = nil, ip: String = "198.51.100.7") -> Session {
            let hash = [UInt8](repeating: 0, count: 30) + [UInt8(n >> 8), UInt8(n & 0xFF)]
            return Session(idHash: hash, userID: user, createdAt: start.adding(seconds: Int64(n)), lastSeenAt: start,
                           expiresAt: start.adding(seconds: 3600), idleTimeoutSeconds: 600, clientIP: ip)
        }
        try sessions.createSession(session(1, user: user.id))
        try sessions.createSession(session(2, ip: "198.51.100.8"))
        let limit = SessionLimits.preLoginPerAddress
        for n in 10..<(10 + limit + 20) { try sessions.createSession(session(n)) }
        let at = start.adding(seconds: 1)
        XCTAssertNil(try sessions.session(idHash: session(10).idHash, at: at), "the oldest went")
        XCTAssertNil(try sessions.session(idHash: session(29).idHash, at: at))
        XCTAssertNotNil(try sessions.session(idHash: session(30).idHash, at: at), "the newest \(limit) stay")
        XCTAssertNotNil(try sessions.session(idHash: session(10 + limit + 19).idHash, at: at))
        XCTAssertNotNil(try sessions.session(idHash: session(1).idHash, at: at), "signed-in sessions are not counted")
        XCTAssertNotNil(try sessions.session(idHash: session(2).idHash, at: at), "other addresses are not counted")
    }

    func sessionLifetimes() throws {
        let user = try users.createUser(NewUser(username: "somsak"))
        let start = Timestamp(secondsSince1970: 1_800_000_000)
        func session(_ byte: UInt8, user: UserID?, expiresIn: Int64 = 3600, idle: Int = 600) -> Session {
            Session(idHash: [UInt8](repeating: byte, count: 32), userID: user, createdAt: start, lastSeenAt: start,
                    expiresAt: start.adding(seconds: expiresIn), idleTimeoutSeconds: idle, clientIP: "192.0.2.7",
                    userAgent: "Test/1.0", authTime: user == nil ? nil : start, authMethods: ["pwd", "o,t\"p"],
                    upstreamAMR: [], flowState: JSONText(#"{"plan": ["identification"]}"#))
        }
        let live = session(1, user: user.id)
        try sessions.createSession(live)
        let found = try XCTUnwrap(sessions.session(idHash: live.idHash, at: start.adding(seconds: 10)))
        XCTAssertEqual(found.userID, user.id)
        XCTAssertEqual(found.expiresAt, live.expiresAt)
        XCTAssertEqual(found.authMethods, ["pwd", "o,t\"p"])
        XCTAssertEqual(found.upstreamAMR, [])
        XCTAssertEqual(found.clientIP, "192.0.2.7")
        XCTAssertEqual(found.userAgent, "Test/1.0")
        XCTAssertEqual(found.authTime, start)
        XCTAssertNotNil(found.flowState)
        XCTAssertThrowsError(try sessions.createSession(live)) { error in
            XCTAssertEqual(error as? StoreError, .conflict(field: "id_hash"))
        }

        // Idle timeout: gone 600 s after the last use, unless touched.
        XCTAssertNil(try sessions.session(idHash: live.idHash, at: start.adding(seconds: 600)))
        try sessions.touchSession(idHash: live.idHash, at: start.adding(seconds: 500))
        XCTAssertNotNil(try sessions.session(idHash: live.idHash, at: start.adding(seconds: 1000)))
        try sessions.touchSession(idHash: live.idHash, at: start.adding(seconds: 100)) // never backwards
        XCTAssertEqual(try sessions.session(idHash: live.idHash, at: start.adding(seconds: 1000))?.lastSeenAt,
                       start.adding(seconds: 500))

        // Absolute expiry: gone at expiresAt however recently used.
        let short = session(2, user: user.id, expiresIn: 60, idle: 3600)
        try sessions.createSession(short)
        try sessions.touchSession(idHash: short.idHash, at: start.adding(seconds: 59))
        XCTAssertNotNil(try sessions.session(idHash: short.idHash, at: start.adding(seconds: 59)))
        XCTAssertNil(try sessions.session(idHash: short.idHash, at: start.adding(seconds: 60)))

        // An anonymous flow session (no user yet) is found while alive.
        let anonymous = session(3, user: nil)
        try sessions.createSession(anonymous)
        XCTAssertNotNil(try sessions.session(idHash: anonymous.idHash, at: start.adding(seconds: 1)))
        // Its flow state is written and cleared in place.
        try sessions.setFlowState(idHash: anonymous.idHash, JSONText(#"{"flowSlug":"f","stageIndex":1}"#))
        let withState = try XCTUnwrap(sessions.session(idHash: anonymous.idHash, at: start.adding(seconds: 1)))
        XCTAssertTrue(withState.flowState?.text.contains("\"stageIndex\"") ?? false)
        try sessions.setFlowState(idHash: anonymous.idHash, nil)
        XCTAssertNil(try sessions.session(idHash: anonymous.idHash, at: start.adding(seconds: 1))?.flowState)
        try sessions.setFlowState(idHash: [UInt8](repeating: 8, count: 32), nil) // no such session: no error
        XCTAssertNil(try sessions.session(idHash: [UInt8](repeating: 9, count: 32), at: start))

        // A deactivated user's sessions end at once.
        let other = try users.createUser(NewUser(username: "nok"))
        let hers = session(4, user: other.id)
        try sessions.createSession(hers)
        XCTAssertNotNil(try sessions.session(idHash: hers.idHash, at: start))
        try users.deactivateUser(other.id, at: start)
        XCTAssertNil(try sessions.session(idHash: hers.idHash, at: start))
        let deactivated = try XCTUnwrap(users.user(id: other.id))
        XCTAssertFalse(deactivated.isActive)
        XCTAssertEqual(deactivated.deactivatedAt, start)
        try users.activateUser(other.id)
        XCTAssertTrue(try XCTUnwrap(users.user(id: other.id)).isActive)

        // Delete one, then all of a user's.
        try sessions.createSession(session(5, user: user.id))
        try sessions.deleteSession(idHash: live.idHash)
        XCTAssertNil(try sessions.session(idHash: live.idHash, at: start))
        XCTAssertEqual(try sessions.deleteSessions(ofUser: user.id), 2)
        XCTAssertNil(try sessions.session(idHash: [UInt8](repeating: 5, count: 32), at: start))
        XCTAssertNotNil(try sessions.session(idHash: anonymous.idHash, at: start), "other sessions stay")
        XCTAssertEqual(try sessions.deleteDeadSessions(at: start.adding(seconds: 7200)), 1)

        XCTAssertThrowsError(try sessions.createSession(session(6, user: UserID("00000000-0000-4000-8000-000000000000")))) { error in
            XCTAssertEqual(error as? StoreError, .notFound("user"))
        }
    }

    func eventsAppendAndList() throws {
        let user = try users.createUser(NewUser(username: "auditor"))
        let first = try events.appendEvent(NewAuditEvent(actorUserID: user.id, action: "login", clientIP: "2001:db8::1",
                                                         outcome: "success", context: JSONText(#"{"flow": "default-authentication-flow"}"#)))
        let second = try events.appendEvent(NewAuditEvent(action: "login_failed", outcome: "failure"))
        XCTAssertGreaterThan(second.id, first.id)
        XCTAssertEqual(first.actorUserID, user.id)
        XCTAssertEqual(first.clientIP, "2001:db8::1")
        XCTAssertLessThanOrEqual(first.createdAt, second.createdAt)
        let recent = try events.recentEvents(limit: 10)
        XCTAssertEqual(recent, [second, first], "newest first")
        XCTAssertEqual(try events.recentEvents(limit: 1), [second])
        XCTAssertThrowsError(try events.appendEvent(NewAuditEvent(action: "x", clientIP: "not an ip", outcome: "y"))) { error in
            guard case .invalid = error as? StoreError else { return XCTFail("\(error)") }
        }
    }
}
