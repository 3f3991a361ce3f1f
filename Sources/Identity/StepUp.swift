import Store

/// A sensitive application's demand: an MFA verification within `windowSeconds` before a
/// sign-in to it is honoured (F-06: 30 minutes by default).
public struct StepUpRequirement: Sendable, Hashable {
    public static let defaultWindowSeconds = 1800
    public var windowSeconds: Int
    /// Whether an upstream `amr` containing `mfa` (Entra ID) at sign-in counts as a verification.
    public var acceptsUpstreamMFA: Bool

    public init(windowSeconds: Int = StepUpRequirement.defaultWindowSeconds, acceptsUpstreamMFA: Bool = true) {
        self.windowSeconds = windowSeconds
        self.acceptsUpstreamMFA = acceptsUpstreamMFA
    }
}

/// The step-up decision every browser protocol makes the same way.
public enum StepUp {
    /// When the session last passed MFA: here, or (if accepted) at the upstream sign-in.
    public static func lastVerification(_ session: BrowserSession, acceptsUpstream: Bool) -> Timestamp? {
        var times: [Timestamp] = []
        if let local = session.lastMFAAt { times.append(local) }
        if acceptsUpstream, session.upstreamAMR.contains("mfa") { times.append(session.authTime) }
        return times.max()
    }

    /// True when `session` has an MFA verification fresh enough for `requirement` (or, with
    /// none, one at all when `required`); `maxAgeSeconds` is the protocol's own bound
    /// (OIDC `max_age`) when the application sets no window.
    public static func isSatisfied(by session: BrowserSession, requirement: StepUpRequirement?, maxAgeSeconds: Int?,
                                   at now: Timestamp) -> Bool {
        guard let verified = lastVerification(session, acceptsUpstream: requirement?.acceptsUpstreamMFA ?? true) else {
            return false
        }
        guard let window = requirement?.windowSeconds ?? maxAgeSeconds else { return true }
        return now.microsecondsSince1970 - verified.microsecondsSince1970 <= Int64(window) * 1_000_000
    }
}
