/// ExtendedRequest, RFC 4511 §4.12.
public struct ExtendedRequest: Hashable, Sendable {
    public var requestName: String
    public var requestValue: [UInt8]?

    public init(requestName: String, requestValue: [UInt8]? = nil) {
        self.requestName = requestName
        self.requestValue = requestValue
    }
}

/// ExtendedResponse, RFC 4511 §4.12.
public struct ExtendedResponse: Hashable, Sendable {
    public var result: LDAPResult
    public var responseName: String?
    public var responseValue: [UInt8]?

    public init(result: LDAPResult, responseName: String? = nil, responseValue: [UInt8]? = nil) {
        self.result = result
        self.responseName = responseName
        self.responseValue = responseValue
    }
}

/// IntermediateResponse, RFC 4511 §4.13.
public struct IntermediateResponse: Hashable, Sendable {
    public var responseName: String?
    public var responseValue: [UInt8]?

    public init(responseName: String? = nil, responseValue: [UInt8]? = nil) {
        self.responseName = responseName
        self.responseValue = responseValue
    }
}

extension ExtendedRequest {
    static let tag = BERTag.application(23, constructed: true)
    static let nameTag = BERTag.context(0)
    static let valueTag = BERTag.context(1)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(ExtendedRequest.tag) { w in
            w.writeString(requestName, tag: ExtendedRequest.nameTag)
            if let requestValue { w.writeOctetString(requestValue, tag: ExtendedRequest.valueTag) }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> ExtendedRequest {
        var seq = try r.readConstructed(tag, "extendedReq")
        var request = ExtendedRequest(requestName: try seq.readString("extendedReq.requestName", tag: nameTag))
        if !seq.isAtEnd { request.requestValue = try seq.readOctetString("extendedReq.requestValue", tag: valueTag) }
        try seq.finish("extendedReq")
        return request
    }
}

extension ExtendedResponse {
    static let tag = BERTag.application(24, constructed: true)
    static let nameTag = BERTag.context(10)
    static let valueTag = BERTag.context(11)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(ExtendedResponse.tag) { w in
            result.encodeFields(into: &w)
            if let responseName { w.writeString(responseName, tag: ExtendedResponse.nameTag) }
            if let responseValue { w.writeOctetString(responseValue, tag: ExtendedResponse.valueTag) }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> ExtendedResponse {
        var seq = try r.readConstructed(tag, "extendedResp")
        var response = ExtendedResponse(result: try LDAPResult.decodeFields(&seq, "extendedResp"))
        if try seq.peekTag("extendedResp") == nameTag {
            response.responseName = try seq.readString("extendedResp.responseName", tag: nameTag)
        }
        if !seq.isAtEnd { response.responseValue = try seq.readOctetString("extendedResp.responseValue", tag: valueTag) }
        try seq.finish("extendedResp")
        return response
    }
}

extension IntermediateResponse {
    static let tag = BERTag.application(25, constructed: true)
    static let nameTag = BERTag.context(0)
    static let valueTag = BERTag.context(1)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(IntermediateResponse.tag) { w in
            if let responseName { w.writeString(responseName, tag: IntermediateResponse.nameTag) }
            if let responseValue { w.writeOctetString(responseValue, tag: IntermediateResponse.valueTag) }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> IntermediateResponse {
        var seq = try r.readConstructed(tag, "intermediateResponse")
        var response = IntermediateResponse()
        if try seq.peekTag("intermediateResponse") == nameTag {
            response.responseName = try seq.readString("intermediateResponse.responseName", tag: nameTag)
        }
        if !seq.isAtEnd {
            response.responseValue = try seq.readOctetString("intermediateResponse.responseValue", tag: valueTag)
        }
        try seq.finish("intermediateResponse")
        return response
    }
}
