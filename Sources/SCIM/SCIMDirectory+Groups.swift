import Store

/// `/Groups`: create, read, list, replace, patch, delete; `members` are the source's users
/// (memberships) and groups (nested: the member group's parent becomes this group).
extension SCIMDirectory {
    static func groupName(_ doc: [String: JSONValue]) throws(SCIMError) -> String {
        guard let name = doc["displayName"]?.stringValue else { throw .invalidValue("displayName is required") }
        return try SCIMNames.normalized(name, attribute: "displayName")
    }

    /// What the store keeps of a group resource. Members live in the store's memberships, the
    /// name in its column, not in the stored document.
    static func groupFields(_ doc: [String: JSONValue]) throws(SCIMError) -> ProvisionedGroupFields {
        let name = try groupName(doc)
        var stored = doc
        for key in ["members", "id", "meta", "schemas", "displayName"] { stored[key] = nil }
        let members = (doc["members"]?.arrayValue ?? []).compactMap { $0.member("value")?.stringValue?.lowercased() }
        return ProvisionedGroupFields(name: name, externalID: doc["externalId"]?.stringValue, document: SCIMDocuments.text(stored),
                                      members: Set(members))
    }

    func createGroup(_ endpoint: SCIMEndpoint, body: JSONValue) throws(SCIMError) -> [String: JSONValue] {
        let fields = try Self.groupFields(SCIMValues.resource(body, type: .group))
        let group = try run("create group") { () throws(StoreError) in
            try store.createGroup(fields, in: endpoint.source, audit: ProvisioningAudit(action: "scim.group.create"))
        }
        return try withMembers(SCIMDocuments.group(group, endpoint), endpoint)
    }

    func group(_ endpoint: SCIMEndpoint, id: String, members: Bool) throws(SCIMError) -> [String: JSONValue] {
        let found = try run("read group") { () throws(StoreError) in try store.group(GroupID(id), in: endpoint.source) }
        guard let found else { throw .notFound("no Group \(id)") }
        let doc = SCIMDocuments.group(found, endpoint)
        return members ? try withMembers(doc, endpoint) : doc
    }

    func listGroups(_ endpoint: SCIMEndpoint, filter: SCIMFilter?, startIndex: Int, count: Int,
                    members: Bool) throws(SCIMError) -> (Int, [[String: JSONValue]]) {
        let key = filter.flatMap(SCIMFilterPushdown.groupKey)
        let groups = try run("list groups") { () throws(StoreError) in try store.groups(in: endpoint.source, narrowedBy: key) }
        var docs = groups.map { SCIMDocuments.group($0, endpoint) }
        // Member filters (`members[value eq "…"]`) need the members.
        let needMembers = members || filter.map { "\($0)".lowercased().contains("members") } == true
        if let filter {
            if needMembers {
                docs = try docs.map { doc throws(SCIMError) in try withMembers(doc, endpoint) }
            }
            docs = docs.filter { filter.matches(.object($0)) }
        }
        let total = docs.count
        var page = Array(docs.dropFirst(startIndex - 1).prefix(count))
        if members && filter == nil { page = try page.map { doc throws(SCIMError) in try withMembers(doc, endpoint) } }
        if !members { page = page.map { var d = $0; d["members"] = nil; return d } }
        return (total, page)
    }

    func replaceGroup(_ endpoint: SCIMEndpoint, id: String, body: JSONValue) throws(SCIMError) -> [String: JSONValue] {
        let replacement = try SCIMValues.resource(body, type: .group)
        return try updateGroup(endpoint, id: id) { _ in replacement }
    }

    func patchGroup(_ endpoint: SCIMEndpoint, id: String, patch: SCIMPatch, returnMembers: Bool) throws(SCIMError) -> [String: JSONValue]? {
        let doc = try updateGroup(endpoint, id: id) { current throws(SCIMError) in try patch.apply(to: current, type: .group) }
        return returnMembers ? doc : nil
    }

    /// Computes the new resource from the current one (with its members) under the store's
    /// lock and writes it.
    func updateGroup(_ endpoint: SCIMEndpoint, id: String,
                     _ change: ([String: JSONValue]) throws(SCIMError) -> [String: JSONValue]) throws(SCIMError) -> [String: JSONValue] {
        let updated: ProvisionedGroup
        do {
            updated = try store.updateGroup(GroupID(id), in: endpoint.source) { current, members throws(SCIMError) in
                var before = SCIMDocuments.group(current, endpoint)
                before["members"] = SCIMDocuments.members(members, endpoint)
                for key in ["id", "meta", "schemas"] { before[key] = nil }
                return ProvisioningChange(fields: try Self.groupFields(change(before)),
                                          audit: ProvisioningAudit(action: "scim.group.update"))
            }
        } catch {
            throw scimError(error, "update group", notFound: "no Group \(id)")
        }
        return try withMembers(SCIMDocuments.group(updated, endpoint), endpoint)
    }

    /// Groups are removed (memberships go with them; child groups move to the top).
    func deleteGroup(_ endpoint: SCIMEndpoint, id: String) throws(SCIMError) {
        try run("delete group", notFound: "no Group \(id)") { () throws(StoreError) in
            try store.deleteGroup(GroupID(id), in: endpoint.source, audit: ProvisioningAudit(action: "scim.group.delete"))
        }
    }

    func withMembers(_ doc: [String: JSONValue], _ endpoint: SCIMEndpoint) throws(SCIMError) -> [String: JSONValue] {
        guard let id = doc["id"]?.stringValue else { return doc }
        let members = try run("read members") { () throws(StoreError) in try store.members(of: GroupID(id), in: endpoint.source) }
        var out = doc
        out["members"] = SCIMDocuments.members(members, endpoint)
        return out
    }
}
