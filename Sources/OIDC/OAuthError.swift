import HTTP
import JSON
import Web

/// The closed catalogue of OAuth 2.0 / OIDC error codes we send (RFC 6749 §4.1.2.1 and §5.2,
/// OIDC Core §3.1.2.6, RFC 7009, RFC 6750). `description` is shown to the client, so it says
/// what was wrong with the request and never anything about the server's insides.
public struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case invalidRequest = "invalid_request"
        case invalidClient = "invalid_client"
        case invalidGrant = "invalid_grant"
        case unauthorizedClient = "unauthorized_client"
        case unsupportedGrantType = "unsupported_grant_type"
        case invalidScope = "invalid_scope"
        case accessDenied = "access_denied"
        case unsupportedResponseType = "unsupported_response_type"
        case serverError = "server_error"
        case temporarilyUnavailable = "temporarily_unavailable"
        case loginRequired = "login_required"
        case consentRequired = "consent_required"
        case interactionRequired = "interaction_required"
        case requestNotSupported = "request_not_supported"
        case requestURINotSupported = "request_uri_not_supported"
        case registrationNotSupported = "registration_not_supported"
        case invalidToken = "invalid_token"
        case unsupportedTokenType = "unsupported_token_type"
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    public static func invalidRequest(_ why: String) -> OAuthError { OAuthError(.invalidRequest, why) }
    public static func invalidGrant(_ why: String) -> OAuthError { OAuthError(.invalidGrant, why) }
    public static func invalidClient(_ why: String = "client authentication failed") -> OAuthError { OAuthError(.invalidClient, why) }
    public static func invalidScope(_ why: String) -> OAuthError { OAuthError(.invalidScope, why) }

    /// The token endpoint's JSON error body (RFC 6749 §5.2).
    var jsonBody: [UInt8] {
        JSONValue.object(["error": .string(code.rawValue), "error_description": .string(description)]).bytes
    }

    /// RFC 6749 §5.2: 400 for everything but a failed client authentication, which is 401 with
    /// a challenge naming the scheme the client tried (Basic when it tried none).
    func tokenEndpointResponse(basicChallenge: Bool = true) -> Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("Cache-Control", "no-store")
        headers.add("Pragma", "no-cache")
        var status: HTTPStatus = .badRequest
        if code == .invalidClient {
            status = .unauthorized
            headers.add("WWW-Authenticate", basicChallenge ? "Basic realm=\"gatehouse\"" : "Bearer realm=\"gatehouse\"")
        } else if code == .serverError {
            status = .internalServerError
        } else if code == .temporarilyUnavailable {
            status = .serviceUnavailable
        }
        return Response(status: status, headers: headers, body: jsonBody)
    }

    /// RFC 6750 §3: a protected resource (userinfo) answers with a `WWW-Authenticate` challenge.
    func bearerResponse() -> Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("Cache-Control", "no-store")
        let status: HTTPStatus
        var challenge = "Bearer realm=\"gatehouse\""
        switch code {
        case .invalidToken:
            status = .unauthorized
            challenge += ", error=\"invalid_token\", error_description=\"\(description.replacingQuotes())\""
        case .invalidRequest:
            status = .badRequest
            challenge += ", error=\"invalid_request\", error_description=\"\(description.replacingQuotes())\""
        default:
            status = .unauthorized
        }
        headers.add("WWW-Authenticate", challenge)
        return Response(status: status, headers: headers, body: jsonBody)
    }
}

extension String {
    /// For quoted-string header parameters: no quotes or backslashes inside.
    func replacingQuotes() -> String {
        String(unicodeScalars.map { $0 == "\"" || $0 == "\\" || $0.value < 0x20 ? "'" : Character($0) })
    }
}
