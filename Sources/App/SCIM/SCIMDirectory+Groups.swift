import Postgres
import SCIM
import Store

/// `/Groups`: create, read, list, replace, patch, delete; `members` are the source's users
/// (memberships) and groups (nested: the member group's parent becomes this group).
extension SCIMDirectory {
    static let groupSelect = """
        SELECT g.id::text AS id, g.name, r.external_id, r.resource::text AS resource,
               to_char(r.created_at AT TIME ZONE 'UTC', \(timeFormat)) AS created,
               to_char(greatest(r.updated_at, g.updated_at) AT TIME ZONE 'UTC', \(timeFormat)) AS modified,
               (extract(epoch FROM greatest(r.updated_at, g.updated_at)) * 1000000)::bigint::text AS version
        FROM scim_resources r JOIN groups g ON g.id = r.group_id
        WHERE r.source_id = $1 AND r.deleted_at IS NULL
        """

    static func groupName(_ doc: [String: JSONValue]) throws(SCIMError) -> String {
        guard let name = doc["displayName"]?.stringValue else { throw .invalidValue("displayName is required") }
        return try SCIMNames.normalized(name, attribute: "displayName")
    }

    func createGroup(_ endpoint: SCIMEndpoint, body: JSONValue) throws(SCIMError) -> [String: JSONValue] {
        let doc = try SCIMValues.resource(body, type: .group)
        let name = try Self.groupName(doc)
        return try transaction("create group") { connection in
            guard let id = try connection.query("INSERT INTO groups (name) VALUES ($1) RETURNING id::text", [.text(name)]).scalar else {
                throw SCIMError(status: 500, detail: "no id")
            }
            try connection.query("INSERT INTO scim_resources (source_id, group_id, external_id, resource) VALUES ($1, $2, $3, $4)",
                                 [.uuid(endpoint.source.id), .uuid(id), doc["externalId"]?.stringValue.map(PGValue.text),
                                  .jsonb(JSONValue.object(Self.storedGroup(doc)).text)])
            try Self.setMembers(of: id, to: doc["members"], endpoint, on: connection)
            try Self.audit(connection, "scim.group.create", source: endpoint.source, group: id)
            return try Self.loadGroup(endpoint, id: id, members: true, on: connection)
        }
    }

    func group(_ endpoint: SCIMEndpoint, id: String, members: Bool) throws(SCIMError) -> [String: JSONValue] {
        guard Self.isUUID(id) else { throw .notFound("no Group \(id)") }
        return try read("read group") { try Self.loadGroup(endpoint, id: id, members: members, on: $0) }
    }

    func listGroups(_ endpoint: SCIMEndpoint, filter: SCIMFilter?, startIndex: Int, count: Int,
                    members: Bool) throws(SCIMError) -> (Int, [[String: JSONValue]]) {
        try read("list groups") { connection in
            var sql = Self.groupSelect
            var params: [PGValue?] = [.uuid(endpoint.source.id)]
            if let filter, let (condition, value) = Self.pushdown(filter, Self.groupConditions) {
                sql += " AND " + condition
                params.append(.text(value))
            }
            let result = try connection.query(sql + " ORDER BY r.created_at, g.id", params)
            var docs = result.rows.indices.map { Self.groupDocument(result, $0, endpoint) }
            // Member filters (`members[value eq "…"]`) need the members.
            let needMembers = members || filter.map { "\($0)".lowercased().contains("members") } == true
            if let filter {
                if needMembers {
                    docs = try docs.map { doc in try Self.withMembers(doc, endpoint, on: connection) }
                }
                docs = docs.filter { filter.matches(.object($0)) }
            }
            let total = docs.count
            var page = Array(docs.dropFirst(startIndex - 1).prefix(count))
            if members && filter == nil { page = try page.map { try Self.withMembers($0, endpoint, on: connection) } }
            if !members { page = page.map { var d = $0; d["members"] = nil; return d } }
            return (total, page)
        }
    }

    func replaceGroup(_ endpoint: SCIMEndpoint, id: String, body: JSONValue) throws(SCIMError) -> [String: JSONValue] {
        let replacement = try SCIMValues.resource(body, type: .group)
        return try updateGroup(endpoint, id: id) { _ in replacement }
    }

    func patchGroup(_ endpoint: SCIMEndpoint, id: String, patch: SCIMPatch, returnMembers: Bool) throws(SCIMError) -> [String: JSONValue]? {
        let doc = try updateGroup(endpoint, id: id) { current throws(SCIMError) in try patch.apply(to: current, type: .group) }
        return returnMembers ? doc : nil
    }

    func updateGroup(_ endpoint: SCIMEndpoint, id: String,
                     _ change: ([String: JSONValue]) throws(SCIMError) -> [String: JSONValue]) throws(SCIMError) -> [String: JSONValue] {
        guard Self.isUUID(id) else { throw .notFound("no Group \(id)") }
        return try transaction("update group") { connection in
            let locked = try connection.query(Self.groupSelect + " AND g.id = $2 FOR UPDATE OF r, g", [.uuid(endpoint.source.id), .uuid(id)])
            guard !locked.rows.isEmpty else { throw SCIMError.notFound("no Group \(id)") }
            let current = try Self.withMembers(Self.groupDocument(locked, 0, endpoint), endpoint, on: connection)
            var before = current
            for key in ["id", "meta", "schemas"] { before[key] = nil }
            let doc = try change(before)
            let name = try Self.groupName(doc)
            try connection.query("UPDATE groups SET name = $2, updated_at = now() WHERE id = $1", [.uuid(id), .text(name)])
            try connection.query("UPDATE scim_resources SET resource = $2, external_id = $3, updated_at = now() WHERE group_id = $1",
                                 [.uuid(id), .jsonb(JSONValue.object(Self.storedGroup(doc)).text), doc["externalId"]?.stringValue.map(PGValue.text)])
            try Self.setMembers(of: id, to: doc["members"], endpoint, on: connection)
            try Self.audit(connection, "scim.group.update", source: endpoint.source, group: id)
            return try Self.loadGroup(endpoint, id: id, members: true, on: connection)
        }
    }

    /// Groups are removed (memberships go with them; child groups move to the top).
    func deleteGroup(_ endpoint: SCIMEndpoint, id: String) throws(SCIMError) {
        guard Self.isUUID(id) else { throw .notFound("no Group \(id)") }
        try transaction("delete group") { connection in
            let found = try connection.query("SELECT 1 FROM scim_resources WHERE source_id = $1 AND group_id = $2 AND deleted_at IS NULL",
                                             [.uuid(endpoint.source.id), .uuid(id)])
            guard !found.rows.isEmpty else { throw SCIMError.notFound("no Group \(id)") }
            try connection.query("DELETE FROM groups WHERE id = $1", [.uuid(id)])
            try Self.audit(connection, "scim.group.delete", source: endpoint.source, group: id)
        }
    }

    /// Members live in the tables, not in the stored document.
    static func storedGroup(_ doc: [String: JSONValue]) -> [String: JSONValue] {
        var stored = doc
        for key in ["members", "id", "meta", "schemas", "displayName"] { stored[key] = nil }
        return stored
    }

    /// Makes the group's members exactly `value` (a list of `{"value": id}`) among the source's
    /// users and groups. Ids that name none of them are ignored, not refused: RFC 7644 does not
    /// ask for referential integrity, and a client that adds a member before creating it must
    /// not fail the whole change (the member appears once it is added again after its creation).
    static func setMembers(of group: String, to value: JSONValue?, _ endpoint: SCIMEndpoint, on connection: PGConnection) throws {
        let wanted = Set((value?.arrayValue ?? []).compactMap { $0.member("value")?.stringValue?.lowercased() }).filter(isUUID)
        let source = PGValue.uuid(endpoint.source.id)
        let known = try connection.query("""
            SELECT user_id::text, group_id::text FROM scim_resources
            WHERE source_id = $1 AND deleted_at IS NULL AND (user_id = ANY($2::uuid[]) OR group_id = ANY($2::uuid[]))
            """, [source, uuidArray(wanted.sorted())])
        let users = Set(known.rows.compactMap { $0[0] }), groups = Set(known.rows.compactMap { $0[1] }).subtracting([group])
        let current = try connection.query("""
            SELECT m.user_id::text FROM group_memberships m JOIN scim_resources r ON r.user_id = m.user_id AND r.source_id = $2
            WHERE m.group_id = $1
            """, [.uuid(group), source]).rows.compactMap { $0[0] }
        for user in Set(current).subtracting(users) {
            try connection.query("DELETE FROM group_memberships WHERE group_id = $1 AND user_id = $2", [.uuid(group), .uuid(user)])
        }
        for user in users.subtracting(current) {
            try connection.query("INSERT INTO group_memberships (user_id, group_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                 [.uuid(user), .uuid(group)])
        }
        // Nested groups: a member group becomes a child; one that would contain its own ancestor is refused.
        try connection.query("""
            UPDATE groups SET parent_id = NULL, updated_at = now() WHERE parent_id = $1 AND NOT (id = ANY($2::uuid[]))
              AND id IN (SELECT group_id FROM scim_resources WHERE source_id = $3 AND group_id IS NOT NULL)
            """, [.uuid(group), uuidArray(groups.sorted()), source])
        for child in groups {
            let cycle = try connection.query("""
                WITH RECURSIVE up(id) AS (SELECT $1::uuid UNION SELECT g.parent_id FROM groups g JOIN up ON g.id = up.id WHERE g.parent_id IS NOT NULL)
                SELECT 1 FROM up WHERE id = $2
                """, [.uuid(group), .uuid(child)])
            if !cycle.rows.isEmpty { throw SCIMError.invalidValue("group \(child) cannot be a member of its own member") }
            try connection.query("UPDATE groups SET parent_id = $1, updated_at = now() WHERE id = $2 AND parent_id IS DISTINCT FROM $1",
                                 [.uuid(group), .uuid(child)])
        }
    }

    static func loadGroup(_ endpoint: SCIMEndpoint, id: String, members: Bool, on connection: PGConnection) throws -> [String: JSONValue] {
        let result = try connection.query(groupSelect + " AND g.id = $2", [.uuid(endpoint.source.id), .uuid(id)])
        guard !result.rows.isEmpty else { throw SCIMError.notFound("no Group \(id)") }
        let doc = groupDocument(result, 0, endpoint)
        return members ? try withMembers(doc, endpoint, on: connection) : doc
    }

    static func groupDocument(_ result: PGResult, _ row: Int, _ endpoint: SCIMEndpoint) -> [String: JSONValue] {
        var doc = parseStored(result.value(row, "resource"))
        let id = result.value(row, "id") ?? ""
        doc["id"] = .string(id)
        doc["displayName"] = result.value(row, "name").map(JSONValue.string)
        doc["externalId"] = result.value(row, "external_id").map(JSONValue.string)
        doc["schemas"] = [.string(SCIMSchema.groupURN)]
        doc["meta"] = meta("Group", location: endpoint.base + "/Groups/" + id, result, row)
        return doc
    }

    static func withMembers(_ doc: [String: JSONValue], _ endpoint: SCIMEndpoint, on connection: PGConnection) throws -> [String: JSONValue] {
        guard let id = doc["id"]?.stringValue else { return doc }
        let result = try connection.query("""
            SELECT u.id::text, u.username, 'User' FROM group_memberships m JOIN users u ON u.id = m.user_id
              JOIN scim_resources r ON r.user_id = u.id AND r.source_id = $2 AND r.deleted_at IS NULL WHERE m.group_id = $1
            UNION ALL
            SELECT g.id::text, g.name, 'Group' FROM groups g
              JOIN scim_resources r ON r.group_id = g.id AND r.source_id = $2 AND r.deleted_at IS NULL WHERE g.parent_id = $1
            ORDER BY 2
            """, [.uuid(id), .uuid(endpoint.source.id)])
        var out = doc
        let members: [JSONValue] = result.rows.compactMap { row in
            // No `display`: clients compare members with what they sent, and it is optional.
            guard let value = row[0], let type = row[2] else { return nil }
            return ["value": .string(value), "type": .string(type),
                    "$ref": .string(endpoint.base + (type == "User" ? "/Users/" : "/Groups/") + value)]
        }
        out["members"] = members.isEmpty ? nil : .array(members)
        return out
    }
}
