import JSON

/// One attribute of a SCIM schema (RFC 7643 §7). The same definitions drive `/Schemas`, the
/// spelling of attribute names (clients may use any case), mutability checks and filtering.
public struct SCIMAttribute: Sendable {
    public enum Kind: String, Sendable { case string, boolean, decimal, integer, dateTime, reference, complex, binary }
    public enum Mutability: String, Sendable { case readOnly, readWrite, immutable, writeOnly }
    public enum Returned: String, Sendable { case always, never, `default`, request }

    public let name: String
    public let kind: Kind
    public let multiValued: Bool
    public let required: Bool
    public let caseExact: Bool
    public let mutability: Mutability
    public let returned: Returned
    public let uniqueness: String
    public let subAttributes: [SCIMAttribute]
    public let referenceTypes: [String]
    public let canonicalValues: [String]

    public init(_ name: String, _ kind: Kind = .string, multiValued: Bool = false, required: Bool = false,
                caseExact: Bool = false, mutability: Mutability = .readWrite, returned: Returned = .default,
                uniqueness: String = "none", sub: [SCIMAttribute] = [], referenceTypes: [String] = [],
                canonicalValues: [String] = []) {
        self.name = name
        self.kind = kind
        self.multiValued = multiValued
        self.required = required
        self.caseExact = caseExact
        self.mutability = mutability
        self.returned = returned
        self.uniqueness = uniqueness
        subAttributes = sub
        self.referenceTypes = referenceTypes
        self.canonicalValues = canonicalValues
    }

    /// The sub-attribute named `name` (any case).
    public func sub(_ name: String) -> SCIMAttribute? {
        let lower = name.lowercased()
        return subAttributes.first { $0.name.lowercased() == lower }
    }

    public var json: JSONValue {
        var o: JSONObject = [
            "name": .string(name), "type": .string(kind.rawValue), "multiValued": .bool(multiValued),
            "description": .string(name), "required": .bool(required), "caseExact": .bool(caseExact),
            "mutability": .string(mutability.rawValue), "returned": .string(returned.rawValue),
            "uniqueness": .string(uniqueness),
        ]
        if !subAttributes.isEmpty { o["subAttributes"] = .array(subAttributes.map(\.json)) }
        if !referenceTypes.isEmpty { o["referenceTypes"] = .array(referenceTypes.map(JSONValue.string)) }
        if !canonicalValues.isEmpty { o["canonicalValues"] = .array(canonicalValues.map(JSONValue.string)) }
        return .object(o)
    }
}

/// A schema: its URN, name and attributes.
public struct SCIMSchema: Sendable {
    public let id: String
    public let name: String
    public let description: String
    public let attributes: [SCIMAttribute]

    public func attribute(_ name: String) -> SCIMAttribute? {
        let lower = name.lowercased()
        return attributes.first { $0.name.lowercased() == lower }
    }

    public func json(location: String) -> JSONValue {
        [
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": .string(id), "name": .string(name), "description": .string(description),
            "attributes": .array(attributes.map(\.json)),
            "meta": ["resourceType": "Schema", "location": .string(location)],
        ]
    }
}

extension SCIMSchema {
    public static let userURN = "urn:ietf:params:scim:schemas:core:2.0:User"
    public static let groupURN = "urn:ietf:params:scim:schemas:core:2.0:Group"
    public static let enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    public static let patchURN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    public static let listURN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

    static func multi(_ name: String, value: SCIMAttribute.Kind = .string, types: [String], extra: [SCIMAttribute] = [],
                      mutability: SCIMAttribute.Mutability = .readWrite) -> SCIMAttribute {
        SCIMAttribute(name, .complex, multiValued: true, mutability: mutability, sub: [
            SCIMAttribute("value", value, mutability: mutability),
            SCIMAttribute("display", mutability: mutability),
            SCIMAttribute("type", mutability: mutability, canonicalValues: types),
            SCIMAttribute("primary", .boolean, mutability: mutability),
        ] + extra)
    }

    public static let user = SCIMSchema(id: userURN, name: "User", description: "User Account", attributes: [
        SCIMAttribute("userName", required: true, uniqueness: "server"),
        SCIMAttribute("name", .complex, sub: [
            SCIMAttribute("formatted"), SCIMAttribute("familyName"), SCIMAttribute("givenName"),
            SCIMAttribute("middleName"), SCIMAttribute("honorificPrefix"), SCIMAttribute("honorificSuffix"),
        ]),
        SCIMAttribute("displayName"),
        SCIMAttribute("nickName"),
        SCIMAttribute("profileUrl", .reference, referenceTypes: ["external"]),
        SCIMAttribute("title"),
        SCIMAttribute("userType"),
        SCIMAttribute("preferredLanguage"),
        SCIMAttribute("locale"),
        SCIMAttribute("timezone"),
        SCIMAttribute("active", .boolean),
        SCIMAttribute("password", mutability: .writeOnly, returned: .never),
        multi("emails", types: ["work", "home", "other"]),
        multi("phoneNumbers", types: ["work", "home", "mobile", "fax", "pager", "other"]),
        multi("ims", types: ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
        multi("photos", value: .reference, types: ["photo", "thumbnail"]),
        SCIMAttribute("addresses", .complex, multiValued: true, sub: [
            SCIMAttribute("formatted"), SCIMAttribute("streetAddress"), SCIMAttribute("locality"),
            SCIMAttribute("region"), SCIMAttribute("postalCode"), SCIMAttribute("country"),
            SCIMAttribute("type", canonicalValues: ["work", "home", "other"]), SCIMAttribute("primary", .boolean),
        ]),
        SCIMAttribute("groups", .complex, multiValued: true, mutability: .readOnly, sub: [
            SCIMAttribute("value", mutability: .readOnly),
            SCIMAttribute("$ref", .reference, mutability: .readOnly, referenceTypes: ["User", "Group"]),
            SCIMAttribute("display", mutability: .readOnly),
            SCIMAttribute("type", mutability: .readOnly, canonicalValues: ["direct", "indirect"]),
        ]),
        multi("entitlements", types: []),
        multi("roles", types: []),
        multi("x509Certificates", value: .binary, types: []),
    ])

    public static let enterpriseUser = SCIMSchema(id: enterpriseURN, name: "EnterpriseUser", description: "Enterprise User", attributes: [
        SCIMAttribute("employeeNumber"), SCIMAttribute("costCenter"), SCIMAttribute("organization"),
        SCIMAttribute("division"), SCIMAttribute("department"),
        SCIMAttribute("manager", .complex, sub: [
            SCIMAttribute("value"),
            SCIMAttribute("$ref", .reference, referenceTypes: ["User"]),
            SCIMAttribute("displayName", mutability: .readOnly),
        ]),
    ])

    public static let group = SCIMSchema(id: groupURN, name: "Group", description: "Group", attributes: [
        SCIMAttribute("displayName", required: true),
        SCIMAttribute("members", .complex, multiValued: true, sub: [
            SCIMAttribute("value", mutability: .immutable),
            SCIMAttribute("$ref", .reference, mutability: .immutable, referenceTypes: ["User", "Group"]),
            SCIMAttribute("display", mutability: .readOnly),
            SCIMAttribute("type", mutability: .immutable, canonicalValues: ["User", "Group"]),
        ]),
    ])

    /// Attributes every resource has (RFC 7643 §3.1).
    public static let common: [SCIMAttribute] = [
        SCIMAttribute("id", caseExact: true, mutability: .readOnly, returned: .always, uniqueness: "server"),
        SCIMAttribute("externalId", caseExact: true),
        SCIMAttribute("meta", .complex, mutability: .readOnly, sub: [
            SCIMAttribute("resourceType", caseExact: true, mutability: .readOnly),
            SCIMAttribute("created", .dateTime, mutability: .readOnly),
            SCIMAttribute("lastModified", .dateTime, mutability: .readOnly),
            SCIMAttribute("location", .reference, mutability: .readOnly, referenceTypes: ["uri"]),
            SCIMAttribute("version", caseExact: true, mutability: .readOnly),
        ]),
    ]

    public static let all: [SCIMSchema] = [user, enterpriseUser, group]
}
