/// SearchRequest, RFC 4511 §4.5.1.
public struct SearchRequest: Hashable, Sendable {
    public enum Scope: Int, Hashable, Sendable {
        case baseObject = 0, singleLevel = 1, wholeSubtree = 2
        /// draft-sermersheim-ldap-subordinate-scope, sent by OpenLDAP and AD clients.
        case subordinateSubtree = 3
    }

    public enum DerefAliases: Int, Hashable, Sendable {
        case neverDerefAliases = 0, derefInSearching = 1, derefFindingBaseObj = 2, derefAlways = 3
    }

    public var baseObject: String
    public var scope: Scope
    public var derefAliases: DerefAliases
    /// 0 means no client-requested limit.
    public var sizeLimit: Int32
    /// Seconds; 0 means no client-requested limit.
    public var timeLimit: Int32
    public var typesOnly: Bool
    public var filter: LDAPFilter
    /// Requested attributes; empty (or "*") means all user attributes, "1.1" none.
    public var attributes: [String]

    public init(baseObject: String, scope: Scope = .wholeSubtree, derefAliases: DerefAliases = .neverDerefAliases,
                sizeLimit: Int32 = 0, timeLimit: Int32 = 0, typesOnly: Bool = false,
                filter: LDAPFilter = .present("objectClass"), attributes: [String] = []) {
        self.baseObject = baseObject
        self.scope = scope
        self.derefAliases = derefAliases
        self.sizeLimit = sizeLimit
        self.timeLimit = timeLimit
        self.typesOnly = typesOnly
        self.filter = filter
        self.attributes = attributes
    }
}

/// SearchResultEntry, RFC 4511 §4.5.2.
public struct SearchResultEntry: Hashable, Sendable {
    public var objectName: String
    public var attributes: [PartialAttribute]

    public init(objectName: String, attributes: [PartialAttribute] = []) {
        self.objectName = objectName
        self.attributes = attributes
    }
}

/// `maxInt INTEGER ::= 2147483647 -- (2^^31 - 1) --` (RFC 4511 §4.1.1).
let maxInt: Int64 = 2_147_483_647

extension SearchRequest {
    static let tag = BERTag.application(3, constructed: true)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(SearchRequest.tag) { w in
            w.writeString(baseObject)
            w.writeEnumerated(Int64(scope.rawValue))
            w.writeEnumerated(Int64(derefAliases.rawValue))
            w.writeInteger(Int64(sizeLimit))
            w.writeInteger(Int64(timeLimit))
            w.writeBoolean(typesOnly)
            filter.encode(into: &w)
            w.writeConstructed(.sequence) { w in
                for attribute in attributes { w.writeString(attribute) }
            }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> SearchRequest {
        var seq = try r.readConstructed(tag, "searchRequest")
        let base = try seq.readString("searchRequest.baseObject")
        let scopeValue = try seq.readEnumerated("searchRequest.scope")
        guard let scope = Scope(rawValue: Int(scopeValue)) else {
            throw .outOfRange(what: "searchRequest.scope", value: scopeValue, range: "0...3")
        }
        let derefValue = try seq.readEnumerated("searchRequest.derefAliases")
        guard let deref = DerefAliases(rawValue: Int(derefValue)) else {
            throw .outOfRange(what: "searchRequest.derefAliases", value: derefValue, range: "0...3")
        }
        let sizeLimit = Int32(try seq.readInteger("searchRequest.sizeLimit", in: 0...maxInt))
        let timeLimit = Int32(try seq.readInteger("searchRequest.timeLimit", in: 0...maxInt))
        let typesOnly = try seq.readBoolean("searchRequest.typesOnly")
        var terms = 0
        let filter = try LDAPFilter.decode(&seq, terms: &terms)
        var list = try seq.readConstructed(.sequence, "searchRequest.attributes")
        var attributes: [String] = []
        while !list.isAtEnd {
            guard attributes.count < r.limits.maxAttributes else {
                throw .tooMany(what: "searchRequest.attributes", limit: r.limits.maxAttributes)
            }
            attributes.append(try list.readString("searchRequest.attributes selector"))
        }
        try seq.finish("searchRequest")
        return SearchRequest(baseObject: base, scope: scope, derefAliases: deref, sizeLimit: sizeLimit,
                             timeLimit: timeLimit, typesOnly: typesOnly, filter: filter, attributes: attributes)
    }
}

extension SearchResultEntry {
    static let tag = BERTag.application(4, constructed: true)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(SearchResultEntry.tag) { w in
            w.writeString(objectName)
            PartialAttribute.encodeList(attributes, into: &w)
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> SearchResultEntry {
        var seq = try r.readConstructed(tag, "searchResEntry")
        let name = try seq.readString("searchResEntry.objectName")
        let attributes = try PartialAttribute.decodeList(&seq, "searchResEntry.attributes")
        try seq.finish("searchResEntry")
        return SearchResultEntry(objectName: name, attributes: attributes)
    }
}
