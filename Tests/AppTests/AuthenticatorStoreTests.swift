@testable import Portal
import Identity
import Foundation
import XCTest
@testable import App
import Crypto
import Postgres
import Store

/// `PostgresAuthenticatorStore` (migration 7) with secrets sealed by the master key, and the QR code we draw.
final class AuthenticatorStoreTests: XCTestCase {
    var scratch: ScratchDatabase!
    var pool: PGPool!
    var store: PostgresAuthenticatorStore!
    var user: User!
    let now = Timestamp(secondsSince1970: 1_800_000_000)

    override func setUpWithError() throws {
        scratch = try ScratchDatabase()
        pool = PGPool(url: scratch.url)
        try pool.withConnection { try Migrator().migrate(on: $0) }
        store = LoginServices.authenticatorStore(pool: pool, sealer: try SecretSealer(currentMasterKey: [UInt8](repeating: 9, count: 32)))
        user = try PostgresUserStore(pool: pool).createUser(NewUser(username: "somchai"))
    }

    override func tearDown() {
        pool?.close()
        scratch?.drop()
    }

    func testSecretIsSealedAndEachStepIsUsedOnce() throws {
        let secret = SecureRandom.bytes(20)
        let device = try store.createTOTPDevice(userID: user.id, name: "Phone", secret: secret, at: now)
        let stored = try pool.read { try $0.query("SELECT secret_sealed FROM totp_devices").scalar } ?? ""
        XCTAssertFalse(stored.contains(Base32.encode(secret)), "the secret must not be stored in clear")
        XCTAssertEqual(try store.totpDevices(ofUser: user.id).first?.secret, secret)
        // Unconfirmed devices accept nothing.
        XCTAssertFalse(try store.useTOTPStep(deviceID: device.id, step: 100, at: now))
        XCTAssertTrue(try store.confirmTOTPDevice(id: device.id, userID: user.id, step: 100, at: now))
        XCTAssertFalse(try store.confirmTOTPDevice(id: device.id, userID: user.id, step: 101, at: now))
        XCTAssertFalse(try store.useTOTPStep(deviceID: device.id, step: 100, at: now), "the confirming code is used up")
        XCTAssertTrue(try store.useTOTPStep(deviceID: device.id, step: 101, at: now))
        XCTAssertFalse(try store.useTOTPStep(deviceID: device.id, step: 101, at: now))
        XCTAssertFalse(try store.useTOTPStep(deviceID: device.id, step: 99, at: now))
        // Racing requests with the same code: exactly one wins.
        let wins = Locked(0)
        let store = self.store!
        let now = self.now
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            if (try? store.useTOTPStep(deviceID: device.id, step: 102, at: now)) == true { wins.withLock { $0 += 1 } }
        }
        XCTAssertEqual(wins.withLock { $0 }, 1)
        XCTAssertFalse(try store.useTOTPStep(deviceID: "not-a-uuid", step: 200, at: now))
    }

    func testDevicesBelongToTheirUserRecoveryCodesAndReset() throws {
        let other = try PostgresUserStore(pool: pool).createUser(NewUser(username: "nok"))
        let device = try store.createTOTPDevice(userID: user.id, name: "Phone", secret: SecureRandom.bytes(20), at: now)
        XCTAssertFalse(try store.renameTOTPDevice(id: device.id, userID: other.id, name: "Mine"))
        XCTAssertFalse(try store.deleteTOTPDevice(id: device.id, userID: other.id))
        XCTAssertTrue(try store.renameTOTPDevice(id: device.id, userID: user.id, name: "Work phone"))
        XCTAssertEqual(try store.totpDevices(ofUser: user.id).map(\.name), ["Work phone"])
        let hashes = (0..<10).map { Digest.sha256("code-\($0)") }
        try store.replaceRecoveryCodes(userID: user.id, hashes: hashes, at: now)
        XCTAssertTrue(try store.useRecoveryCode(userID: user.id, hash: hashes[0], at: now))
        XCTAssertFalse(try store.useRecoveryCode(userID: user.id, hash: hashes[0], at: now))
        XCTAssertFalse(try store.useRecoveryCode(userID: other.id, hash: hashes[1], at: now))
        XCTAssertEqual(try store.recoveryCodeCount(userID: user.id), 9)
        XCTAssertEqual(try store.resetAuthenticators(ofUser: user.id), 10)
        XCTAssertEqual(try store.totpDevices(ofUser: user.id).count, 0)
    }

    func testSessionMFAGoesWithItsSession() throws {
        let sessions = PostgresSessionStore(pool: pool)
        let hash = Digest.sha256("token")
        try store.recordMFA(sessionIDHash: hash, at: now, methods: ["otp"])  // no such session: nothing written
        XCTAssertNil(try store.sessionMFA(sessionIDHash: hash))
        try sessions.createSession(Session(idHash: hash, userID: user.id, createdAt: now, lastSeenAt: now,
                                           expiresAt: now.adding(seconds: 3600), idleTimeoutSeconds: 600))
        try store.recordMFA(sessionIDHash: hash, at: now, methods: ["pwd", "otp", "mfa"])
        XCTAssertEqual(try store.sessionMFA(sessionIDHash: hash), SessionMFA(verifiedAt: now, methods: ["pwd", "otp", "mfa"]))
        try sessions.deleteSession(idHash: hash)
        XCTAssertNil(try store.sessionMFA(sessionIDHash: hash))
    }

    func testQRCodeHasFinderPatternsAndGrowsWithData() throws {
        let short = try QRCodeSVG.matrix("otpauth://totp/A:b?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        XCTAssertEqual(short.count % 4, 1, "QR sizes are 17 + 4·version")
        for (ox, oy) in [(0, 0), (short.count - 7, 0), (0, short.count - 7)] {
            for i in 0..<7 {
                XCTAssertTrue(short[oy][ox + i] && short[oy + 6][ox + i] && short[oy + i][ox] && short[oy + i][ox + 6])
            }
            XCTAssertFalse(short[oy + 1][ox + 1])
            XCTAssertTrue(short[oy + 3][ox + 3])
        }
        let long = try QRCodeSVG.matrix(String(repeating: "otpauth", count: 40))
        XCTAssertGreaterThan(long.count, short.count)
        let svg = try QRCodeSVG.svg("hello")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertThrowsError(try QRCodeSVG.matrix(String(repeating: "x", count: 5000)))
    }
}
