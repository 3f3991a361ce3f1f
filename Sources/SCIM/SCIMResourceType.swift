import JSON

/// `User` or `Group`: the endpoint, core schema and extensions (RFC 7643 §6).
public struct SCIMResourceType: Sendable {
    public let name: String
    public let endpoint: String
    public let schema: SCIMSchema
    public let extensions: [SCIMSchema]

    public static let user = SCIMResourceType(name: "User", endpoint: "/Users", schema: .user, extensions: [.enterpriseUser])
    public static let group = SCIMResourceType(name: "Group", endpoint: "/Groups", schema: .group, extensions: [])
    public static let all = [user, group]

    /// The extension whose URN is `urn` (any case).
    public func extensionSchema(_ urn: String) -> SCIMSchema? {
        let lower = urn.lowercased()
        return extensions.first { $0.id.lowercased() == lower }
    }

    /// The definition an attribute path names, nil when unknown. Common attributes (`id`,
    /// `externalId`, `meta`) are found too.
    public func attribute(for path: SCIMPath) -> SCIMAttribute? {
        let schema: SCIMSchema
        if let urn = path.schema, urn.lowercased() != self.schema.id.lowercased() {
            guard let ext = extensionSchema(urn) else { return nil }
            schema = ext
        } else {
            schema = self.schema
            let lower = path.attribute.lowercased()
            if let common = SCIMSchema.common.first(where: { $0.name.lowercased() == lower }) { return common }
        }
        return schema.attribute(path.attribute)
    }

    public func json(location: String) -> JSONValue {
        [
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": .string(name), "name": .string(name), "endpoint": .string(endpoint),
            "description": .string(schema.description), "schema": .string(schema.id),
            "schemaExtensions": .array(extensions.map { ["schema": .string($0.id), "required": false] }),
            "meta": ["resourceType": "ResourceType", "location": .string(location)],
        ]
    }
}
