/// Why a request could not be put on the wire.
public struct HTTPRequestEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "cannot encode request: \(reason)" }
}

/// Serializes requests for the outbound client: request line, Host, the caller's header
/// fields, Content-Length, and the body. Anything that could split the message (CR, LF, other
/// control bytes, spaces in the target, bad field names) is refused rather than escaped.
public enum HTTPRequestEncoder {
    /// Encodes `request` with `host` as the Host field (any Host in `request.headers` is refused).
    /// Content-Length is computed from the body (sent as 0 for an empty POST, PUT or PATCH);
    /// Content-Length and Transfer-Encoding fields from the caller are refused, since the
    /// encoder alone frames the body.
    public static func encode(_ request: HTTPRequest, host: String) throws(HTTPRequestEncodingError) -> [UInt8] {
        let method = request.method.rawValue
        guard !method.isEmpty, method.utf8.allSatisfy(HTTPRequestParser.isTokenByte) else {
            throw HTTPRequestEncodingError("invalid method")
        }
        let target = request.target
        guard !target.isEmpty, target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPRequestEncodingError("invalid request target")
        }
        guard target.first == "/" || target == "*" || HTTPRequest.authorityStart(Substring(target)) != nil else {
            throw HTTPRequestEncodingError("invalid request target")
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPRequestEncodingError("invalid host")
        }

        var out: [UInt8] = []
        out.reserveCapacity(256 + request.body.count)
        out.append(contentsOf: method.utf8)
        out.append(0x20)
        out.append(contentsOf: target.utf8)
        out.append(0x20)
        out.append(contentsOf: request.version.description.utf8)
        out.append(contentsOf: [0x0D, 0x0A])
        appendField(&out, "Host", host)

        for field in request.headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPRequestParser.isTokenByte) else {
                throw HTTPRequestEncodingError("invalid header field name")
            }
            guard field.value.utf8.allSatisfy(HTTPResponseParser.isFieldValueByte) else {
                throw HTTPRequestEncodingError("control byte in value of \(field.name)")
            }
            if field.name.equalsIgnoringASCIICase("Host") || field.name.equalsIgnoringASCIICase("Content-Length")
                || field.name.equalsIgnoringASCIICase("Transfer-Encoding") {
                throw HTTPRequestEncodingError("\(field.name) is set by the encoder")
            }
            appendField(&out, field.name, String(field.value.trimmingOWS()))
        }

        let m = request.method
        if !request.body.isEmpty || m == .post || m == .put || m == .patch {
            appendField(&out, "Content-Length", String(request.body.count))
        }
        out.append(contentsOf: [0x0D, 0x0A])
        out.append(contentsOf: request.body)
        return out
    }

    private static func appendField(_ out: inout [UInt8], _ name: String, _ value: String) {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: [0x3A, 0x20])
        out.append(contentsOf: value.utf8)
        out.append(contentsOf: [0x0D, 0x0A])
    }
}
