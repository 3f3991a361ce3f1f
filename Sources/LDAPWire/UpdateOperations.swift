/// ModifyRequest, RFC 4511 §4.6.
public struct ModifyRequest: Hashable, Sendable {
    public struct Change: Hashable, Sendable {
        public enum Operation: Int, Hashable, Sendable {
            case add = 0, delete = 1, replace = 2
            /// RFC 4525 (Modify-Increment), the one extension of this enumeration in use.
            case increment = 3
        }
        public var operation: Operation
        public var modification: PartialAttribute

        public init(operation: Operation, modification: PartialAttribute) {
            self.operation = operation
            self.modification = modification
        }
    }

    public var object: String
    public var changes: [Change]

    public init(object: String, changes: [Change]) {
        self.object = object
        self.changes = changes
    }
}

/// AddRequest, RFC 4511 §4.7.
public struct AddRequest: Hashable, Sendable {
    public var entry: String
    public var attributes: [PartialAttribute]

    public init(entry: String, attributes: [PartialAttribute]) {
        self.entry = entry
        self.attributes = attributes
    }
}

/// ModifyDNRequest, RFC 4511 §4.9.
public struct ModifyDNRequest: Hashable, Sendable {
    public var entry: String
    public var newRDN: String
    public var deleteOldRDN: Bool
    public var newSuperior: String?

    public init(entry: String, newRDN: String, deleteOldRDN: Bool, newSuperior: String? = nil) {
        self.entry = entry
        self.newRDN = newRDN
        self.deleteOldRDN = deleteOldRDN
        self.newSuperior = newSuperior
    }
}

/// CompareRequest, RFC 4511 §4.10.
public struct CompareRequest: Hashable, Sendable {
    public var entry: String
    public var assertion: AttributeValueAssertion

    public init(entry: String, assertion: AttributeValueAssertion) {
        self.entry = entry
        self.assertion = assertion
    }
}

extension ModifyRequest {
    static let tag = BERTag.application(6, constructed: true)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(ModifyRequest.tag) { w in
            w.writeString(object)
            w.writeConstructed(.sequence) { w in
                for change in changes {
                    w.writeConstructed(.sequence) { w in
                        w.writeEnumerated(Int64(change.operation.rawValue))
                        change.modification.encode(into: &w)
                    }
                }
            }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> ModifyRequest {
        var seq = try r.readConstructed(tag, "modifyRequest")
        let object = try seq.readString("modifyRequest.object")
        var list = try seq.readConstructed(.sequence, "modifyRequest.changes")
        var changes: [Change] = []
        while !list.isAtEnd {
            guard changes.count < r.limits.maxAttributes else {
                throw .tooMany(what: "modifyRequest.changes", limit: r.limits.maxAttributes)
            }
            var change = try list.readConstructed(.sequence, "modifyRequest change")
            let value = try change.readEnumerated("modifyRequest change.operation")
            guard let operation = Change.Operation(rawValue: Int(value)) else {
                throw .outOfRange(what: "modifyRequest change.operation", value: value, range: "0...3")
            }
            let modification = try PartialAttribute.decode(&change, "modifyRequest change.modification")
            try change.finish("modifyRequest change")
            changes.append(Change(operation: operation, modification: modification))
        }
        try seq.finish("modifyRequest")
        return ModifyRequest(object: object, changes: changes)
    }
}

extension AddRequest {
    static let tag = BERTag.application(8, constructed: true)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(AddRequest.tag) { w in
            w.writeString(entry)
            PartialAttribute.encodeList(attributes, into: &w)
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> AddRequest {
        var seq = try r.readConstructed(tag, "addRequest")
        let entry = try seq.readString("addRequest.entry")
        let attributes = try PartialAttribute.decodeList(&seq, "addRequest.attributes")
        try seq.finish("addRequest")
        return AddRequest(entry: entry, attributes: attributes)
    }
}

extension ModifyDNRequest {
    static let tag = BERTag.application(12, constructed: true)
    static let newSuperiorTag = BERTag.context(0)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(ModifyDNRequest.tag) { w in
            w.writeString(entry)
            w.writeString(newRDN)
            w.writeBoolean(deleteOldRDN)
            if let newSuperior { w.writeString(newSuperior, tag: ModifyDNRequest.newSuperiorTag) }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> ModifyDNRequest {
        var seq = try r.readConstructed(tag, "modDNRequest")
        var request = ModifyDNRequest(entry: try seq.readString("modDNRequest.entry"),
                                      newRDN: try seq.readString("modDNRequest.newrdn"),
                                      deleteOldRDN: try seq.readBoolean("modDNRequest.deleteoldrdn"))
        if !seq.isAtEnd {
            request.newSuperior = try seq.readString("modDNRequest.newSuperior", tag: newSuperiorTag)
        }
        try seq.finish("modDNRequest")
        return request
    }
}

extension CompareRequest {
    static let tag = BERTag.application(14, constructed: true)

    func encode(into w: inout BERWriter) {
        w.writeConstructed(CompareRequest.tag) { w in
            w.writeString(entry)
            w.writeConstructed(.sequence) { w in assertion.encodeFields(into: &w) }
        }
    }

    static func decode(_ r: inout BERReader) throws(LDAPWireError) -> CompareRequest {
        var seq = try r.readConstructed(tag, "compareRequest")
        let entry = try seq.readString("compareRequest.entry")
        var ava = try seq.readConstructed(.sequence, "compareRequest.ava")
        let assertion = try AttributeValueAssertion.decodeFields(&ava, "compareRequest.ava")
        try seq.finish("compareRequest")
        return CompareRequest(entry: entry, assertion: assertion)
    }
}
