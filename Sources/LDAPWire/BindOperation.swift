/// BindRequest, RFC 4511 §4.2.
public struct BindRequest: Hashable, Sendable {
    /// `version INTEGER (1 .. 127)`; the server answers anything but 3 with protocolError.
    public var version: Int
    public var name: String
    public var authentication: Authentication

    public enum Authentication: Hashable, Sendable {
        /// `simple [0] OCTET STRING`: the password (empty for anonymous or unauthenticated binds).
        case simple(password: [UInt8])
        /// `sasl [3] SaslCredentials`; credentials absent and empty differ in SASL.
        case sasl(mechanism: String, credentials: [UInt8]?)
    }

    public init(version: Int = 3, name: String, authentication: Authentication) {
        self.version = version
        self.name = name
        self.authentication = authentication
    }

    /// A simple bind with a UTF-8 password.
    public static func simple(name: String, password: String) -> BindRequest {
        BindRequest(name: name, authentication: .simple(password: Array(password.utf8)))
    }
}

/// BindResponse, RFC 4511 §4.2.2.
public struct BindResponse: Hashable, Sendable {
    public var result: LDAPResult
    public var serverSaslCreds: [UInt8]?

    public init(result: LDAPResult, serverSaslCreds: [UInt8]? = nil) {
        self.result = result
        self.serverSaslCreds = serverSaslCreds
    }
}

extension BindRequest {
    static let tag = BERTag.application(0, constructed: true)
    static let simpleTag = BERTag.context(0)
    static let saslTag = BERTag.context(3, constructed: true)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(BindRequest.tag) { w in
            w.writeInteger(Int64(version))
            w.writeString(name)
            switch authentication {
            case .simple(let password):
                w.writeOctetString(password, tag: BindRequest.simpleTag)
            case .sasl(let mechanism, let credentials):
                w.writeConstructed(BindRequest.saslTag) { w in
                    w.writeString(mechanism)
                    if let credentials { w.writeOctetString(credentials) }
                }
            }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> BindRequest {
        var seq = try r.readConstructed(tag, "bindRequest")
        let version = Int(try seq.readInteger("bindRequest.version", in: 1...127))
        let name = try seq.readString("bindRequest.name")
        let authentication: Authentication
        switch try seq.peekTag("bindRequest.authentication") {
        case simpleTag:
            authentication = .simple(password: try seq.readOctetString("bindRequest simple password", tag: simpleTag))
        case saslTag:
            var sasl = try seq.readConstructed(saslTag, "bindRequest.sasl")
            let mechanism = try sasl.readString("bindRequest.sasl.mechanism")
            let credentials = sasl.isAtEnd ? nil : try sasl.readOctetString("bindRequest.sasl.credentials")
            try sasl.finish("bindRequest.sasl")
            authentication = .sasl(mechanism: mechanism, credentials: credentials)
        case let other?:
            throw .unexpectedTag(what: "bindRequest.authentication", expected: "simple [0] or sasl [3]", found: other)
        case nil:
            throw .truncated(what: "bindRequest.authentication", needed: 2, available: 0)
        }
        try seq.finish("bindRequest")
        return BindRequest(version: version, name: name, authentication: authentication)
    }
}

extension BindResponse {
    static let tag = BERTag.application(1, constructed: true)
    static let credsTag = BERTag.context(7)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(BindResponse.tag) { w in
            result.encodeFields(into: &w)
            if let creds = serverSaslCreds { w.writeOctetString(creds, tag: BindResponse.credsTag) }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> BindResponse {
        var seq = try r.readConstructed(tag, "bindResponse")
        var response = BindResponse(result: try LDAPResult.decodeFields(&seq, "bindResponse"))
        if try seq.peekTag("bindResponse") == credsTag {
            response.serverSaslCreds = try seq.readOctetString("bindResponse.serverSaslCreds", tag: credsTag)
        }
        try seq.finish("bindResponse")
        return response
    }
}
