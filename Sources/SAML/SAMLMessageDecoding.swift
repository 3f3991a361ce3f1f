import Crypto
import HTTP
import XMLSec

/// A protocol message as it arrived, decoded but not yet trusted.
struct ReceivedMessage {
    enum Binding: Equatable {
        case redirect(RedirectBindingQuery)
        case post
    }

    let binding: Binding
    let document: XMLDocument
    let relayState: String?

    var root: XMLElement { document.root }
}

/// Decodes SAMLRequest/SAMLResponse of the HTTP-Redirect and HTTP-POST bindings into a
/// document parsed by the hardened parser, from the raw query or the form fields alone (no
/// web types, so the fuzz target runs exactly this). Every failure is a `SAMLRequestError`.
enum SAMLMessageDecoding {
    /// RelayState longer than this is refused. Bindings §3.4.3: "RelayState data MUST NOT
    /// exceed 80 bytes in length"; we allow more for SPs that send URLs, within reason.
    static let maxRelayStateBytes = 1024
    /// A message larger than this (after base64) is refused before decoding.
    static let maxEncodedBytes = 256 * 1024
    /// The inflated Redirect message and the POST message are parsed with these limits.
    static let parseLimits = XMLParseLimits(maxBytes: 256 * 1024, maxDepth: 32)

    /// Bindings §3.4.4.1: the message is DEFLATEd, base64-encoded and URL-encoded into the
    /// query; the signature (if any) is checked later over the query as received.
    static func redirect(rawQuery: String?, parameter: String) throws(SAMLRequestError) -> ReceivedMessage {
        guard let rawQuery, !rawQuery.isEmpty else {
            throw SAMLRequestError("missing_message", "The request carries no \(parameter).")
        }
        let query: RedirectBindingQuery
        do { query = try RedirectBindingQuery(rawQuery: rawQuery) } catch {
            throw SAMLRequestError("malformed_query", "The query is malformed: \(error)")
        }
        guard query.messageParameter == parameter else {
            throw SAMLRequestError("wrong_message", "Expected \(parameter), got \(query.messageParameter).")
        }
        guard query.rawMessage.utf8.count <= maxEncodedBytes else { throw SAMLRequestError("too_large", "The message is too large.") }
        guard let base64 = PercentEncoding.decode(query.rawMessage, plusAsSpace: true),
              let compressed = Base64.decode(base64, ignoringWhitespace: true) else {
            throw SAMLRequestError("malformed_message", "\(parameter) is not URL-encoded base64.")
        }
        let xml: [UInt8]
        do { xml = try RawDeflate.inflate(compressed, maxOutput: parseLimits.maxBytes) } catch {
            throw SAMLRequestError("malformed_message", "\(parameter) does not inflate: \(error)")
        }
        let relayState = try query.rawRelayState.map { (raw) throws(SAMLRequestError) -> String in
            guard let decoded = PercentEncoding.decode(raw, plusAsSpace: true) else {
                throw SAMLRequestError("malformed_query", "RelayState is not URL-encoded UTF-8.")
            }
            return decoded
        }
        return ReceivedMessage(binding: .redirect(query), document: try parse(xml, parameter), relayState: try checked(relayState))
    }

    /// Bindings §3.5.4: the message is base64-encoded into the form field of that name.
    static func post(fields: [String: [String]], parameter: String) throws(SAMLRequestError) -> ReceivedMessage {
        guard let values = fields[parameter], values.count == 1, let encoded = values.first, !encoded.isEmpty else {
            throw SAMLRequestError("missing_message", "The form carries no single \(parameter).")
        }
        guard encoded.utf8.count <= maxEncodedBytes else { throw SAMLRequestError("too_large", "The message is too large.") }
        guard (fields["RelayState"]?.count ?? 0) <= 1 else {
            throw SAMLRequestError("malformed_form", "RelayState is given twice.")
        }
        guard let xml = Base64.decode(encoded, ignoringWhitespace: true) else {
            throw SAMLRequestError("malformed_message", "\(parameter) is not base64.")
        }
        return ReceivedMessage(binding: .post, document: try parse(xml, parameter), relayState: try checked(fields["RelayState"]?.first))
    }

    private static func parse(_ xml: [UInt8], _ parameter: String) throws(SAMLRequestError) -> XMLDocument {
        do { return try XMLDocument.parse(xml, limits: parseLimits) } catch {
            throw SAMLRequestError("malformed_xml", "\(parameter) is not acceptable XML: \(error)")
        }
    }

    private static func checked(_ relayState: String?) throws(SAMLRequestError) -> String? {
        guard let relayState, !relayState.isEmpty else { return nil }
        guard relayState.utf8.count <= maxRelayStateBytes else {
            throw SAMLRequestError("relay_state_too_long", "RelayState is longer than \(maxRelayStateBytes) bytes.")
        }
        return relayState
    }
}
