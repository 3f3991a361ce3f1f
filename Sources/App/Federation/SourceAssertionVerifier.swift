import Federation
import OIDC

/// `client_assertion` JWTs of the sources an OAuth client trusts (`jwt_federation_sources`):
/// the first source whose JWKS, issuer, tenant, audience and lifetime checks all pass wins.
struct SourceAssertionVerifier: ClientAssertionVerifier {
    let directory: SourceDirectory

    func verify(_ assertion: String, sources: [String]) throws {
        var last: FederationError = .unknownSource(sources.joined(separator: ","))
        for slug in sources {
            guard let client = directory.client(slug: slug) else { continue }
            do {
                _ = try client.verifyAssertion(assertion)
                return
            } catch {
                last = error
            }
        }
        throw last
    }
}
