/// resultCode of RFC 4511 §4.1.9 (codes and names from Appendix A). Codes this enum does not
/// name, from extensions or the future, are kept as `.other(code)`, never refused:
/// "The resultCode enumeration is extensible" (§4.1.9).
public enum LDAPResultCode: Hashable, Sendable, CustomStringConvertible {
    case success                        // 0
    case operationsError                // 1
    case protocolError                  // 2
    case timeLimitExceeded              // 3
    case sizeLimitExceeded              // 4
    case compareFalse                   // 5
    case compareTrue                    // 6
    case authMethodNotSupported         // 7
    case strongerAuthRequired           // 8
    case referral                       // 10
    case adminLimitExceeded             // 11
    case unavailableCriticalExtension   // 12
    case confidentialityRequired        // 13
    case saslBindInProgress             // 14
    case noSuchAttribute                // 16
    case undefinedAttributeType         // 17
    case inappropriateMatching          // 18
    case constraintViolation            // 19
    case attributeOrValueExists         // 20
    case invalidAttributeSyntax         // 21
    case noSuchObject                   // 32
    case aliasProblem                   // 33
    case invalidDNSyntax                // 34
    case aliasDereferencingProblem      // 36
    case inappropriateAuthentication    // 48
    case invalidCredentials             // 49
    case insufficientAccessRights       // 50
    case busy                           // 51
    case unavailable                    // 52
    case unwillingToPerform             // 53
    case loopDetect                     // 54
    case namingViolation                // 64
    case objectClassViolation           // 65
    case notAllowedOnNonLeaf            // 66
    case notAllowedOnRDN                // 67
    case entryAlreadyExists             // 68
    case objectClassModsProhibited      // 69
    case affectsMultipleDSAs            // 71
    /// RFC 4511's own `other (80)`; named so that `.other(_:)` can hold unnamed codes.
    case otherError                     // 80
    /// Any code not named above (e.g. RFC 3909's cancel codes, 118–121).
    case other(Int)

    /// Every named case, in code order.
    public static let allNamed: [LDAPResultCode] = [
        .success, .operationsError, .protocolError, .timeLimitExceeded, .sizeLimitExceeded,
        .compareFalse, .compareTrue, .authMethodNotSupported, .strongerAuthRequired, .referral,
        .adminLimitExceeded, .unavailableCriticalExtension, .confidentialityRequired,
        .saslBindInProgress, .noSuchAttribute, .undefinedAttributeType, .inappropriateMatching,
        .constraintViolation, .attributeOrValueExists, .invalidAttributeSyntax, .noSuchObject,
        .aliasProblem, .invalidDNSyntax, .aliasDereferencingProblem, .inappropriateAuthentication,
        .invalidCredentials, .insufficientAccessRights, .busy, .unavailable, .unwillingToPerform,
        .loopDetect, .namingViolation, .objectClassViolation, .notAllowedOnNonLeaf,
        .notAllowedOnRDN, .entryAlreadyExists, .objectClassModsProhibited, .affectsMultipleDSAs,
        .otherError,
    ]

    public init(code: Int) {
        switch code {
        case 0: self = .success
        case 1: self = .operationsError
        case 2: self = .protocolError
        case 3: self = .timeLimitExceeded
        case 4: self = .sizeLimitExceeded
        case 5: self = .compareFalse
        case 6: self = .compareTrue
        case 7: self = .authMethodNotSupported
        case 8: self = .strongerAuthRequired
        case 10: self = .referral
        case 11: self = .adminLimitExceeded
        case 12: self = .unavailableCriticalExtension
        case 13: self = .confidentialityRequired
        case 14: self = .saslBindInProgress
        case 16: self = .noSuchAttribute
        case 17: self = .undefinedAttributeType
        case 18: self = .inappropriateMatching
        case 19: self = .constraintViolation
        case 20: self = .attributeOrValueExists
        case 21: self = .invalidAttributeSyntax
        case 32: self = .noSuchObject
        case 33: self = .aliasProblem
        case 34: self = .invalidDNSyntax
        case 36: self = .aliasDereferencingProblem
        case 48: self = .inappropriateAuthentication
        case 49: self = .invalidCredentials
        case 50: self = .insufficientAccessRights
        case 51: self = .busy
        case 52: self = .unavailable
        case 53: self = .unwillingToPerform
        case 54: self = .loopDetect
        case 64: self = .namingViolation
        case 65: self = .objectClassViolation
        case 66: self = .notAllowedOnNonLeaf
        case 67: self = .notAllowedOnRDN
        case 68: self = .entryAlreadyExists
        case 69: self = .objectClassModsProhibited
        case 71: self = .affectsMultipleDSAs
        case 80: self = .otherError
        default: self = .other(code)
        }
    }

    public var code: Int {
        switch self {
        case .success: return 0
        case .operationsError: return 1
        case .protocolError: return 2
        case .timeLimitExceeded: return 3
        case .sizeLimitExceeded: return 4
        case .compareFalse: return 5
        case .compareTrue: return 6
        case .authMethodNotSupported: return 7
        case .strongerAuthRequired: return 8
        case .referral: return 10
        case .adminLimitExceeded: return 11
        case .unavailableCriticalExtension: return 12
        case .confidentialityRequired: return 13
        case .saslBindInProgress: return 14
        case .noSuchAttribute: return 16
        case .undefinedAttributeType: return 17
        case .inappropriateMatching: return 18
        case .constraintViolation: return 19
        case .attributeOrValueExists: return 20
        case .invalidAttributeSyntax: return 21
        case .noSuchObject: return 32
        case .aliasProblem: return 33
        case .invalidDNSyntax: return 34
        case .aliasDereferencingProblem: return 36
        case .inappropriateAuthentication: return 48
        case .invalidCredentials: return 49
        case .insufficientAccessRights: return 50
        case .busy: return 51
        case .unavailable: return 52
        case .unwillingToPerform: return 53
        case .loopDetect: return 54
        case .namingViolation: return 64
        case .objectClassViolation: return 65
        case .notAllowedOnNonLeaf: return 66
        case .notAllowedOnRDN: return 67
        case .entryAlreadyExists: return 68
        case .objectClassModsProhibited: return 69
        case .affectsMultipleDSAs: return 71
        case .otherError: return 80
        case .other(let code): return code
        }
    }

    /// The RFC 4511 name ("invalidCredentials"), or "other" for unnamed codes.
    public var name: String {
        switch LDAPResultCode(code: code) {
        case .success: return "success"
        case .operationsError: return "operationsError"
        case .protocolError: return "protocolError"
        case .timeLimitExceeded: return "timeLimitExceeded"
        case .sizeLimitExceeded: return "sizeLimitExceeded"
        case .compareFalse: return "compareFalse"
        case .compareTrue: return "compareTrue"
        case .authMethodNotSupported: return "authMethodNotSupported"
        case .strongerAuthRequired: return "strongerAuthRequired"
        case .referral: return "referral"
        case .adminLimitExceeded: return "adminLimitExceeded"
        case .unavailableCriticalExtension: return "unavailableCriticalExtension"
        case .confidentialityRequired: return "confidentialityRequired"
        case .saslBindInProgress: return "saslBindInProgress"
        case .noSuchAttribute: return "noSuchAttribute"
        case .undefinedAttributeType: return "undefinedAttributeType"
        case .inappropriateMatching: return "inappropriateMatching"
        case .constraintViolation: return "constraintViolation"
        case .attributeOrValueExists: return "attributeOrValueExists"
        case .invalidAttributeSyntax: return "invalidAttributeSyntax"
        case .noSuchObject: return "noSuchObject"
        case .aliasProblem: return "aliasProblem"
        case .invalidDNSyntax: return "invalidDNSyntax"
        case .aliasDereferencingProblem: return "aliasDereferencingProblem"
        case .inappropriateAuthentication: return "inappropriateAuthentication"
        case .invalidCredentials: return "invalidCredentials"
        case .insufficientAccessRights: return "insufficientAccessRights"
        case .busy: return "busy"
        case .unavailable: return "unavailable"
        case .unwillingToPerform: return "unwillingToPerform"
        case .loopDetect: return "loopDetect"
        case .namingViolation: return "namingViolation"
        case .objectClassViolation: return "objectClassViolation"
        case .notAllowedOnNonLeaf: return "notAllowedOnNonLeaf"
        case .notAllowedOnRDN: return "notAllowedOnRDN"
        case .entryAlreadyExists: return "entryAlreadyExists"
        case .objectClassModsProhibited: return "objectClassModsProhibited"
        case .affectsMultipleDSAs: return "affectsMultipleDSAs"
        case .otherError: return "other"
        case .other: return "other"
        }
    }

    /// `.other(0)` and `.success` are one code: compare codes, not spellings.
    public static func == (a: LDAPResultCode, b: LDAPResultCode) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String { "\(name) (\(code))" }
}
