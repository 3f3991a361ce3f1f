/// LDAPMessage, RFC 4511 §4.1.1: the envelope of every PDU.
public struct LDAPMessage: Hashable, Sendable {
    /// 0...2^31-1; 0 is reserved for unsolicited notifications (§4.4).
    public var messageID: Int32
    public var protocolOp: LDAPProtocolOp
    /// Empty means the `controls` field is absent.
    public var controls: [LDAPControl]

    public init(messageID: Int32, protocolOp: LDAPProtocolOp, controls: [LDAPControl] = []) {
        self.messageID = messageID
        self.protocolOp = protocolOp
        self.controls = controls
    }

    /// Decodes exactly one PDU: bytes after it are an error (split a stream with
    /// `LDAPFraming.frame` first).
    public init(decoding bytes: [UInt8], limits: LDAPLimits = .default) throws(LDAPWireError) {
        guard bytes.count <= limits.maxMessageSize else {
            throw .tooLarge(what: "LDAPMessage", length: bytes.count, limit: limits.maxMessageSize)
        }
        var outer = BERReader(bytes, limits: limits)
        var seq = try outer.readConstructed(.sequence, "LDAPMessage")
        try outer.finish("after LDAPMessage")
        // "MessageID ::= INTEGER (0 .. maxInt)"
        messageID = Int32(try seq.readInteger("messageID", in: 0...maxInt))
        protocolOp = try LDAPProtocolOp.decode(&seq)
        controls = seq.isAtEnd ? [] : try LDAPControl.decodeList(&seq)
        try seq.finish("LDAPMessage")
    }

    public init(decoding bytes: ArraySlice<UInt8>, limits: LDAPLimits = .default) throws(LDAPWireError) {
        try self.init(decoding: Array(bytes), limits: limits)
    }

    /// The BER encoding. Callers keep `messageID` (and `abandonRequest`'s ID, search limits)
    /// within 0...2^31-1; the decoder refuses other values.
    public func encode() -> [UInt8] {
        var w = BERWriter()
        w.writeConstructed(.sequence) { w in
            w.writeInteger(Int64(messageID))
            protocolOp.encode(into: &w)
            if !controls.isEmpty { LDAPControl.encode(controls, into: &w) }
        }
        return w.bytes
    }
}
