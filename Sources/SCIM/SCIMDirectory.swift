import Store

/// The users and groups of SCIM sources as SCIM documents, kept in a `ProvisioningStore`. The
/// document logic (what a resource becomes in the store's columns, what a stored one looks
/// like to the client, PATCH, filters) is here; the storage, its transactions and locks are the
/// store's. After a deactivation commits, `userDeactivated` voids cached sessions on every node.
struct SCIMDirectory: Sendable {
    let store: any ProvisioningStore
    /// Failures nobody but the operator should see (the client gets a bare 500).
    let log: @Sendable (_ message: String, _ metadata: [String: String]) -> Void
    let userDeactivated: @Sendable (UserID) -> Void

    /// The source `slug` if `token` is its bearer token.
    func authenticate(slug: String, token: String?) throws(SCIMError) -> ProvisioningSource {
        let source = try run("authenticate") { () throws(StoreError) in try store.source(slug: slug) }
        guard let token, let source, SCIMToken.accepts(token, for: source) else { throw .unauthorized }
        return source
    }

    /// Runs one store call. Its failures become SCIM errors: a taken value is 409
    /// `uniqueness`, a refused one 400 `invalidValue`, a missing resource 404 `notFound`
    /// (when the operation names one), anything else a logged 500.
    func run<T>(_ what: String, notFound: String? = nil, _ body: () throws(StoreError) -> T) throws(SCIMError) -> T {
        do {
            return try body()
        } catch {
            throw scimError(error, what, notFound: notFound)
        }
    }

    /// A lock-and-update's failure: the change's own refusal as it was, the store's mapped as in `run`.
    func scimError(_ failure: ProvisioningFailure<SCIMError>, _ what: String, notFound: String) -> SCIMError {
        switch failure {
        case .refused(let error): error
        case .store(let error): scimError(error, what, notFound: notFound)
        }
    }

    func scimError(_ error: StoreError, _ what: String, notFound: String?) -> SCIMError {
        switch error {
        case .conflict:
            return .uniqueness("\(what): the value is already taken")
        case .invalid(let why):
            return .invalidValue(why)
        case .notFound(let thing):
            if let notFound { return .notFound(notFound) }
            return internalError(what, "\(thing) not found")
        case .unavailable(let why):
            return internalError(what, why)
        }
    }

    func internalError(_ what: String, _ why: String) -> SCIMError {
        log("scim store failure", ["operation": what, "error": why])
        return SCIMError(status: 500, detail: "the directory is unavailable")
    }
}

/// Where a request's resources live, for `meta.location` and `$ref`.
struct SCIMEndpoint: Sendable {
    let source: ProvisioningSource
    /// `https://host/source/scim/<slug>/v2`
    let base: String
}
