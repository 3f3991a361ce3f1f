#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Store

/// The state of one run of a flow, kept in the session's `flow_state` between requests.
/// Holds no secret: never a password, never a session token.
public struct FlowPlan: Hashable, Codable, Sendable {
    public var flowSlug: String
    /// Index into the flow's bindings of the stage to run next.
    public var stageIndex: Int
    /// The identifier as entered at the identification stage.
    public var uid: String?
    /// The user the identifier named, if any (raw `UserID`). nil with a `uid` set: nobody
    /// matched, and the flow carries on as if someone had, so nothing tells the two apart.
    public var pendingUserID: String?
    /// Authentication methods passed so far (`pwd`, …): the session's `authMethods`.
    public var methods: [String]
    /// Where to go when the flow completes: always a local path (see `LocalPath`).
    public var next: String
    /// A sign-in sent to an upstream source and not yet back: its state, nonce and PKCE
    /// verifier as JSON, owned by the federation routes (kept here so they stay server-side).
    public var upstreamLogin: String?
    /// The upstream's `amr` once a source signed the user in (the session's `upstreamAMR`).
    public var upstreamAMR: [String]?
    /// The unconfirmed TOTP device being enrolled (its id; the secret stays in the store).
    public var setupDeviceID: String?
    /// The WebAuthn challenge (base64url) the client was last given; used once, then dropped.
    public var webAuthnChallenge: String?

    /// A fresh run of `flow`; `next` is kept only when it is a path on this server.
    public init(flow: Flow, next: String?) {
        self.flowSlug = flow.slug
        self.stageIndex = 0
        self.uid = nil
        self.pendingUserID = nil
        self.methods = []
        self.next = LocalPath.sanitize(next)
        self.upstreamLogin = nil
        self.upstreamAMR = nil
    }

    public var pendingUser: UserID? {
        get { pendingUserID.map(UserID.init) }
        set { pendingUserID = newValue?.rawValue }
    }

    /// The plan as JSON for `Session.flowState`.
    public func jsonText() -> JSONText {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding strings, ints and arrays of them cannot fail.
        let data = try! encoder.encode(self)
        return JSONText(String(decoding: data, as: UTF8.self))
    }

    /// Reads a plan back from `Session.flowState`; nil if the text is not one (a stale or
    /// foreign state: start the flow again). `next` is re-checked, not trusted.
    public init?(json: JSONText) {
        guard var plan = try? JSONDecoder().decode(FlowPlan.self, from: Data(json.text.utf8)) else { return nil }
        plan.next = LocalPath.sanitize(plan.next)
        self = plan
    }
}

/// The `?next=` rule: only paths on this server.
public enum LocalPath {
    /// Where a flow goes when no acceptable `next` was given.
    public static let defaultTarget = "/"

    /// `candidate` when it is a local path, else `defaultTarget`.
    public static func sanitize(_ candidate: String?) -> String {
        guard let candidate, isLocal(candidate) else { return defaultTarget }
        return candidate
    }

    /// Starts with one `/` (not `//`, which is another host), contains no backslash
    /// (browsers read `/\host` as `//host`), no control character, space or DEL (browsers
    /// drop tabs and newlines, so `/\t/host` would become `//host`), and so no scheme.
    public static func isLocal(_ candidate: String) -> Bool {
        let scalars = Array(candidate.unicodeScalars)
        guard scalars.first == "/", scalars.count <= 2048 else { return false }
        if scalars.count > 1, scalars[1] == "/" { return false }
        for s in scalars {
            if s == "\\" || s.value <= 0x20 || s.value == 0x7f { return false }
            // C1 controls and Unicode line/paragraph separators.
            if (0x80...0x9f).contains(s.value) || s.value == 0x2028 || s.value == 0x2029 { return false }
        }
        return true
    }
}
