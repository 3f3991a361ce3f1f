/// The parts of an upstream's discovery document federation uses.
public struct UpstreamMetadata: Sendable, Hashable {
    /// May hold Entra's `{tenantid}` placeholder (multi-tenant endpoints).
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var jwksURI: String
    public var userinfoEndpoint: String?

    public init(issuer: String, authorizationEndpoint: String, tokenEndpoint: String, jwksURI: String,
                userinfoEndpoint: String? = nil) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksURI = jwksURI
        self.userinfoEndpoint = userinfoEndpoint
    }

    /// Reads `.well-known/openid-configuration`; every endpoint must be http(s).
    public static func parse(_ bytes: [UInt8]) throws(FederationError) -> UpstreamMetadata {
        let bad = FederationError.upstreamUnreachable("the discovery document is not usable")
        let document = try UpstreamJSON.object(bytes, what: "the discovery document", or: FederationError.upstreamUnreachable)
        guard let issuer = UpstreamJSON.string(document, "issuer"),
              let authorize = UpstreamJSON.string(document, "authorization_endpoint"),
              let token = UpstreamJSON.string(document, "token_endpoint"),
              let jwks = UpstreamJSON.string(document, "jwks_uri"),
              [authorize, token, jwks].allSatisfy(isHTTP) else { throw bad }
        let userinfo = UpstreamJSON.string(document, "userinfo_endpoint").flatMap { isHTTP($0) ? $0 : nil }
        return UpstreamMetadata(issuer: issuer, authorizationEndpoint: authorize, tokenEndpoint: token, jwksURI: jwks,
                                userinfoEndpoint: userinfo)
    }

    static func isHTTP(_ url: String) -> Bool { url.hasPrefix("https://") || url.hasPrefix("http://") }

    /// The issuer a token from tenant `tid` must carry (Entra's `{tenantid}` filled in).
    public func expectedIssuer(tid: String?) -> String? {
        guard issuer.contains("{tenantid}") else { return issuer }
        guard let tid, !tid.isEmpty, tid.utf8.allSatisfy({ b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x2D
        }) else { return nil }
        return issuer.replacingTenantPlaceholder(with: tid)
    }
}

extension String {
    func replacingTenantPlaceholder(with tid: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: "{tenantid}") {
            out += rest[..<range.lowerBound]
            out += tid
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
