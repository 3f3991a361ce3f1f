/// LDAPResult, RFC 4511 §4.1.9: what every response but a search entry or reference carries.
public struct LDAPResult: Hashable, Sendable {
    public var resultCode: LDAPResultCode
    public var matchedDN: String
    public var diagnosticMessage: String
    /// URIs of a referral; empty means absent (the RFC's Referral has at least one).
    public var referral: [String]

    public init(resultCode: LDAPResultCode, matchedDN: String = "", diagnosticMessage: String = "",
                referral: [String] = []) {
        self.resultCode = resultCode
        self.matchedDN = matchedDN
        self.diagnosticMessage = diagnosticMessage
        self.referral = referral
    }

    public static let success = LDAPResult(resultCode: .success)
}

extension LDAPResult {
    static let referralTag = BERTag.context(3, constructed: true)

    /// The fields alone: BindResponse and ExtendedResponse include them with COMPONENTS OF.
    func encodeFields(into w: inout BERWriter) {
        w.writeEnumerated(Int64(resultCode.code))
        w.writeString(matchedDN)
        w.writeString(diagnosticMessage)
        if !referral.isEmpty {
            w.writeConstructed(LDAPResult.referralTag) { w in
                for uri in referral { w.writeString(uri) }
            }
        }
    }

    static func decodeFields(_ r: inout BERReader, _ what: String) throws(LDAPWireError) -> LDAPResult {
        let code = try r.readEnumerated("\(what).resultCode")
        var result = LDAPResult(resultCode: LDAPResultCode(code: Int(code)),
                                matchedDN: try r.readString("\(what).matchedDN"),
                                diagnosticMessage: try r.readString("\(what).diagnosticMessage"))
        if try r.peekTag(what) == referralTag {
            var uris = try r.readConstructed(referralTag, "\(what).referral")
            result.referral = try decodeURIs(&uris, "\(what).referral")
        }
        return result
    }

    /// `SEQUENCE SIZE (1..MAX) OF uri URI` (Referral and SearchResultReference).
    static func decodeURIs(_ r: inout BERReader, _ what: String) throws(LDAPWireError) -> [String] {
        var uris: [String] = []
        while !r.isAtEnd {
            guard uris.count < r.limits.maxAttributes else { throw .tooMany(what: what, limit: r.limits.maxAttributes) }
            uris.append(try r.readString("\(what) URI"))
        }
        guard !uris.isEmpty else { throw .invalidValue(what: what, reason: "needs at least one URI") }
        return uris
    }
}
