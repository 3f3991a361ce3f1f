/// Why an upstream sign-in failed. Each case has its own message (shown to the person) and
/// code (the audit event's `reason`, and the anchor in Docs/sources/entra-id.md). Nothing is
/// created when one of these is thrown: every check runs before the first write.
public enum FederationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No enabled source with this slug.
    case unknownSource(String)
    /// The upstream could not be reached, was too slow (connect 5 s, total 15 s) or answered garbage.
    case upstreamUnreachable(String)
    /// The upstream sent `error=…` back (e.g. `access_denied`: the person cancelled or was refused).
    case upstreamDenied(String)
    /// `state` missing, forged, replayed, or the pre-login session expired.
    case invalidState
    /// The code exchange was refused by the upstream.
    case codeExchangeFailed(String)
    /// The token's `tid` is not one of the allowed tenants.
    case wrongTenant(String)
    /// The ID token's signature does not verify with any key of the upstream's JWKS.
    case badSignature
    /// `exp` has passed (or `iat`/`nbf` lie in the future).
    case expiredToken
    /// The ID token's `nonce` is not the one this sign-in sent.
    case nonceMismatch
    /// `iss`, `aud`, a required claim or the token's form is wrong.
    case invalidToken(String)
    /// Google: the e-mail is not verified, or not in the configured `hd` domain.
    case unverifiedEmail
    case wrongDomain(String)
    /// `email_deny` / `username_deny`: another local account already holds this e-mail/username.
    case emailTaken
    case usernameTaken
    /// The account SCIM provisioned for this identity is linked here to another identity already.
    case alreadyLinked
    /// No linked account, and the source does not enroll new users.
    case enrollmentDisabled
    /// The linked account is deactivated.
    case userInactive
    /// `attribute_mapping` or `group_mapping` failed or returned the wrong type.
    case mappingFailed(String)
    /// The store failed.
    case store(String)

    /// The audit event's `reason`.
    public var code: String {
        switch self {
        case .unknownSource: "unknown_source"
        case .upstreamUnreachable: "upstream_unreachable"
        case .upstreamDenied: "upstream_denied"
        case .invalidState: "invalid_state"
        case .codeExchangeFailed: "code_exchange_failed"
        case .wrongTenant: "wrong_tenant"
        case .badSignature: "bad_signature"
        case .expiredToken: "expired_token"
        case .nonceMismatch: "nonce_mismatch"
        case .invalidToken: "invalid_token"
        case .unverifiedEmail: "unverified_email"
        case .wrongDomain: "wrong_domain"
        case .emailTaken: "email_taken"
        case .usernameTaken: "username_taken"
        case .alreadyLinked: "already_linked"
        case .enrollmentDisabled: "enrollment_disabled"
        case .userInactive: "user_inactive"
        case .mappingFailed: "mapping_failed"
        case .store: "store_error"
        }
    }

    /// What the person reads. Never echoes upstream text (it may be attacker-chosen).
    public var message: String {
        switch self {
        case .unknownSource: "This sign-in option does not exist or is turned off."
        case .upstreamUnreachable: "The identity provider could not be reached in time. Try again in a moment."
        case .upstreamDenied: "Sign-in was cancelled or refused at the identity provider."
        case .invalidState: "This sign-in attempt has expired or was already used. Start again."
        case .codeExchangeFailed: "The identity provider refused to complete the sign-in. Start again."
        case .wrongTenant: "Accounts of your organisation's directory may not sign in here."
        case .badSignature: "The identity provider's answer could not be verified (bad signature)."
        case .expiredToken: "The identity provider's answer has expired. Start again."
        case .nonceMismatch: "The identity provider's answer does not belong to this sign-in attempt."
        case .invalidToken: "The identity provider's answer was not valid for this service."
        case .unverifiedEmail: "Your e-mail address is not verified at the identity provider."
        case .wrongDomain: "Accounts of this domain may not sign in here."
        case .emailTaken: "An account with this e-mail address already exists here. Sign in with it instead."
        case .usernameTaken: "An account with this username already exists here. Sign in with it instead."
        case .alreadyLinked: "The account made for you here is linked to another sign-in already. Ask your administrator."
        case .enrollmentDisabled: "No account here is linked to this sign-in, and new accounts are not created automatically."
        case .userInactive: "This account is deactivated."
        case .mappingFailed: "Sign-in failed because this sign-in option is misconfigured. Tell your administrator."
        case .store: "Sign-in failed because of a server error. Try again in a moment."
        }
    }

    public var description: String {
        switch self {
        case .unknownSource(let s): "unknown source \(s)"
        case .upstreamUnreachable(let d): "upstream unreachable: \(d)"
        case .upstreamDenied(let e): "upstream returned error \(e)"
        case .codeExchangeFailed(let d): "code exchange failed: \(d)"
        case .wrongTenant(let t): "tenant \(t) is not allowed"
        case .invalidToken(let d): "invalid ID token: \(d)"
        case .wrongDomain(let d): "hosted domain \(d) is not allowed"
        case .mappingFailed(let d): "mapping failed: \(d)"
        case .store(let d): "store: \(d)"
        default: code
        }
    }
}
