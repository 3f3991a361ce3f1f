/// A control, RFC 4511 §4.1.11.
public struct LDAPControl: Hashable, Sendable {
    public var controlType: String
    public var criticality: Bool
    public var controlValue: [UInt8]?

    public init(controlType: String, criticality: Bool = false, controlValue: [UInt8]? = nil) {
        self.controlType = controlType
        self.criticality = criticality
        self.controlValue = controlValue
    }
}

extension LDAPControl {
    /// `controls [0] Controls OPTIONAL` of LDAPMessage.
    static let controlsTag = BERTag.context(0, constructed: true)

    static func encode(_ controls: [LDAPControl], into w: inout BERWriter) {
        w.writeConstructed(controlsTag) { w in
            for control in controls {
                w.writeConstructed(.sequence) { w in
                    w.writeString(control.controlType)
                    // RFC 4511 §5.1: "If a value of a type is its default value, it is absent."
                    if control.criticality { w.writeBoolean(true) }
                    if let value = control.controlValue { w.writeOctetString(value) }
                }
            }
        }
    }

    static func decodeList(_ r: inout BERReader) throws(LDAPWireError) -> [LDAPControl] {
        var list = try r.readConstructed(controlsTag, "controls")
        var controls: [LDAPControl] = []
        while !list.isAtEnd {
            guard controls.count < r.limits.maxControls else {
                throw .tooMany(what: "controls", limit: r.limits.maxControls)
            }
            var c = try list.readConstructed(.sequence, "control")
            var control = LDAPControl(controlType: try c.readString("control.controlType"))
            if try c.peekTag("control") == .boolean {
                control.criticality = try c.readBoolean("control.criticality")
            }
            if !c.isAtEnd { control.controlValue = try c.readOctetString("control.controlValue") }
            try c.finish("control \(control.controlType)")
            controls.append(control)
        }
        return controls
    }
}
