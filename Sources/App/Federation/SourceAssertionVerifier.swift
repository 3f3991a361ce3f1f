import Federation
import OIDC

/// `client_assertion` JWTs of the sources an OAuth client trusts (`jwt_federation_sources`):
/// the first source whose JWKS, issuer, tenant, audience and lifetime checks all pass wins,
/// and the token must have been issued to one of the client's `jwt_federation_subjects`
/// (its `azp`, or Entra's v1 `appid`). A user's ID token (it carries a `nonce`, or names no
/// application) never passes: any token with the right audience is not enough.
struct SourceAssertionVerifier: ClientAssertionVerifier {
    let directory: SourceDirectory

    struct NotIssuedToAllowedApplication: Error, CustomStringConvertible {
        let got: String?
        var description: String { "the assertion was issued to \(got ?? "no application"), which this client does not allow" }
    }

    struct LooksLikeAnIDToken: Error, CustomStringConvertible {
        var description: String { "the assertion carries a nonce: an ID token, not an application's token" }
    }

    /// A user's delegated access token (`scp`, `idtyp: user`, or a subject that is not the
    /// application's own service principal) is not the application speaking for itself: an app
    /// that may also get delegated tokens for us must not pass a user's off as its own.
    struct LooksLikeAUsersToken: Error, CustomStringConvertible {
        let why: String
        var description: String { "the assertion is a user's token (\(why)), not an application-only token" }
    }

    func verify(_ assertion: String, sources: [String], subjects: [String]) throws {
        var last: any Error = FederationError.unknownSource(sources.joined(separator: ","))
        for slug in sources {
            guard let client = directory.client(slug: slug) else { continue }
            do {
                let token = try client.verifyAssertion(assertion)
                guard token.string("nonce") == nil else { throw LooksLikeAnIDToken() }
                if token.string("scp") != nil { throw LooksLikeAUsersToken(why: "it carries delegated scopes") }
                if let type = token.string("idtyp"), type != "app" { throw LooksLikeAUsersToken(why: "idtyp \(type)") }
                if let subject = token.string("sub"), let object = token.string("oid"), subject != object {
                    throw LooksLikeAUsersToken(why: "its subject is not the application's service principal")
                }
                let caller = token.string("azp") ?? token.string("appid")
                guard let caller, subjects.contains(where: { $0.lowercased() == caller.lowercased() }) else {
                    throw NotIssuedToAllowedApplication(got: caller)
                }
                return
            } catch {
                last = error
            }
        }
        throw last
    }
}
