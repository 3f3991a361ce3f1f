import Crypto
import Foundation
import Identity
import Store
import Synchronization
import XMLSec
@testable import SAML

// In-memory stand-ins for what App wires behind the SAML room's protocols.

final class FakeUsers: UserStore {
    let users = Mutex<[User]>([])
    let memberships = Mutex<[UserID: [String]]>([:])

    @discardableResult
    func add(_ username: String, email: String? = nil, groups: [String] = [], attributes: String = "{}") -> User {
        let now = Timestamp(secondsSince1970: 1_700_000_000)
        let user = User(id: UserID(UUID().uuidString.lowercased()), username: username, email: email, name: username.capitalized,
                        isActive: true, isSuperuser: false, attributes: JSONText(attributes), passwordHash: nil,
                        passwordChangedAt: nil, createdAt: now, updatedAt: now, lastLoginAt: nil, deactivatedAt: nil)
        users.withLock { $0.append(user) }
        memberships.withLock { $0[user.id] = groups }
        return user
    }

    func createUser(_ new: NewUser) throws(StoreError) -> User { add(new.username, email: new.email) }
    func user(id: UserID) throws(StoreError) -> User? { users.withLock { $0.first { $0.id == id } } }
    func user(username: String) throws(StoreError) -> User? { users.withLock { $0.first { $0.username == username } } }
    func users(email: String) throws(StoreError) -> [User] { users.withLock { $0.filter { $0.email == email } } }
    func updateUser(_ user: User) throws(StoreError) -> User { user }
    func setPassword(userID: UserID, hash: String?, at: Timestamp) throws(StoreError) {}
    func recordLogin(userID: UserID, at: Timestamp) throws(StoreError) {}
    func deactivateUser(_ id: UserID, at: Timestamp) throws(StoreError) {}
    func activateUser(_ id: UserID) throws(StoreError) {}
    func groups(ofUser id: UserID) throws(StoreError) -> [Group] {
        let now = Timestamp(secondsSince1970: 1_700_000_000)
        return (memberships.withLock { $0[id] } ?? []).map {
            Group(id: GroupID($0), name: $0, parentID: nil, isSuperuserGroup: false, attributes: .emptyObject,
                  createdAt: now, updatedAt: now)
        }
    }
}

final class FakeEvents: EventStore {
    let events = Mutex<[NewAuditEvent]>([])
    func appendEvent(_ event: NewAuditEvent) throws(StoreError) -> AuditEvent {
        events.withLock { $0.append(event) }
        return AuditEvent(id: 1, createdAt: Timestamp.now(), actorUserID: event.actorUserID, action: event.action,
                          clientIP: event.clientIP, outcome: event.outcome, context: event.context)
    }
    func recentEvents(limit: Int) throws(StoreError) -> [AuditEvent] { [] }
    func outcomes(_ action: String) -> [String] { events.withLock { $0.filter { $0.action == action }.map(\.outcome) } }
}

final class FakeDirectory: SAMLProviderDirectory {
    let providers = Mutex<[String: SAMLServiceProvider]>([:])
    func set(_ provider: SAMLServiceProvider) { providers.withLock { $0[provider.application!.slug] = provider } }
    func update(_ slug: String, _ change: (inout SAMLServiceProvider) -> Void) {
        providers.withLock { change(&$0[slug]!) }
    }
    func serviceProvider(applicationSlug: String) throws(StoreError) -> SAMLServiceProvider? {
        providers.withLock { $0[applicationSlug] }
    }
}

final class FakeLedger: SAMLRequestLedger {
    let seen = Mutex<[String: Timestamp]>([:])
    func recordFirstUse(issuer: String, requestID: String, expiresAt: Timestamp, at now: Timestamp) throws(StoreError) -> Bool {
        seen.withLock { seen in
            let key = issuer + "\u{0}" + requestID
            if let until = seen[key], until > now { return false }
            seen[key] = expiresAt
            return true
        }
    }
}

final class FakeParticipants: SAMLSessionParticipants {
    let rows = Mutex<[SAMLSessionParticipant]>([])
    func record(_ participant: SAMLSessionParticipant, expiresAt: Timestamp) throws(StoreError) {
        rows.withLock { rows in
            rows.removeAll { $0.sessionID == participant.sessionID && $0.providerName == participant.providerName }
            rows.append(participant)
        }
    }
    func participants(sessionID: String) throws(StoreError) -> [SAMLSessionParticipant] {
        rows.withLock { $0.filter { $0.sessionID == sessionID } }
    }
    func forget(sessionID: String) throws(StoreError) { rows.withLock { $0.removeAll { $0.sessionID == sessionID } } }
}

/// Signed in when the cookie carries `FakeSessions.token(for: <username>)`; one session per user
/// unless `generation` moves (a new sign-in: a new session id).
final class FakeSessions: BrowserSessions {
    let users: FakeUsers
    let authTime: Mutex<Timestamp>
    let lastMFA = Mutex<Timestamp?>(nil)
    let generation = Mutex(0)
    let ended = Mutex<[String]>([])
    init(users: FakeUsers, authTime: Timestamp) {
        self.users = users
        self.authTime = Mutex(authTime)
    }

    static func token(for username: String) -> String { Base64URL.encode(Digest.sha256("saml-test-session:" + username)) }

    func session(token: String) throws -> BrowserSession? {
        let all = users.users.withLock { $0 }
        guard let user = all.first(where: { Self.token(for: $0.username) == token }),
              !ended.withLock({ $0.contains(token) }) else { return nil }
        let mfa = lastMFA.withLock { $0 }
        return BrowserSession(user: user, sessionIDHash: Digest.sha256(user.username + "/\(generation.withLock { $0 })"),
                              authTime: authTime.withLock { $0 }, authMethods: ["pwd"], upstreamAMR: [], lastMFAAt: mfa,
                              mfaMethods: mfa == nil ? [] : ["otp", "mfa"])
    }
    func end(token: String, clientIP: String?) throws { ended.withLock { $0.append(token) } }
}

/// Keys and self-signed certificates made at test time (nothing secret is committed).
enum TestKeys {
    struct Pair {
        let signingKey: SigningKey
        let certificate: X509Certificate
        let privateKey: XMLPrivateKey
    }

    static func make(_ algorithm: JWSAlgorithm, name: String) -> Pair {
        do {
            let key = try SigningKey.generate(algorithm)
            let certificate = try X509Certificate.selfSigned(commonName: name, key: key, notBefore: 1_767_225_600,
                                                             notAfter: 1_767_225_600 + 20 * 365 * 86_400)
            return Pair(signingKey: key, certificate: certificate,
                        privateKey: try XMLPrivateKey(privateKeyPEM: try key.pkcs8PEM(), certificate: certificate))
        } catch {
            fatalError("test key: \(error)")
        }
    }

    static let idpRSA = make(.rs256, name: "idp-rsa")
    static let idpRSAPrevious = make(.rs256, name: "idp-rsa-previous")
    static let idpEC = make(.es256, name: "idp-ec")
    static let sp = make(.rs256, name: "sp")
    static let attacker = make(.rs256, name: "attacker")
}

/// The IdP's keys: the current RSA and EC pairs, plus a rotated RSA certificate still published.
struct FakeKeys: SAMLSigningKeys {
    func currentKey(for algorithm: XMLSignatureAlgorithm) throws -> XMLPrivateKey {
        algorithm == .ecdsaSHA256 ? TestKeys.idpEC.privateKey : TestKeys.idpRSA.privateKey
    }
    func publishedCertificates(for algorithm: XMLSignatureAlgorithm) throws -> [X509Certificate] {
        algorithm == .ecdsaSHA256 ? [TestKeys.idpEC.certificate] : [TestKeys.idpRSA.certificate, TestKeys.idpRSAPrevious.certificate]
    }
}

/// Group rule plus a per-application step-up, like `PolicyApplicationAccess` decides.
struct FakeAccess: ApplicationAccess {
    let users: FakeUsers
    let sensitive: Set<String>
    func allows(_ attempt: AccessAttempt) throws -> Bool { try GroupAccess(users: users).allows(attempt) }
    func stepUp(for application: Application) throws -> StepUpRequirement? {
        sensitive.contains(application.slug) ? StepUpRequirement(windowSeconds: 1800) : nil
    }
}
