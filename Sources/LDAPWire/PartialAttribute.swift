/// PartialAttribute and Attribute, RFC 4511 §4.1.7: a description and its values.
/// (Attribute, used by AddRequest, needs at least one value; the server checks that, so a
/// request breaking it can be answered with a result instead of a disconnect.)
public struct PartialAttribute: Hashable, Sendable {
    public var type: String
    public var values: [[UInt8]]

    public init(type: String, values: [[UInt8]] = []) {
        self.type = type
        self.values = values
    }

    /// Values given as UTF-8 text.
    public init(type: String, strings: [String]) {
        self.init(type: type, values: strings.map { Array($0.utf8) })
    }
}

/// AttributeValueAssertion, RFC 4511 §4.1.8 (compare, and the filter comparisons).
public struct AttributeValueAssertion: Hashable, Sendable {
    public var attribute: String
    public var value: [UInt8]

    public init(attribute: String, value: [UInt8]) {
        self.attribute = attribute
        self.value = value
    }

    public init(attribute: String, string: String) {
        self.init(attribute: attribute, value: Array(string.utf8))
    }
}

extension PartialAttribute {
    func encode(into w: inout BERWriter) {
        w.writeConstructed(.sequence) { w in
            w.writeString(type)
            w.writeConstructed(.set) { w in
                for value in values { w.writeOctetString(value) }
            }
        }
    }

    static func decode(_ r: inout BERReader, _ what: String) throws(LDAPWireError) -> PartialAttribute {
        var seq = try r.readConstructed(.sequence, what)
        var attribute = PartialAttribute(type: try seq.readString("\(what).type"))
        var vals = try seq.readConstructed(.set, "\(what) \(attribute.type) vals")
        while !vals.isAtEnd {
            guard attribute.values.count < r.limits.maxValuesPerAttribute else {
                throw .tooMany(what: "\(what) \(attribute.type) vals", limit: r.limits.maxValuesPerAttribute)
            }
            attribute.values.append(try vals.readOctetString("\(what) \(attribute.type) value"))
        }
        try seq.finish(what)
        return attribute
    }

    /// `SEQUENCE OF PartialAttribute` (entries and AddRequest).
    static func encodeList(_ list: [PartialAttribute], into w: inout BERWriter) {
        w.writeConstructed(.sequence) { w in
            for attribute in list { attribute.encode(into: &w) }
        }
    }

    static func decodeList(_ r: inout BERReader, _ what: String) throws(LDAPWireError) -> [PartialAttribute] {
        var seq = try r.readConstructed(.sequence, what)
        var list: [PartialAttribute] = []
        while !seq.isAtEnd {
            guard list.count < r.limits.maxAttributes else { throw .tooMany(what: what, limit: r.limits.maxAttributes) }
            list.append(try decode(&seq, "\(what) attribute"))
        }
        return list
    }
}

extension AttributeValueAssertion {
    func encodeFields(into w: inout BERWriter) {
        w.writeString(attribute)
        w.writeOctetString(value)
    }

    static func decodeFields(_ r: inout BERReader, _ what: String) throws(LDAPWireError) -> AttributeValueAssertion {
        let attribute = try r.readString("\(what).attributeDesc")
        let value = try r.readOctetString("\(what).assertionValue")
        try r.finish(what)
        return AttributeValueAssertion(attribute: attribute, value: value)
    }
}
