/// Splits an inbound TCP stream into PDUs by reading only the outer tag and length, so the
/// connection handler decodes each PDU once and never buffers a body it will refuse.
public enum LDAPFraming {
    public enum Status: Equatable, Sendable {
        /// The PDU header (or body) is not all here yet.
        case needMore
        /// The first `length` bytes are one whole PDU: hand them to `LDAPMessage(decoding:)`.
        case complete(length: Int)
        /// The stream cannot be an LDAP PDU, or announces more than the limit: answer with a
        /// Notice of Disconnection (protocolError) and close.
        case invalid(LDAPWireError)
    }

    /// Looks at the PDU starting at the first byte of `buffer`. An oversized length is
    /// refused as soon as the length octets are in, before any of the body.
    public static func frame(_ buffer: ArraySlice<UInt8>, limits: LDAPLimits = .default) -> Status {
        guard let first = buffer.first else { return .needMore }
        // RFC 4511 §4.1.1: every PDU is an LDAPMessage ::= SEQUENCE.
        guard first == BERTag.sequence.byte else {
            guard let found = BERTag(byte: first) else { return .invalid(.highTagNumber(what: "LDAPMessage")) }
            return .invalid(.unexpectedTag(what: "LDAPMessage", expected: BERTag.sequence.description, found: found))
        }
        let header = Array(buffer.prefix(6)) // tag, 0x84 and four length octets at most
        do {
            let (_, contentStart, length) = try BERReader.header(header, at: 0, end: header.count,
                                                                 what: "LDAPMessage", limits: limits)
            let total = contentStart + length
            guard total <= limits.maxMessageSize else {
                return .invalid(.tooLarge(what: "LDAPMessage", length: total, limit: limits.maxMessageSize))
            }
            return buffer.count >= total ? .complete(length: total) : .needMore
        } catch {
            if case .truncated = error { return .needMore }
            return .invalid(error)
        }
    }

    public static func frame(_ buffer: [UInt8], limits: LDAPLimits = .default) -> Status {
        frame(buffer[...], limits: limits)
    }
}
