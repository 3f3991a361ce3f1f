import Crypto
import Store
import Web

/// How the client proved who it is (RFC 6749 §2.3, OIDC Core §9).
enum ClientAuthenticationMethod: String, Sendable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    /// A JWT from a trusted upstream source (`jwt_federation_sources`), for client_credentials only.
    case federatedJWT = "federated_jwt"
    case none
}

struct AuthenticatedClient: Sendable {
    let client: OAuthClient
    let method: ClientAuthenticationMethod
}

/// Authenticates the client of a token, introspection or revocation request. Exactly one
/// method per request (RFC 6749 §2.3: "MUST NOT use more than one authentication method").
struct ClientAuthenticator: Sendable {
    let clients: any OAuthClientDirectory
    var assertions: (any ClientAssertionVerifier)? = nil
    var log: @Sendable (String) -> Void = { _ in }

    func authenticate(_ request: Request, _ parameters: OAuthParameters) throws -> AuthenticatedClient {
        let basic = try Self.basicCredentials(request)
        let postedID = try parameters.single("client_id")
        let postedSecret = try parameters.single("client_secret")
        if parameters.has("client_assertion") || parameters.has("client_assertion_type") {
            guard basic == nil, postedSecret == nil else { throw OAuthError.invalidRequest("use one client authentication method, not two") }
            return try federated(id: postedID, parameters)
        }
        if let basic {
            guard postedSecret == nil else { throw OAuthError.invalidRequest("use one client authentication method, not two") }
            if let postedID, postedID != basic.id { throw OAuthError.invalidRequest("client_id does not match the Authorization header") }
            return AuthenticatedClient(client: try check(id: basic.id, secret: basic.secret), method: .clientSecretBasic)
        }
        guard let id = postedID else { throw OAuthError.invalidClient("client authentication is required") }
        if let secret = postedSecret {
            return AuthenticatedClient(client: try check(id: id, secret: secret), method: .clientSecretPost)
        }
        guard let client = try clients.client(clientID: id), client.application != nil else {
            throw OAuthError.invalidClient()
        }
        guard client.clientType == .public else { throw OAuthError.invalidClient("this client must authenticate with its secret") }
        return AuthenticatedClient(client: client, method: .none)
    }

    /// RFC 7523 §2.2 with a JWT issued by an upstream source the client trusts (verified
    /// against that source's JWKS by `assertions`); the client must name itself.
    private func federated(id: String?, _ parameters: OAuthParameters) throws -> AuthenticatedClient {
        guard let assertions else { throw OAuthError.invalidClient("client assertions are not accepted by this provider") }
        guard try parameters.single("client_assertion_type") == ClientAssertions.jwtBearerType else {
            throw OAuthError.invalidClient("client_assertion_type must be \(ClientAssertions.jwtBearerType)")
        }
        guard let assertion = try parameters.single("client_assertion"), !assertion.isEmpty else {
            throw OAuthError.invalidClient("client_assertion is missing")
        }
        guard let id else { throw OAuthError.invalidClient("client_id is required with a client assertion") }
        guard let client = try clients.client(clientID: id), client.application != nil,
              !client.jwtFederationSources.isEmpty, !client.jwtFederationSubjects.isEmpty else { throw OAuthError.invalidClient() }
        do {
            try assertions.verify(assertion, sources: client.jwtFederationSources, subjects: client.jwtFederationSubjects)
        } catch {
            // The reason (tenant, key, audience) goes to the log, not to an unauthenticated caller.
            log("client assertion for \(id) refused: \(error)")
            throw OAuthError.invalidClient("the client assertion was refused")
        }
        return AuthenticatedClient(client: client, method: .federatedJWT)
    }

    private func check(id: String, secret: String) throws -> OAuthClient {
        // Compare against something even when the client is unknown, so timing says nothing.
        let client = try clients.client(clientID: id)
        let expected = client?.clientSecret ?? "gatehouse-unknown-client-placeholder"
        let matches = constantTimeEquals(Array(Digest.sha256(secret)), Array(Digest.sha256(expected)))
        guard let client, client.application != nil, client.clientType == .confidential, client.clientSecret != nil, matches else {
            throw OAuthError.invalidClient()
        }
        return client
    }

    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
    static func basicCredentials(_ request: Request) throws(OAuthError) -> (id: String, secret: String)? {
        guard let header = request.headers["Authorization"] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic" else {
            throw OAuthError.invalidClient("unsupported Authorization scheme for client authentication")
        }
        guard let decoded = Base64.decode(String(parts[1]).trimmingCharacters(in: " ")),
              let text = String(validating: decoded, as: UTF8.self),
              let colon = text.firstIndex(of: ":") else {
            throw OAuthError.invalidClient("malformed Basic credentials")
        }
        guard let id = formDecode(String(text[..<colon])), let secret = formDecode(String(text[text.index(after: colon)...])),
              !id.isEmpty else {
            throw OAuthError.invalidClient("malformed Basic credentials")
        }
        return (id, secret)
    }
}

/// Verifies a JWT an upstream source issued (the App room implements it over the sources' JWKS).
public protocol ClientAssertionVerifier: Sendable {
    /// Throws (with a reason for the error description) unless `assertion` verifies against
    /// one of the `sources` and is meant for us.
    /// and was issued to one of `subjects` (its `azp` / `appid`).
    func verify(_ assertion: String, sources: [String], subjects: [String]) throws
}

enum ClientAssertions {
    static let jwtBearerType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
}

/// application/x-www-form-urlencoded decoding of one value (`+` is a space).
func formDecode(_ text: String) -> String? {
    (try? FormData.parse("v=" + text))?["v"] ?? (text.isEmpty ? "" : nil)
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}


/// Standard base64 (with padding) for Basic credentials.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var t = text
        guard t.count % 4 == 0, t.count <= 8192 else { return nil }
        while t.hasSuffix("=") { t.removeLast() }
        guard t.utf8.allSatisfy({ $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "_") }) else { return nil }
        let url = t.replacingOccurrences("+", "-").replacingOccurrences("/", "_")
        return Base64URL.decode(url)
    }
}

extension String {
    func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
}
