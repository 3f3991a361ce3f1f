import Store

/// `/Users`: create, read, list, replace, patch, delete.
extension SCIMDirectory {
    func createUser(_ endpoint: SCIMEndpoint, body: JSONValue) throws(SCIMError) -> [String: JSONValue] {
        let stored = try SCIMValues.resource(body, type: .user)
        let fields = try SCIMUserFields.fields(of: stored)
        let user = try run("create user") { () throws(StoreError) in
            try store.createUser(fields, in: endpoint.source, audit: ProvisioningAudit(action: "scim.user.create"))
        }
        // A user this new is in no group yet.
        return SCIMDocuments.user(user, endpoint)
    }

    func user(_ endpoint: SCIMEndpoint, id: String) throws(SCIMError) -> [String: JSONValue] {
        let found = try run("read user") { () throws(StoreError) in try store.user(UserID(id), in: endpoint.source) }
        guard let found else { throw .notFound("no User \(id)") }
        return try withGroups([SCIMDocuments.user(found, endpoint)], endpoint)[0]
    }

    func listUsers(_ endpoint: SCIMEndpoint, filter: SCIMFilter?, startIndex: Int, count: Int) throws(SCIMError) -> (Int, [[String: JSONValue]]) {
        let total: Int, page: [[String: JSONValue]]
        if let filter {
            let key = SCIMFilterPushdown.userKey(filter)
            let users = try run("list users") { () throws(StoreError) in try store.users(in: endpoint.source, narrowedBy: key) }
            var candidates = users.map { SCIMDocuments.user($0, endpoint) }
            // `groups[value eq "…"]` needs the memberships.
            if "\(filter)".lowercased().contains("groups") { candidates = try withGroups(candidates, endpoint) }
            let matching = candidates.filter { doc in
                // An unassigned `active` is not shown (see `SCIMDocuments.user`) but is true.
                var probe = doc
                if probe["active"] == nil { probe["active"] = .bool(true) }
                return filter.matches(.object(probe))
            }
            total = matching.count
            page = Array(matching.dropFirst(startIndex - 1).prefix(count))
        } else {
            let found = try run("list users") { () throws(StoreError) in
                try store.users(in: endpoint.source, offset: startIndex - 1, limit: count)
            }
            total = found.total
            page = found.page.map { SCIMDocuments.user($0, endpoint) }
        }
        return (total, try withGroups(page, endpoint))
    }

    func replaceUser(_ endpoint: SCIMEndpoint, id: String, body: JSONValue) throws(SCIMError) -> [String: JSONValue] {
        let replacement = try SCIMValues.resource(body, type: .user)
        return try updateUser(endpoint, id: id) { _ in replacement }
    }

    func patchUser(_ endpoint: SCIMEndpoint, id: String, patch: SCIMPatch) throws(SCIMError) -> [String: JSONValue] {
        try updateUser(endpoint, id: id) { current throws(SCIMError) in try patch.apply(to: current, type: .user) }
    }

    /// Computes the new resource from the current one under the store's lock and writes it; a
    /// change of `active` to false ends the user's sessions and tokens in the same transaction,
    /// and voids their cached sessions once it committed.
    func updateUser(_ endpoint: SCIMEndpoint, id: String,
                    _ change: ([String: JSONValue]) throws(SCIMError) -> [String: JSONValue]) throws(SCIMError) -> [String: JSONValue] {
        var deactivated = false
        let updated: ProvisionedUser
        do {
            updated = try store.updateUser(UserID(id), in: endpoint.source) { current throws(SCIMError) in
                let fields = try SCIMUserFields.fields(of: change(SCIMDocuments.current(current)))
                deactivated = current.isActive && !fields.isActive
                let details: JSONValue = current.isActive != fields.isActive ? ["active": .bool(fields.isActive)] : [:]
                return ProvisioningChange(fields: fields, audit: ProvisioningAudit(
                    action: deactivated ? "scim.user.deactivate" : "scim.user.update", details: JSONText(details.text)))
            }
        } catch {
            throw scimError(error, "update user", notFound: "no User \(id)")
        }
        if deactivated { userDeactivated(updated.id) }
        return try withGroups([SCIMDocuments.user(updated, endpoint)], endpoint)[0]
    }

    /// Deactivates, or with `purge_on_delete` removes, the user. A kept user is marked
    /// deleted (gone from SCIM, kept for the audit trail) and its username freed for reuse.
    func deleteUser(_ endpoint: SCIMEndpoint, id: String) throws(SCIMError) {
        let purge = endpoint.source.purgeOnDelete
        var deleted: UserID?
        try run("delete user", notFound: "no User \(id)") { () throws(StoreError) in
            try store.deleteUser(UserID(id), in: endpoint.source) { user in
                deleted = user.id
                return ProvisioningAudit(action: purge ? "scim.user.purge" : "scim.user.delete",
                                         details: JSONText(JSONValue.object(["username": .string(user.username)]).text))
            }
        }
        if let deleted { userDeactivated(deleted) }
    }

    /// The documents with their `groups` (direct memberships in the source's groups).
    func withGroups(_ docs: [[String: JSONValue]], _ endpoint: SCIMEndpoint) throws(SCIMError) -> [[String: JSONValue]] {
        let ids = docs.compactMap { $0["id"]?.stringValue }.map(UserID.init)
        guard !ids.isEmpty else { return docs }
        let groups = try run("read groups of users") { () throws(StoreError) in try store.groups(ofUsers: ids, in: endpoint.source) }
        return docs.map { doc in
            var out = doc
            if let id = doc["id"]?.stringValue, let links = groups[UserID(id)] { out["groups"] = SCIMDocuments.groups(links, endpoint) }
            return out
        }
    }
}
