/// Object identifiers of the extended operations and controls the server and the upstream
/// source use.
public enum LDAPOID {
    /// StartTLS extended operation, RFC 4511 §4.14.
    public static let startTLS = "1.3.6.1.4.1.1466.20037"
    /// Who Am I? extended operation, RFC 4532.
    public static let whoAmI = "1.3.6.1.4.1.4203.1.11.3"
    /// Notice of Disconnection unsolicited notification, RFC 4511 §4.4.1.
    public static let noticeOfDisconnection = "1.3.6.1.4.1.1466.20036"
    /// Simple Paged Results control, RFC 2696.
    public static let pagedResults = "1.2.840.113556.1.4.319"
    /// Active Directory's LDAP_MATCHING_RULE_IN_CHAIN (transitive `memberOf`).
    public static let matchingRuleInChain = "1.2.840.113556.1.4.1941"
}

extension LDAPMessage {
    /// The Notice of Disconnection, RFC 4511 §4.4.1, sent before the server closes a session on
    /// its own initiative. It is an unsolicited notification, so its messageID is zero (§4.4),
    /// and "The responseName is 1.3.6.1.4.1.1466.20036, the responseValue field is absent, and
    /// the resultCode is used to indicate the reason for the disconnection" (protocolError,
    /// strongerAuthRequired or unavailable).
    public static func noticeOfDisconnection(resultCode: LDAPResultCode = .protocolError,
                                             diagnosticMessage: String = "") -> LDAPMessage {
        let result = LDAPResult(resultCode: resultCode, diagnosticMessage: diagnosticMessage)
        return LDAPMessage(messageID: 0, protocolOp: .extendedResponse(
            ExtendedResponse(result: result, responseName: LDAPOID.noticeOfDisconnection)))
    }
}
