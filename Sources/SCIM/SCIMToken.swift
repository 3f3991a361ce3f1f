import Crypto
public import Store

/// A SCIM source's bearer token: 256 random bits, stored only as its SHA-256. With that much
/// entropy a fast hash is enough, and a database leak yields no usable token.
public enum SCIMToken {
    /// The stored form of a token (hex SHA-256), as blueprints write it.
    public static func hexDigest(_ token: String) -> String { Hex.encode(Digest.sha256(token)) }

    /// Whether `token` is the source's (constant time; a source without a token accepts none).
    static func accepts(_ token: String, for source: ProvisioningSource) -> Bool {
        guard let hash = source.tokenSHA256, hash.count == 32 else { return false }
        return constantTimeEquals(Digest.sha256(token), hash)
    }

    /// A fresh token for the source `slug`, which replaces its old one at once; audited as
    /// `scim.token_issued` (`via`: who asked, e.g. `cli`). Only the caller ever sees the token.
    public static func issue(forSource slug: String, via: String, in store: any ProvisioningStore) throws -> String {
        let token = SecureRandom.token(byteCount: 32)
        let details = JSONText("{\"via\":" + JSONText.quoted(via) + "}")
        guard try store.replaceToken(ofSource: slug, sha256: Digest.sha256(token),
                                     audit: ProvisioningAudit(action: "scim.token_issued", details: details)) else {
            throw SCIMSourceError("no SCIM source with slug \(slug)")
        }
        return token
    }
}

public struct SCIMSourceError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
