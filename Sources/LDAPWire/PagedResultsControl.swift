/// The Simple Paged Results control value, RFC 2696:
///
///     realSearchControlValue ::= SEQUENCE {
///             size            INTEGER (0..maxInt),
///             cookie          OCTET STRING }
///
/// A client sends the page size it wants and the cookie of the previous page (empty on the
/// first); the server answers on searchResDone with its estimate of the total (0 if unknown)
/// and the cookie for the next page (empty on the last).
public struct PagedResultsControl: Hashable, Sendable {
    public static let oid = LDAPOID.pagedResults

    public var size: Int32
    public var cookie: [UInt8]

    public init(size: Int32, cookie: [UInt8] = []) {
        self.size = size
        self.cookie = cookie
    }

    /// Reads the controlValue of a control whose controlType is `oid`.
    public init(controlValue: [UInt8], limits: LDAPLimits = .default) throws(LDAPWireError) {
        var outer = BERReader(controlValue, limits: limits)
        var seq = try outer.readConstructed(.sequence, "pagedResults")
        try outer.finish("pagedResults control value")
        size = Int32(try seq.readInteger("pagedResults.size", in: 0...maxInt))
        cookie = try seq.readOctetString("pagedResults.cookie")
        try seq.finish("pagedResults")
    }

    /// Finds and reads the paged-results control among `controls`; nil when there is none.
    public init?(from controls: [LDAPControl], limits: LDAPLimits = .default) throws(LDAPWireError) {
        guard let control = controls.first(where: { $0.controlType == PagedResultsControl.oid }) else { return nil }
        guard let value = control.controlValue else {
            throw .invalidValue(what: "pagedResults control", reason: "the control value is missing")
        }
        try self.init(controlValue: value, limits: limits)
    }

    public var controlValue: [UInt8] {
        var w = BERWriter()
        w.writeConstructed(.sequence) { w in
            w.writeInteger(Int64(size))
            w.writeOctetString(cookie)
        }
        return w.bytes
    }

    public func control(criticality: Bool = false) -> LDAPControl {
        LDAPControl(controlType: PagedResultsControl.oid, criticality: criticality, controlValue: controlValue)
    }
}
