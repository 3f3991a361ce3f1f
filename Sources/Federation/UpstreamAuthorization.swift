import Crypto

/// What one sign-in keeps server-side between the redirect upstream and the callback (in the
/// pre-login session's flow plan; the browser only carries `state`).
public struct PendingUpstreamLogin: Sendable, Hashable, Codable {
    public var source: String
    public var state: String
    public var nonce: String
    public var codeVerifier: String
    /// Seconds since 1970 after which the callback is refused.
    public var expiresAt: Int64

    public init(source: String, state: String, nonce: String, codeVerifier: String, expiresAt: Int64) {
        self.source = source
        self.state = state
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.expiresAt = expiresAt
    }

    /// Fresh random state, nonce and PKCE verifier (32 bytes each), valid for `lifetime` seconds.
    public static func start(source: String, now: Int64, lifetime: Int64 = 600) -> PendingUpstreamLogin {
        PendingUpstreamLogin(source: source, state: SecureRandom.token(byteCount: 32), nonce: SecureRandom.token(byteCount: 32),
                             codeVerifier: SecureRandom.token(byteCount: 32), expiresAt: now + lifetime)
    }

    /// RFC 7636 S256.
    public var codeChallenge: String { Base64URL.encode(Digest.sha256(codeVerifier)) }

    /// The state the browser brought back matches (constant time), and the attempt is fresh.
    public func accepts(state presented: String, now: Int64) -> Bool {
        let a = Digest.sha256(presented), b = Digest.sha256(state)
        var diff: UInt8 = 0
        for i in 0..<min(a.count, b.count) { diff |= a[i] ^ b[i] }
        return diff == 0 && a.count == b.count && now <= expiresAt
    }
}

extension OAuthSourceConfig {
    /// The upstream authorize URL: code flow, `state`, `nonce`, PKCE S256.
    public func authorizationURL(_ metadata: UpstreamMetadata, pending: PendingUpstreamLogin, redirectURI: String) -> String {
        var pairs: [(String, String)] = [
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI),
            ("scope", scopes.joined(separator: " ")), ("state", pending.state), ("nonce", pending.nonce),
            ("code_challenge", pending.codeChallenge), ("code_challenge_method", "S256"),
        ]
        if providerType == .entraID { pairs.append(("response_mode", "query")) }
        if providerType == .google, let hostedDomain { pairs.append(("hd", hostedDomain)) }
        let separator = metadata.authorizationEndpoint.contains("?") ? "&" : "?"
        return metadata.authorizationEndpoint + separator + formEncode(pairs)
    }
}
