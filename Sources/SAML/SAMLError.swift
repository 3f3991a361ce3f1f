/// Why a SAML message was refused before any response could be trusted to reach the SP:
/// shown on our error page, never posted anywhere (the ACS URL is not yet known to be the SP's).
struct SAMLRequestError: Error, Equatable, CustomStringConvertible {
    /// Short code for the audit log (`bad_signature`, `unknown_acs`, …).
    let code: String
    /// Text safe to show the user (no secrets, no internals).
    let message: String
    /// What went wrong underneath, for the audit log only (never shown).
    let detail: String?

    init(_ code: String, _ message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    var description: String { "\(code): \(message)" }
}

/// A protocol error the SP is told about with a SAML status (the request was authentic and
/// its ACS registered): core §3.2.2.2.
struct SAMLStatusError: Error, Equatable {
    let topLevel: String
    let secondLevel: String?
    let message: String
}
