import Foundation
import XCTest
@testable import App
import Postgres
import Store

/// `PostgresOAuthGrantStore` against live PostgreSQL, on a scratch database per test.
final class PostgresOAuthGrantStoreTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var store: PostgresOAuthGrantStore!
    var user: User!
    let now = Timestamp(secondsSince1970: 1_800_000_000)

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        store = PostgresOAuthGrantStore(pool: pool)
        user = try PostgresUserStore(pool: pool).createUser(NewUser(username: "somchai"))
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    func hash(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: 32) }

    func code(_ byte: UInt8, grant: String = UUID().uuidString.lowercased(), expires: Int64 = 60) -> OAuthAuthorizationCode {
        OAuthAuthorizationCode(codeHash: hash(byte), grantID: grant, clientID: "ar-aging", userID: user.id,
                               redirectURI: "https://ar.example.co.th/auth/callback", scopes: ["openid", "erp"],
                               nonce: "n-1", codeChallenge: "abc", codeChallengeMethod: "S256", authTime: now,
                               authMethods: ["pwd", "otp"], acr: nil, sessionID: "sid-1", expiresAt: now.adding(seconds: expires))
    }

    func refresh(_ byte: UInt8, grant: String, user: UserID? = nil, expires: Int64 = 3600) -> OAuthRefreshToken {
        OAuthRefreshToken(tokenHash: hash(byte), grantID: grant, clientID: "ar-aging", userID: user ?? self.user.id,
                          scopes: ["openid", "offline_access"], authTime: now, authMethods: ["pwd"], acr: "1",
                          sessionID: nil, expiresAt: now.adding(seconds: expires))
    }

    func testCodeIsSingleUseAndKeepsItsFields() throws {
        let stored = code(1)
        try store.storeCode(stored)
        XCTAssertEqual(try store.redeemCode(hash: hash(1), clientID: "ar-aging", at: now), .redeemed(stored))
        XCTAssertEqual(try store.redeemCode(hash: hash(1), clientID: "ar-aging", at: now.adding(seconds: 1)), .replayed(grantID: stored.grantID))
        XCTAssertEqual(try store.redeemCode(hash: hash(9), clientID: "ar-aging", at: now), .invalid)
        XCTAssertThrowsError(try store.storeCode(stored)) { XCTAssertEqual($0 as? StoreError, .conflict(field: "token_hash")) }
        XCTAssertThrowsError(try store.storeCode(code(2, grant: "not-a-uuid"))) {
            guard case .invalid? = $0 as? StoreError else { return XCTFail("\($0)") }
        }
    }

    func testAnotherClientCannotSpendOrReplayACode() throws {
        let stored = code(3)
        try store.storeCode(stored)
        // A fresh code presented by another client is unknown to it, and stays fresh.
        XCTAssertEqual(try store.redeemCode(hash: hash(3), clientID: "intruder", at: now), .invalid)
        XCTAssertEqual(try store.redeemCode(hash: hash(3), clientID: "ar-aging", at: now), .redeemed(stored))
        // A spent code is only "replayed" for its own client.
        XCTAssertEqual(try store.redeemCode(hash: hash(3), clientID: "intruder", at: now), .invalid)
        XCTAssertEqual(try store.redeemCode(hash: hash(3), clientID: "ar-aging", at: now), .replayed(grantID: stored.grantID))
    }

    func testSubjectsAreHeldForGood() throws {
        let other = try PostgresUserStore(pool: pool).createUser(NewUser(username: "other"))
        XCTAssertTrue(try store.holdSubject(clientID: "ar-aging", subject: "rex@example.co.th", userID: user.id))
        XCTAssertTrue(try store.holdSubject(clientID: "ar-aging", subject: "rex@example.co.th", userID: user.id), "again: still theirs")
        XCTAssertFalse(try store.holdSubject(clientID: "ar-aging", subject: "rex@example.co.th", userID: other.id))
        XCTAssertTrue(try store.holdSubject(clientID: "other-client", subject: "rex@example.co.th", userID: other.id), "per client")
    }

    func testExpiredCodeIsInvalid() throws {
        try store.storeCode(code(1, expires: 60))
        XCTAssertEqual(try store.redeemCode(hash: hash(1), clientID: "ar-aging", at: now.adding(seconds: 60)), .invalid)
    }

    func testConcurrentRedemptionHasExactlyOneWinner() throws {
        for round in 0..<5 {
            let byte = UInt8(10 + round)
            try store.storeCode(code(byte))
            let outcomes = Locked<[OAuthCodeRedemption]>([])
            let store = self.store!, now = self.now, codeHash = hash(byte)
            // Two threads on two pooled connections, released together.
            let start = DispatchSemaphore(value: 0), done = DispatchGroup()
            for _ in 0..<2 {
                done.enter()
                Thread.detachNewThread {
                    start.wait()
                    let outcome = (try? store.redeemCode(hash: codeHash, clientID: "ar-aging", at: now)) ?? .invalid
                    outcomes.withLock { $0.append(outcome) }
                    done.leave()
                }
            }
            start.signal()
            start.signal()
            done.wait()
            let all = outcomes.withLock { $0 }
            XCTAssertEqual(all.filter { if case .redeemed = $0 { true } else { false } }.count, 1, "\(all)")
            XCTAssertEqual(all.filter { if case .replayed = $0 { true } else { false } }.count, 1, "\(all)")
        }
    }

    func testRefreshRotationAndReuseRevokesTheFamily() throws {
        let grant = UUID().uuidString.lowercased()
        let first = refresh(1, grant: grant)
        try store.storeRefreshToken(first)
        XCTAssertEqual(try store.refreshToken(hash: hash(1), at: now), first)
        // Another client cannot spend it.
        var other = refresh(2, grant: grant)
        XCTAssertEqual(try store.rotateRefreshToken(hash: hash(1), clientID: "other", replacement: other, at: now), .invalid)
        // A replacement of another grant is refused and nothing changes.
        XCTAssertThrowsError(try store.rotateRefreshToken(hash: hash(1), clientID: "ar-aging",
                                                          replacement: refresh(2, grant: UUID().uuidString.lowercased()), at: now))
        XCTAssertEqual(try store.refreshToken(hash: hash(1), at: now), first)

        XCTAssertEqual(try store.rotateRefreshToken(hash: hash(1), clientID: "ar-aging", replacement: other, at: now),
                       .rotated(old: first))
        XCTAssertNil(try store.refreshToken(hash: hash(1), at: now), "spent")
        XCTAssertEqual(try store.refreshToken(hash: hash(2), at: now), other)
        XCTAssertFalse(try store.isRevoked(grantID: grant, jti: "j"))

        // The spent token comes back: the whole family goes, the grant is marked revoked.
        other = refresh(3, grant: grant)
        XCTAssertEqual(try store.rotateRefreshToken(hash: hash(1), clientID: "ar-aging", replacement: other, at: now),
                       .reused(grantID: grant))
        XCTAssertNil(try store.refreshToken(hash: hash(2), at: now))
        XCTAssertNil(try store.refreshToken(hash: hash(3), at: now), "the replacement was not stored")
        XCTAssertEqual(try store.rotateRefreshToken(hash: hash(2), clientID: "ar-aging", replacement: other, at: now), .invalid)
        XCTAssertTrue(try store.isRevoked(grantID: grant, jti: "j"))
        let revoked = try pool.withConnection {
            try $0.query("SELECT count(*) FROM tokens WHERE family_id = $1 AND revoked_at IS NOT NULL", [.uuid(grant)]).scalar
        }
        XCTAssertEqual(revoked, "2")
    }

    func testRacingRotationsRotateOnceAndEndTheFamily() throws {
        let grant = UUID().uuidString.lowercased()
        try store.storeRefreshToken(refresh(1, grant: grant))
        let outcomes = Locked<[OAuthRefreshRotation]>([])
        let start = DispatchSemaphore(value: 0), done = DispatchGroup()
        for byte in [UInt8(2), 3] {
            let store = self.store!, now = self.now, replacement = refresh(byte, grant: grant)
            done.enter()
            Thread.detachNewThread {
                start.wait()
                let outcome = (try? store.rotateRefreshToken(hash: [UInt8](repeating: 1, count: 32), clientID: "ar-aging",
                                                             replacement: replacement, at: now)) ?? .invalid
                outcomes.withLock { $0.append(outcome) }
                done.leave()
            }
        }
        start.signal()
        start.signal()
        done.wait()
        let all = outcomes.withLock { $0 }
        XCTAssertEqual(all.filter { if case .rotated = $0 { true } else { false } }.count, 1, "\(all)")
        XCTAssertEqual(all.filter { $0 == .reused(grantID: grant) }.count, 1, "\(all)")
        // The winner's replacement was revoked with the family.
        XCTAssertNil(try store.refreshToken(hash: hash(2), at: now))
        XCTAssertNil(try store.refreshToken(hash: hash(3), at: now))
        XCTAssertTrue(try store.isRevoked(grantID: grant, jti: "-"))
    }

    func testRevokingAGrantThatIsNotAUUIDOnlyMarksIt() throws {
        try store.revokeGrant("opaque-grant", until: now.adding(seconds: 60), at: now)
        XCTAssertTrue(try store.isRevoked(grantID: "opaque-grant", jti: "-"))
    }

    func testExpiredRefreshTokenIsInvalid() throws {
        let grant = UUID().uuidString.lowercased()
        try store.storeRefreshToken(refresh(1, grant: grant, expires: 10))
        XCTAssertNil(try store.refreshToken(hash: hash(1), at: now.adding(seconds: 10)))
        XCTAssertEqual(try store.rotateRefreshToken(hash: hash(1), clientID: "ar-aging", replacement: refresh(2, grant: grant),
                                                    at: now.adding(seconds: 10)), .invalid)
        XCTAssertEqual(try store.deleteExpired(at: now.adding(seconds: 10)), 1)
    }

    func testRevokeGrantAndAccessToken() throws {
        let grant = UUID().uuidString.lowercased()
        try store.storeRefreshToken(refresh(1, grant: grant))
        try store.storeCode(code(2, grant: grant, expires: 3600))
        XCTAssertFalse(try store.isRevoked(grantID: grant, jti: "jti-1"))
        try store.revokeGrant(grant, until: now.adding(seconds: 3600), at: now)
        XCTAssertTrue(try store.isRevoked(grantID: grant, jti: "other"))
        XCTAssertNil(try store.refreshToken(hash: hash(1), at: now))
        XCTAssertEqual(try store.redeemCode(hash: hash(2), clientID: "ar-aging", at: now), .invalid)

        XCTAssertFalse(try store.isRevoked(grantID: "g2", jti: "jti-1"))
        try store.revokeAccessToken(jti: "jti-1", until: now.adding(seconds: 60), at: now)
        XCTAssertTrue(try store.isRevoked(grantID: "g2", jti: "jti-1"))
        XCTAssertFalse(try store.isRevoked(grantID: "jti-1", jti: "g2"), "grant ids and jtis do not mix")
        // Marks go once expired; a revoked grant's tokens are no more use anyway.
        XCTAssertEqual(try store.deleteExpired(at: now.adding(seconds: 61)), 1)
        XCTAssertFalse(try store.isRevoked(grantID: "g2", jti: "jti-1"))
        XCTAssertTrue(try store.isRevoked(grantID: grant, jti: "jti-1"))
    }

    func testDeactivatedUsersTokensAreDead() throws {
        let grant = UUID().uuidString.lowercased()
        try store.storeRefreshToken(refresh(1, grant: grant))
        try store.storeCode(code(2))
        try PostgresUserStore(pool: pool).deactivateUser(user.id, at: now)
        XCTAssertNil(try store.refreshToken(hash: hash(1), at: now))
        XCTAssertEqual(try store.redeemCode(hash: hash(2), clientID: "ar-aging", at: now), .invalid)
        // Revoked, not merely hidden: reactivation does not bring them back.
        try PostgresUserStore(pool: pool).activateUser(user.id)
        XCTAssertNil(try store.refreshToken(hash: hash(1), at: now))
        XCTAssertEqual(try store.rotateRefreshToken(hash: hash(1), clientID: "ar-aging", replacement: refresh(3, grant: grant),
                                                    at: now), .invalid)
        // And an inactive user's token is refused even if it was stored after deactivation.
        try PostgresUserStore(pool: pool).deactivateUser(user.id, at: now)
        try store.storeRefreshToken(refresh(4, grant: grant))
        XCTAssertNil(try store.refreshToken(hash: hash(4), at: now))
    }

    func testConsentsAccumulate() throws {
        XCTAssertNil(try store.consentedScopes(userID: user.id, clientID: "ar-aging"))
        try store.recordConsent(userID: user.id, clientID: "ar-aging", scopes: ["openid", "email"], at: now)
        XCTAssertEqual(try store.consentedScopes(userID: user.id, clientID: "ar-aging"), ["openid", "email"])
        try store.recordConsent(userID: user.id, clientID: "ar-aging", scopes: ["erp", "openid"], at: now)
        XCTAssertEqual(try store.consentedScopes(userID: user.id, clientID: "ar-aging"), ["openid", "email", "erp"])
        XCTAssertNil(try store.consentedScopes(userID: user.id, clientID: "other"))
        XCTAssertThrowsError(try store.recordConsent(userID: UserID(UUID().uuidString.lowercased()), clientID: "x",
                                                     scopes: [], at: now))
    }
}
