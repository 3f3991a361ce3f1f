import HTTP

/// Where protocols send a browser that must sign in, or pass an MFA verification, before
/// coming back to `returnTo` (a local path). The portal's flow pages answer there.
public struct SignInLocations: Sendable, Hashable {
    /// The page of the sign-in flow (`GATEHOUSE_AUTHENTICATION_FLOW`).
    public var signInPath: String
    /// The page of the MFA validation flow.
    public var stepUpPath: String

    public init(signInPath: String = "/if/flow/default-authentication-flow/",
                stepUpPath: String = "/if/flow/default-authenticator-validation-flow/") {
        self.signInPath = signInPath
        self.stepUpPath = stepUpPath
    }

    public func signIn(returnTo: String, loginHint: String? = nil) -> String {
        var location = signInPath + "?restart=1&next=" + PercentEncoding.encode(returnTo, keeping: "/")
        if let loginHint { location += "&login_hint=" + PercentEncoding.encode(loginHint, keeping: "/") }
        return location
    }

    public func stepUp(returnTo: String) -> String { stepUpPath + "?next=" + PercentEncoding.encode(returnTo, keeping: "/") }
}
