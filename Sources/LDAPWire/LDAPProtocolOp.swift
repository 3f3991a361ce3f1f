/// The protocolOp CHOICE of LDAPMessage, RFC 4511 §4.2–§4.13: every operation, both ways.
public enum LDAPProtocolOp: Hashable, Sendable {
    case bindRequest(BindRequest)                        // [APPLICATION 0]
    case bindResponse(BindResponse)                      // [APPLICATION 1]
    case unbindRequest                                   // [APPLICATION 2] NULL
    case searchRequest(SearchRequest)                    // [APPLICATION 3]
    case searchResultEntry(SearchResultEntry)            // [APPLICATION 4]
    case searchResultDone(LDAPResult)                    // [APPLICATION 5]
    case modifyRequest(ModifyRequest)                    // [APPLICATION 6]
    case modifyResponse(LDAPResult)                      // [APPLICATION 7]
    case addRequest(AddRequest)                          // [APPLICATION 8]
    case addResponse(LDAPResult)                         // [APPLICATION 9]
    case delRequest(dn: String)                          // [APPLICATION 10] LDAPDN
    case delResponse(LDAPResult)                         // [APPLICATION 11]
    case modifyDNRequest(ModifyDNRequest)                // [APPLICATION 12]
    case modifyDNResponse(LDAPResult)                    // [APPLICATION 13]
    case compareRequest(CompareRequest)                  // [APPLICATION 14]
    case compareResponse(LDAPResult)                     // [APPLICATION 15]
    case abandonRequest(messageID: Int32)                // [APPLICATION 16] MessageID
    case searchResultReference(uris: [String])           // [APPLICATION 19]
    case extendedRequest(ExtendedRequest)                // [APPLICATION 23]
    case extendedResponse(ExtendedResponse)              // [APPLICATION 24]
    case intermediateResponse(IntermediateResponse)      // [APPLICATION 25]

    /// Its name in RFC 4511's ASN.1, for logs.
    public var name: String {
        switch self {
        case .bindRequest: return "bindRequest"
        case .bindResponse: return "bindResponse"
        case .unbindRequest: return "unbindRequest"
        case .searchRequest: return "searchRequest"
        case .searchResultEntry: return "searchResEntry"
        case .searchResultDone: return "searchResDone"
        case .modifyRequest: return "modifyRequest"
        case .modifyResponse: return "modifyResponse"
        case .addRequest: return "addRequest"
        case .addResponse: return "addResponse"
        case .delRequest: return "delRequest"
        case .delResponse: return "delResponse"
        case .modifyDNRequest: return "modDNRequest"
        case .modifyDNResponse: return "modDNResponse"
        case .compareRequest: return "compareRequest"
        case .compareResponse: return "compareResponse"
        case .abandonRequest: return "abandonRequest"
        case .searchResultReference: return "searchResRef"
        case .extendedRequest: return "extendedReq"
        case .extendedResponse: return "extendedResp"
        case .intermediateResponse: return "intermediateResponse"
        }
    }

    /// True for the operations a client sends (what a server must be ready to decode).
    public var isRequest: Bool {
        switch self {
        case .bindRequest, .unbindRequest, .searchRequest, .modifyRequest, .addRequest, .delRequest,
             .modifyDNRequest, .compareRequest, .abandonRequest, .extendedRequest:
            return true
        default:
            return false
        }
    }
}

extension LDAPProtocolOp {
    static let unbindTag = BERTag.application(2, constructed: false)
    static let delTag = BERTag.application(10, constructed: false)
    static let abandonTag = BERTag.application(16, constructed: false)
    static let referenceTag = BERTag.application(19, constructed: true)
    /// The operations whose body is an LDAPResult, by tag number.
    static let resultTags: [UInt8: String] = [5: "searchResDone", 7: "modifyResponse", 9: "addResponse",
                                              11: "delResponse", 13: "modDNResponse", 15: "compareResponse"]

    func encode(into w: inout BERWriter) {
        func result(_ number: UInt8, _ result: LDAPResult) {
            w.writeConstructed(.application(number, constructed: true)) { w in result.encodeFields(into: &w) }
        }
        switch self {
        case .bindRequest(let op): op.encode(into: &w)
        case .bindResponse(let op): op.encode(into: &w)
        case .unbindRequest: w.writeNull(tag: LDAPProtocolOp.unbindTag)
        case .searchRequest(let op): op.encode(into: &w)
        case .searchResultEntry(let op): op.encode(into: &w)
        case .searchResultDone(let op): result(5, op)
        case .modifyRequest(let op): op.encode(into: &w)
        case .modifyResponse(let op): result(7, op)
        case .addRequest(let op): op.encode(into: &w)
        case .addResponse(let op): result(9, op)
        case .delRequest(let dn): w.writeString(dn, tag: LDAPProtocolOp.delTag)
        case .delResponse(let op): result(11, op)
        case .modifyDNRequest(let op): op.encode(into: &w)
        case .modifyDNResponse(let op): result(13, op)
        case .compareRequest(let op): op.encode(into: &w)
        case .compareResponse(let op): result(15, op)
        case .abandonRequest(let id): w.writeInteger(Int64(id), tag: LDAPProtocolOp.abandonTag)
        case .searchResultReference(let uris):
            w.writeConstructed(LDAPProtocolOp.referenceTag) { w in
                for uri in uris { w.writeString(uri) }
            }
        case .extendedRequest(let op): op.encode(into: &w)
        case .extendedResponse(let op): op.encode(into: &w)
        case .intermediateResponse(let op): op.encode(into: &w)
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> LDAPProtocolOp {
        guard let tag = try r.peekTag("protocolOp") else {
            throw .truncated(what: "protocolOp", needed: 2, available: 0)
        }
        guard tag.tagClass == .application else {
            throw .unexpectedTag(what: "protocolOp", expected: "an [APPLICATION n] operation", found: tag)
        }
        if tag.isConstructed, let name = resultTags[tag.number] {
            var seq = try r.readConstructed(tag, name)
            let result = try LDAPResult.decodeFields(&seq, name)
            try seq.finish(name)
            switch tag.number {
            case 5: return .searchResultDone(result)
            case 7: return .modifyResponse(result)
            case 9: return .addResponse(result)
            case 11: return .delResponse(result)
            case 13: return .modifyDNResponse(result)
            default: return .compareResponse(result)
            }
        }
        switch tag {
        case BindRequest.tag: return .bindRequest(try BindRequest.decode(&r))
        case BindResponse.tag: return .bindResponse(try BindResponse.decode(&r))
        case unbindTag:
            try r.readNull("unbindRequest", tag: unbindTag)
            return .unbindRequest
        case SearchRequest.tag: return .searchRequest(try SearchRequest.decode(&r))
        case SearchResultEntry.tag: return .searchResultEntry(try SearchResultEntry.decode(&r))
        case ModifyRequest.tag: return .modifyRequest(try ModifyRequest.decode(&r))
        case AddRequest.tag: return .addRequest(try AddRequest.decode(&r))
        case delTag: return .delRequest(dn: try r.readString("delRequest", tag: delTag))
        case ModifyDNRequest.tag: return .modifyDNRequest(try ModifyDNRequest.decode(&r))
        case CompareRequest.tag: return .compareRequest(try CompareRequest.decode(&r))
        case abandonTag:
            return .abandonRequest(messageID: Int32(try r.readInteger("abandonRequest", in: 0...maxInt, tag: abandonTag)))
        case referenceTag:
            var seq = try r.readConstructed(referenceTag, "searchResRef")
            return .searchResultReference(uris: try LDAPResult.decodeURIs(&seq, "searchResRef"))
        case ExtendedRequest.tag: return .extendedRequest(try ExtendedRequest.decode(&r))
        case ExtendedResponse.tag: return .extendedResponse(try ExtendedResponse.decode(&r))
        case IntermediateResponse.tag: return .intermediateResponse(try IntermediateResponse.decode(&r))
        default:
            // RFC 4511 §4.1.1: an unrecognised protocolOp tag is a protocolError.
            throw .unexpectedTag(what: "protocolOp", expected: "an LDAP operation", found: tag)
        }
    }
}
