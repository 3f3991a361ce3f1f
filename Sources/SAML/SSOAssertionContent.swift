import Store

/// What one assertion says about a signed-in user, worked out before any XML is built.
struct SSOAssertionContent: Equatable {
    struct Attribute: Equatable {
        let name: String
        let nameFormat: String
        let friendlyName: String?
        let values: [String]
    }

    let nameID: String
    let nameIDFormat: String
    let sessionIndex: String
    let authnInstant: Timestamp
    let authnContextClass: String
    let sessionNotOnOrAfter: Timestamp?
    let attributes: [Attribute]
}

/// One response to an SP: either an assertion or a status saying why not.
struct SSOResponsePlan {
    enum Outcome {
        case success(SSOAssertionContent)
        case failure(SAMLStatusError)
    }

    /// Our entity ID (the Issuer of the Response and the Assertion).
    let issuer: String
    let provider: SAMLServiceProvider
    /// The ACS URL the response is posted to (registered: checked before a plan is made).
    let destination: String
    let inResponseTo: String?
    let now: Timestamp
    let outcome: Outcome

    /// How long the assertion and its bearer confirmation are valid. Profiles §4.1.4.2: the
    /// bearer SubjectConfirmationData "MUST contain a NotOnOrAfter attribute that limits the
    /// window during which the assertion can be delivered".
    static let validitySeconds: Int64 = 300
}
