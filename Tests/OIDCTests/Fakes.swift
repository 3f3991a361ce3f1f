import Crypto
import Foundation
import HTTP
import Identity
import Expressions
import JSON
import Logging
import Store
import Synchronization
import Web
@testable import OIDC

// In-memory stand-ins for the stores, the key ring and the login side, following the
// contracts in Sources/Store/OAuth.swift and Sources/OIDC/OIDCProvider.swift.

final class FakeUsers: UserStore {
    let users = Mutex<[User]>([])
    let memberships = Mutex<[UserID: [String]]>([:])

    @discardableResult
    func add(_ username: String, email: String? = nil, groups: [String] = [], active: Bool = true,
             attributes: String = "{}") -> User {
        let now = Timestamp(secondsSince1970: 1_700_000_000)
        let id = UserID(UUID().uuidString.lowercased())
        let user = User(id: id, username: username, email: email, name: username.capitalized, isActive: active,
                        isSuperuser: false, attributes: JSONText(attributes), passwordHash: nil, passwordChangedAt: nil,
                        createdAt: now, updatedAt: now, lastLoginAt: nil, deactivatedAt: nil)
        users.withLock { $0.append(user) }
        memberships.withLock { $0[id] = groups }
        return user
    }

    func createUser(_ new: NewUser) throws(StoreError) -> User { add(new.username, email: new.email) }
    func user(id: UserID) throws(StoreError) -> User? { users.withLock { $0.first { $0.id == id } } }
    func user(username: String) throws(StoreError) -> User? {
        users.withLock { $0.first { $0.username.lowercased() == username.lowercased() } }
    }
    func users(email: String) throws(StoreError) -> [User] { users.withLock { $0.filter { $0.email == email } } }
    func updateUser(_ user: User) throws(StoreError) -> User { user }
    func setPassword(userID: UserID, hash: String?, at: Timestamp) throws(StoreError) {}
    func recordLogin(userID: UserID, at: Timestamp) throws(StoreError) {}
    func deactivateUser(_ id: UserID, at: Timestamp) throws(StoreError) {
        users.withLock { list in
            if let i = list.firstIndex(where: { $0.id == id }) { list[i].isActive = false }
        }
    }
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
}

final class FakeDirectory: OAuthClientDirectory {
    let clients = Mutex<[OAuthClient]>([])
    func add(_ client: OAuthClient) { clients.withLock { $0.append(client) } }
    func client(clientID: String) throws(StoreError) -> OAuthClient? { clients.withLock { $0.first { $0.clientID == clientID } } }
    func client(applicationSlug: String) throws(StoreError) -> OAuthClient? {
        clients.withLock { $0.first { $0.application?.slug == applicationSlug } }
    }
}

final class FakeGrants: OAuthGrantStore {
    struct State {
        var codes: [[UInt8]: (OAuthAuthorizationCode, used: Bool)] = [:]
        var refresh: [[UInt8]: (OAuthRefreshToken, used: Bool, revoked: Bool)] = [:]
        var revoked: Set<String> = []
        var consents: [String: [String]] = [:]
        var subjects: [String: UserID] = [:]
    }
    let state = Mutex(State())
    let users: FakeUsers
    init(users: FakeUsers) { self.users = users }

    func storeCode(_ code: OAuthAuthorizationCode) throws(StoreError) { state.withLock { $0.codes[code.codeHash] = (code, false) } }
    func redeemCode(hash: [UInt8], clientID: String, at now: Timestamp) throws(StoreError) -> OAuthCodeRedemption {
        state.withLock { s in
            guard let (code, used) = s.codes[hash], code.clientID == clientID, code.expiresAt > now else { return .invalid }
            if used { return .replayed(grantID: code.grantID) }
            s.codes[hash] = (code, true)
            return .redeemed(code)
        }
    }
    func holdSubject(clientID: String, subject: String, userID: UserID) throws(StoreError) -> Bool {
        state.withLock { s in
            let key = clientID + "\u{0}" + subject
            if let holder = s.subjects[key] { return holder == userID }
            s.subjects[key] = userID
            return true
        }
    }
    func storeRefreshToken(_ token: OAuthRefreshToken) throws(StoreError) {
        state.withLock { $0.refresh[token.tokenHash] = (token, false, false) }
    }
    func rotateRefreshToken(hash: [UInt8], clientID: String, replacement: OAuthRefreshToken,
                            at now: Timestamp) throws(StoreError) -> OAuthRefreshRotation {
        state.withLock { s in
            guard let (token, used, revoked) = s.refresh[hash], token.clientID == clientID, !revoked, token.expiresAt > now else {
                return .invalid
            }
            if used {
                for (k, v) in s.refresh where v.0.grantID == token.grantID { s.refresh[k] = (v.0, v.used, true) }
                s.revoked.insert(token.grantID)
                return .reused(grantID: token.grantID)
            }
            s.refresh[hash] = (token, true, false)
            s.refresh[replacement.tokenHash] = (replacement, false, false)
            return .rotated(old: token)
        }
    }
    func refreshToken(hash: [UInt8], at now: Timestamp) throws(StoreError) -> OAuthRefreshToken? {
        let found: OAuthRefreshToken? = state.withLock { s in
            guard let (token, used, revoked) = s.refresh[hash], !used, !revoked, token.expiresAt > now else { return nil }
            return token
        }
        guard let found, (try? users.user(id: found.userID))??.isActive == true else { return nil }
        return found
    }
    func revokeGrant(_ grantID: String, until: Timestamp, at now: Timestamp) throws(StoreError) {
        state.withLock { s in
            s.revoked.insert(grantID)
            for (k, v) in s.refresh where v.0.grantID == grantID { s.refresh[k] = (v.0, v.used, true) }
        }
    }
    func revokeAccessToken(jti: String, until: Timestamp, at now: Timestamp) throws(StoreError) {
        _ = state.withLock { $0.revoked.insert(jti) }
    }
    func isRevoked(grantID: String, jti: String) throws(StoreError) -> Bool {
        state.withLock { $0.revoked.contains(grantID) || $0.revoked.contains(jti) }
    }
    func consentedScopes(userID: UserID, clientID: String) throws(StoreError) -> [String]? {
        state.withLock { $0.consents[userID.rawValue + "/" + clientID] }
    }
    func recordConsent(userID: UserID, clientID: String, scopes: [String], at now: Timestamp) throws(StoreError) {
        state.withLock { $0.consents[userID.rawValue + "/" + clientID] = scopes }
    }
}

/// HMAC "signatures" under a JWS-shaped header: enough to test the endpoints' logic (the real
/// key ring and its algorithm checks have their own tests in CryptoTests and AppTests).
struct FakeKeyRing: JWTKeyRing {
    let key = [UInt8](repeating: 9, count: 32)
    func sign(payloadJSON: [UInt8], algorithm: JWSAlgorithm, type: String?) throws(JOSEError) -> String {
        var header: JSONObject = ["alg": .string(algorithm.rawValue), "kid": .string("test-key")]
        if let type { header["typ"] = .string(type) }
        let input = Base64URL.encode(JSONValue.object(header).bytes) + "." + Base64URL.encode(payloadJSON)
        return input + "." + Base64URL.encode(HMAC.sha256(key: key, message: Array(input.utf8)))
    }
    func verify(_ compact: String) throws(JOSEError) -> VerifiedJWS {
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Base64URL.decode(String(parts[0])), let payload = Base64URL.decode(String(parts[1])),
              let signature = Base64URL.decode(String(parts[2])) else { throw .malformed("parts") }
        guard signature == HMAC.sha256(key: key, message: Array((parts[0] + "." + parts[1]).utf8)) else { throw .badSignature }
        let h = try? JSONValue(parsing: header)
        guard let alg = h?["alg"]?.stringValue.flatMap(JWSAlgorithm.init(rawValue:)) else { throw .algorithmNotAllowed("?") }
        return VerifiedJWS(algorithm: alg, keyID: "test-key", type: h?["typ"]?.stringValue, headerJSON: header, payloadJSON: payload)
    }
    func jwksJSON() -> [UInt8] { Array(#"{"keys":[{"kty":"oct","kid":"test-key"}]}"#.utf8) }
    func jwksJSON(for algorithm: JWSAlgorithm) -> [UInt8] {
        Array(#"{"keys":[{"kty":"oct","kid":"test-key","alg":"\#(algorithm.rawValue)"}]}"#.utf8)
    }
}

/// Signed in when the request's session cookie carries `FakeSessions.token(for: <username>)`.
final class FakeSessions: BrowserSessions {
    let users: FakeUsers
    let authTime: Mutex<Timestamp>
    /// The session's last MFA verification (nil: never) and its upstream amr.
    let lastMFA = Mutex<Timestamp?>(nil)
    let upstreamAMR = Mutex<[String]>([])
    let ended = Mutex<[String]>([])
    init(users: FakeUsers, authTime: Timestamp) {
        self.users = users
        self.authTime = Mutex(authTime)
    }

    /// A token shaped like the real ones (43 base64url characters) that names `username`.
    static func token(for username: String) -> String { Base64URL.encode(Digest.sha256("test-session:" + username)) }

    func session(token: String) throws -> BrowserSession? {
        let all = users.users.withLock { $0 }
        guard let user = all.first(where: { Self.token(for: $0.username) == token }), user.isActive,
              !ended.withLock({ $0.contains(token) }) else { return nil }
        let mfa = lastMFA.withLock { $0 }
        return BrowserSession(user: user, sessionIDHash: Digest.sha256(user.username), authTime: authTime.withLock { $0 },
                              authMethods: ["pwd"], upstreamAMR: upstreamAMR.withLock { $0 }, lastMFAAt: mfa,
                              mfaMethods: mfa == nil ? [] : ["otp", "mfa"])
    }
    func end(token: String, clientIP: String?) throws { ended.withLock { $0.append(token) } }
}

struct FakeMapper: AttributeMapper {
    func evaluate(_ expression: String, _ context: MappingContext) throws -> ExprValue {
        .map(["ar_access_level": .string(context.groups.contains("finance") ? "full" : "none"), "sub": .string("overridden?"),
              "ar_limit": .int(2), "ar_weight": .double(2)])
    }
}
