import Foundation
import Postgres
import SCIM
import Store

/// `/Users`: create, read, list, replace, patch, delete.
extension SCIMDirectory {
    static let userSelect = """
        SELECT u.id::text AS id, u.username, u.is_active::text AS is_active, r.external_id, r.resource::text AS resource,
               to_char(r.created_at AT TIME ZONE 'UTC', \(timeFormat)) AS created,
               to_char(greatest(r.updated_at, u.updated_at) AT TIME ZONE 'UTC', \(timeFormat)) AS modified,
               (extract(epoch FROM greatest(r.updated_at, u.updated_at)) * 1000000)::bigint::text AS version
        FROM scim_resources r JOIN users u ON u.id = r.user_id
        WHERE r.source_id = $1 AND r.deleted_at IS NULL
        """

    /// What `users` keeps of a user resource.
    struct UserColumns: Equatable {
        var username: String
        var email: String?
        var name: String
        var active: Bool
        /// `name.givenName` / `name.familyName`, kept in the user's attributes (the OIDC
        /// `given_name` and `family_name` claims); nil when the client sent none.
        var givenName: String?
        var familyName: String?

        /// The attributes these columns set (null members: removed), merged with `||`.
        var attributesPatch: JSONValue {
            .object(["given_name": givenName.map(JSONValue.string) ?? .null,
                     "family_name": familyName.map(JSONValue.string) ?? .null])
        }
    }

    /// Checks the stored form and derives the columns. An unassigned `active` (never sent, or
    /// removed) means active, as for a new user. Throws `invalidValue`.
    static func userColumns(_ doc: [String: JSONValue]) throws(SCIMError) -> UserColumns {
        guard let raw = doc["userName"]?.stringValue else { throw .invalidValue("userName is required") }
        let username = try SCIMNames.normalized(raw, attribute: "userName")
        let emails = doc["emails"]?.arrayValue ?? []
        var email = (emails.first { $0.member("primary") == .bool(true) } ?? emails.first { $0.member("type") == "work" } ?? emails.first)?
            .member("value")?.stringValue?.trimmingCharacters(in: .whitespaces)
        if email?.isEmpty == true { email = nil }
        if let email, email.utf8.count > 320 || email.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalidValue("emails[].value must be at most 320 bytes without control characters")
        }
        let name = doc["name"]
        var display = doc["displayName"]?.stringValue ?? name?.member("formatted")?.stringValue ?? ""
        if display.isEmpty {
            display = [name?.member("givenName")?.stringValue, name?.member("familyName")?.stringValue]
                .compactMap { $0 }.joined(separator: " ")
        }
        func part(_ key: String) -> String? {
            guard let text = name?.member(key)?.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return String(text.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(255).map(Character.init))
        }
        return UserColumns(username: username, email: email, name: display, active: doc["active"]?.boolValue ?? true,
                           givenName: part("givenName"), familyName: part("familyName"))
    }

    func createUser(_ endpoint: SCIMEndpoint, body: JSONValue) throws(SCIMError) -> [String: JSONValue] {
        let stored = try SCIMValues.resource(body, type: .user)
        let columns = try Self.userColumns(stored)
        return try transaction("create user") { connection in
            let inserted = try connection.query("""
                INSERT INTO users (username, email, name, is_active, deactivated_at, attributes)
                VALUES ($1, $2, $3, $4, CASE WHEN $4::boolean THEN NULL ELSE now() END, jsonb_strip_nulls($5::jsonb))
                RETURNING id::text
                """, [.text(columns.username), columns.email.map(PGValue.text), .text(columns.name), .bool(columns.active),
                      .jsonb(columns.attributesPatch.text)])
            guard let id = inserted.scalar else { throw SCIMError(status: 500, detail: "no id") }
            try connection.query("""
                INSERT INTO scim_resources (source_id, user_id, external_id, resource) VALUES ($1, $2, $3, $4)
                """, [.uuid(endpoint.source.id), .uuid(id), stored["externalId"]?.stringValue.map(PGValue.text),
                      .jsonb(JSONValue.object(stored).text)])
            try Self.audit(connection, "scim.user.create", source: endpoint.source, user: id)
            return try Self.loadUser(endpoint, id: id, on: connection)
        }
    }

    func user(_ endpoint: SCIMEndpoint, id: String) throws(SCIMError) -> [String: JSONValue] {
        guard Self.isUUID(id) else { throw .notFound("no User \(id)") }
        return try read("read user") { try Self.loadUser(endpoint, id: id, on: $0) }
    }

    func listUsers(_ endpoint: SCIMEndpoint, filter: SCIMFilter?, startIndex: Int, count: Int) throws(SCIMError) -> (Int, [[String: JSONValue]]) {
        try read("list users") { connection in
            let source = PGValue.uuid(endpoint.source.id)
            var (total, docs): (Int, [[String: JSONValue]])
            if let filter {
                var sql = Self.userSelect
                var params: [PGValue?] = [source]
                if let (condition, value) = Self.pushdown(filter, Self.userConditions) {
                    sql += " AND " + condition
                    params.append(.text(value))
                }
                let result = try connection.query(sql + " ORDER BY r.created_at, u.id", params)
                var candidates = result.rows.indices.map { Self.userDocument(result, $0, endpoint) }
                if "\(filter)".lowercased().contains("groups") {
                    // `groups[value eq "…"]` needs the memberships.
                    let groups = try Self.groupsOfUsers(candidates.compactMap { $0["id"]?.stringValue }, endpoint, on: connection)
                    candidates = candidates.map { doc in
                        var out = doc
                        if let id = doc["id"]?.stringValue, let list = groups[id] { out["groups"] = .array(list) }
                        return out
                    }
                }
                let matching = candidates.filter { doc in
                    // An unassigned `active` is not shown (see `userDocument`) but is true.
                    var probe = doc
                    if probe["active"] == nil { probe["active"] = .bool(true) }
                    return filter.matches(.object(probe))
                }
                total = matching.count
                docs = Array(matching.dropFirst(startIndex - 1).prefix(count))
            } else {
                total = Int(try connection.query("""
                    SELECT count(*) FROM scim_resources WHERE source_id = $1 AND user_id IS NOT NULL AND deleted_at IS NULL
                    """, [source]).scalar ?? "0") ?? 0
                let result = count == 0 ? nil : try connection.query(Self.userSelect + " ORDER BY r.created_at, u.id LIMIT $2 OFFSET $3",
                                                                      [source, .int(count), .int(startIndex - 1)])
                docs = result.map { r in r.rows.indices.map { Self.userDocument(r, $0, endpoint) } } ?? []
            }
            let groups = try Self.groupsOfUsers(docs.compactMap { $0["id"]?.stringValue }, endpoint, on: connection)
            return (total, docs.map { doc in
                var out = doc
                if let id = doc["id"]?.stringValue, let list = groups[id] { out["groups"] = .array(list) }
                return out
            })
        }
    }

    func replaceUser(_ endpoint: SCIMEndpoint, id: String, body: JSONValue) throws(SCIMError) -> [String: JSONValue] {
        let replacement = try SCIMValues.resource(body, type: .user)
        return try updateUser(endpoint, id: id) { _ in replacement }
    }

    func patchUser(_ endpoint: SCIMEndpoint, id: String, patch: SCIMPatch) throws(SCIMError) -> [String: JSONValue] {
        try updateUser(endpoint, id: id) { current throws(SCIMError) in try patch.apply(to: current, type: .user) }
    }

    /// Locks the user, computes the new resource from the current one, writes it; a change
    /// of `active` to false ends the user's sessions and tokens in the same transaction.
    func updateUser(_ endpoint: SCIMEndpoint, id: String,
                    _ change: ([String: JSONValue]) throws(SCIMError) -> [String: JSONValue]) throws(SCIMError) -> [String: JSONValue] {
        guard Self.isUUID(id) else { throw .notFound("no User \(id)") }
        var deactivated = false
        let rendered = try transaction("update user") { connection in
            let locked = try connection.query(Self.userSelect + " AND u.id = $2 FOR UPDATE OF r, u", [.uuid(endpoint.source.id), .uuid(id)])
            guard !locked.rows.isEmpty else { throw SCIMError.notFound("no User \(id)") }
            var current = Self.parseStored(locked.value(0, "resource"))
            let wasActive = locked.value(0, "is_active") == "true"
            current["userName"] = locked.value(0, "username").map(JSONValue.string)
            // `active` as the client sees it (see `userDocument`).
            if current["active"] != nil || !wasActive { current["active"] = .bool(wasActive) }
            let doc = try change(current)
            let columns = try Self.userColumns(doc)
            try connection.query("""
                UPDATE users SET username = $2, email = $3, name = $4, updated_at = now(),
                                 attributes = (attributes - 'given_name' - 'family_name') || jsonb_strip_nulls($5::jsonb)
                WHERE id = $1
                """, [.uuid(id), .text(columns.username), columns.email.map(PGValue.text), .text(columns.name),
                      .jsonb(columns.attributesPatch.text)])
            if wasActive && !columns.active {
                try Self.deactivate(id, on: connection)
                deactivated = true
            } else if !wasActive && columns.active {
                try connection.query("UPDATE users SET is_active = true, deactivated_at = NULL WHERE id = $1", [.uuid(id)])
            }
            try connection.query("UPDATE scim_resources SET resource = $2, external_id = $3, updated_at = now() WHERE user_id = $1",
                                 [.uuid(id), .jsonb(JSONValue.object(doc).text), doc["externalId"]?.stringValue.map(PGValue.text)])
            try Self.audit(connection, deactivated ? "scim.user.deactivate" : "scim.user.update", source: endpoint.source, user: id,
                           extra: wasActive != columns.active ? ["active": .bool(columns.active)] : [:])
            return try Self.loadUser(endpoint, id: id, on: connection)
        }
        if deactivated { userDeactivated(UserID(id)) }
        return rendered
    }

    /// Deactivates, or with `purge_on_delete` removes, the user. A kept user is marked
    /// deleted (gone from SCIM, kept for the audit trail) and its username freed for reuse.
    func deleteUser(_ endpoint: SCIMEndpoint, id: String) throws(SCIMError) {
        guard Self.isUUID(id) else { throw .notFound("no User \(id)") }
        try transaction("delete user") { connection in
            let locked = try connection.query(Self.userSelect + " AND u.id = $2 FOR UPDATE OF r, u", [.uuid(endpoint.source.id), .uuid(id)])
            guard !locked.rows.isEmpty else { throw SCIMError.notFound("no User \(id)") }
            let username = locked.value(0, "username") ?? ""
            if endpoint.source.purgeOnDelete {
                // Sessions, tokens, memberships and the scim_resources row go with it (ON DELETE CASCADE).
                try connection.query("DELETE FROM users WHERE id = $1", [.uuid(id)])
            } else {
                try Self.deactivate(id, on: connection)
                // The address goes too (the stored resource keeps it for the audit trail): a
                // deleted account must not keep anyone else from using it (migration 8).
                try connection.query("UPDATE users SET username = username || '~deleted~' || id::text, email = NULL WHERE id = $1",
                                     [.uuid(id)])
                try connection.query("DELETE FROM group_memberships WHERE user_id = $1", [.uuid(id)])
                try connection.query("UPDATE scim_resources SET deleted_at = now() WHERE user_id = $1", [.uuid(id)])
            }
            try Self.audit(connection, endpoint.source.purgeOnDelete ? "scim.user.purge" : "scim.user.delete",
                           source: endpoint.source, user: id, extra: ["username": .string(username)])
        }
        userDeactivated(UserID(id))
    }

    /// The user inactive, every session ended and every token revoked, in the caller's transaction.
    static func deactivate(_ id: String, on connection: PGConnection) throws {
        try connection.query("""
            UPDATE users SET is_active = false, deactivated_at = coalesce(deactivated_at, now()), updated_at = now() WHERE id = $1
            """, [.uuid(id)])
        try connection.query("DELETE FROM sessions WHERE user_id = $1", [.uuid(id)])
        try connection.query("UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", [.uuid(id)])
    }

    static func loadUser(_ endpoint: SCIMEndpoint, id: String, on connection: PGConnection) throws -> [String: JSONValue] {
        let result = try connection.query(userSelect + " AND u.id = $2", [.uuid(endpoint.source.id), .uuid(id)])
        guard !result.rows.isEmpty else { throw SCIMError.notFound("no User \(id)") }
        var doc = userDocument(result, 0, endpoint)
        if let groups = try groupsOfUsers([id], endpoint, on: connection)[id] { doc["groups"] = .array(groups) }
        return doc
    }

    /// The resource as clients see it: the stored document plus what the tables know.
    static func userDocument(_ result: PGResult, _ row: Int, _ endpoint: SCIMEndpoint) -> [String: JSONValue] {
        var doc = parseStored(result.value(row, "resource"))
        let id = result.value(row, "id") ?? ""
        doc["id"] = .string(id)
        doc["userName"] = result.value(row, "username").map(JSONValue.string)
        // Shown when the client set it, and always when false (also after `gatehouse users deactivate`).
        let active = result.value(row, "is_active") == "true"
        if doc["active"] != nil || !active { doc["active"] = .bool(active) }
        doc["externalId"] = result.value(row, "external_id").map(JSONValue.string)
        doc["schemas"] = .array([.string(SCIMSchema.userURN)] + (doc[SCIMSchema.enterpriseURN] != nil ? [.string(SCIMSchema.enterpriseURN)] : []))
        doc["meta"] = meta("User", location: endpoint.base + "/Users/" + id, result, row)
        return doc
    }

    static func meta(_ type: String, location: String, _ result: PGResult, _ row: Int) -> JSONValue {
        var meta: [String: JSONValue] = ["resourceType": .string(type), "location": .string(location)]
        meta["created"] = result.value(row, "created").map(JSONValue.string)
        meta["lastModified"] = result.value(row, "modified").map(JSONValue.string)
        meta["version"] = result.value(row, "version").map { .string("W/\"\($0)\"") }
        return .object(meta)
    }

    /// Direct memberships in this source's groups, per user id.
    static func groupsOfUsers(_ ids: [String], _ endpoint: SCIMEndpoint, on connection: PGConnection) throws -> [String: [JSONValue]] {
        guard !ids.isEmpty else { return [:] }
        let result = try connection.query("""
            SELECT m.user_id::text, g.id::text, g.name FROM group_memberships m JOIN groups g ON g.id = m.group_id
            JOIN scim_resources r ON r.group_id = g.id AND r.source_id = $2 AND r.deleted_at IS NULL
            WHERE m.user_id = ANY($1::uuid[]) ORDER BY g.name
            """, [uuidArray(ids), .uuid(endpoint.source.id)])
        var out: [String: [JSONValue]] = [:]
        for row in result.rows {
            guard let user = row[0], let group = row[1], let name = row[2] else { continue }
            out[user, default: []].append(["value": .string(group), "display": .string(name), "type": "direct",
                                           "$ref": .string(endpoint.base + "/Groups/" + group)])
        }
        return out
    }
}
