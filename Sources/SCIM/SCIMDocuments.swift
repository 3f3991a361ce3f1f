import Store

/// Stored records as clients see them: the document the source sent, plus what the store
/// knows (id, names, active, external id, meta, groups and members).
enum SCIMDocuments {
    static func user(_ user: ProvisionedUser, _ endpoint: SCIMEndpoint) -> [String: JSONValue] {
        var doc = parse(user.document)
        let id = user.id.rawValue
        doc["id"] = .string(id)
        doc["userName"] = .string(user.username)
        // Shown when the client set it, and always when false (also after `gatehouse users deactivate`).
        if doc["active"] != nil || !user.isActive { doc["active"] = .bool(user.isActive) }
        doc["externalId"] = user.externalID.map(JSONValue.string)
        doc["schemas"] = .array([.string(SCIMSchema.userURN)] + (doc[SCIMSchema.enterpriseURN] != nil ? [.string(SCIMSchema.enterpriseURN)] : []))
        doc["meta"] = meta("User", location: endpoint.base + "/Users/" + id, created: user.createdAt, modified: user.updatedAt)
        return doc
    }

    /// The document a change starts from: what the client sees of the user, without what the server sets.
    static func current(_ user: ProvisionedUser) -> [String: JSONValue] {
        var doc = parse(user.document)
        doc["userName"] = .string(user.username)
        // `active` as the client sees it (see `user`).
        if doc["active"] != nil || !user.isActive { doc["active"] = .bool(user.isActive) }
        return doc
    }

    static func group(_ group: ProvisionedGroup, _ endpoint: SCIMEndpoint) -> [String: JSONValue] {
        var doc = parse(group.document)
        let id = group.id.rawValue
        doc["id"] = .string(id)
        doc["displayName"] = .string(group.name)
        doc["externalId"] = group.externalID.map(JSONValue.string)
        doc["schemas"] = [.string(SCIMSchema.groupURN)]
        doc["meta"] = meta("Group", location: endpoint.base + "/Groups/" + id, created: group.createdAt, modified: group.updatedAt)
        return doc
    }

    /// A user's `groups`: the source's groups it is a direct member of.
    static func groups(_ links: [ProvisionedGroupLink], _ endpoint: SCIMEndpoint) -> JSONValue? {
        guard !links.isEmpty else { return nil }
        return .array(links.map { link in
            ["value": .string(link.id.rawValue), "display": .string(link.name), "type": "direct",
             "$ref": .string(endpoint.base + "/Groups/" + link.id.rawValue)]
        })
    }

    /// A group's `members`. No `display`: clients compare members with what they sent, and it is optional.
    static func members(_ members: [ProvisionedMember], _ endpoint: SCIMEndpoint) -> JSONValue? {
        guard !members.isEmpty else { return nil }
        return .array(members.map { member in
            let type = member.kind == .user ? "User" : "Group"
            return ["value": .string(member.id), "type": .string(type),
                    "$ref": .string(endpoint.base + (member.kind == .user ? "/Users/" : "/Groups/") + member.id)]
        })
    }

    static func meta(_ type: String, location: String, created: Timestamp, modified: Timestamp) -> JSONValue {
        [
            "resourceType": .string(type), "location": .string(location),
            "created": .string(SCIMDateTime.text(created)), "lastModified": .string(SCIMDateTime.text(modified)),
            "version": .string("W/\"\(modified.microsecondsSince1970)\""),
        ]
    }

    static func parse(_ text: JSONText) -> [String: JSONValue] {
        JSONValue.parse(Array(text.text.utf8))?.objectValue ?? [:]
    }

    static func text(_ doc: [String: JSONValue]) -> JSONText { JSONText(JSONValue.object(doc).text) }
}
