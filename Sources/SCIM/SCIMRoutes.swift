import HTTP
import Web

/// `/source/scim/<slug>/v2/…`: the SCIM 2.0 service provider for each SCIM source. One
/// catch-all route per method, dispatched here, so that every answer (unknown path, wrong
/// method, trailing slash) has the SCIM shape clients expect.
struct SCIMRoutes: Sendable {
    let directory: SCIMDirectory

    static let mediaType = "application/scim+json"

    func respond(_ request: Request) -> Response {
        do {
            return try route(request)
        } catch {
            var response = Self.response(error.json, status: error.status)
            if error.status == 401 { response.headers.set("WWW-Authenticate", "Bearer realm=\"scim\"") }
            return response
        }
    }

    func route(_ request: Request) throws(SCIMError) -> Response {
        let slug = request.parameter("slug") ?? ""
        let source = try directory.authenticate(slug: slug, token: Self.bearerToken(request))
        // Locations from the configured external URL, never from the client's Host header.
        let endpoint = SCIMEndpoint(source: source, base: "\(request.context.externalOrigin)\(SCIMProvider.prefix)/\(slug)/v2")
        let path = (request.parameter("rest") ?? "").split(separator: "/").map(String.init)
        let method = request.method
        switch (path.first, path.count) {
        case ("Users"?, 1), ("Groups"?, 1):
            let isUser = path[0] == "Users"
            if method == .get { return try list(request, endpoint, users: isUser) }
            if method == .post {
                let body = try Self.body(request)
                let doc = isUser ? try directory.createUser(endpoint, body: body) : try directory.createGroup(endpoint, body: body)
                var response = Self.response(.object(doc), status: 201)
                if let location = doc["meta"]?.member("location")?.stringValue { response.headers.set("Location", location) }
                return response
            }
        case (".search"?, 1):
            guard method == .post else { break }
            return try search(request, endpoint, users: nil)
        case ("Users"?, 2), ("Groups"?, 2):
            if path[1] == ".search" {
                guard method == .post else { break }
                return try search(request, endpoint, users: path[0] == "Users")
            }
            return try resource(request, endpoint, users: path[0] == "Users", id: path[1])
        case ("ServiceProviderConfig"?, 1) where method == .get:
            return Self.response(SCIMDiscovery.serviceProviderConfig(location: endpoint.base + "/ServiceProviderConfig"))
        case ("Schemas"?, 1) where method == .get:
            let all = SCIMSchema.all.map { $0.json(location: endpoint.base + "/Schemas/" + $0.id) }
            return Self.response(SCIMDiscovery.listResponse(all, total: all.count, startIndex: 1))
        case ("Schemas"?, 2) where method == .get:
            guard let schema = SCIMSchema.all.first(where: { $0.id.lowercased() == path[1].lowercased() }) else {
                throw .notFound("no schema \(path[1])")
            }
            return Self.response(schema.json(location: endpoint.base + "/Schemas/" + schema.id))
        case ("ResourceTypes"?, 1) where method == .get:
            let all = SCIMResourceType.all.map { $0.json(location: endpoint.base + "/ResourceTypes/" + $0.name) }
            return Self.response(SCIMDiscovery.listResponse(all, total: all.count, startIndex: 1))
        case ("ResourceTypes"?, 2) where method == .get:
            guard let type = SCIMResourceType.all.first(where: { $0.name.lowercased() == path[1].lowercased() }) else {
                throw .notFound("no resource type \(path[1])")
            }
            return Self.response(type.json(location: endpoint.base + "/ResourceTypes/" + type.name))
        case ("ServiceProviderConfig"?, 1), ("Schemas"?, 1), ("Schemas"?, 2), ("ResourceTypes"?, 1), ("ResourceTypes"?, 2):
            break
        default:
            throw .notFound("no SCIM endpoint \(path.joined(separator: "/"))")
        }
        throw SCIMError(status: 405, detail: "\(method.rawValue) is not allowed here")
    }

    func list(_ request: Request, _ endpoint: SCIMEndpoint, users: Bool) throws(SCIMError) -> Response {
        try list(endpoint, users: users, filter: request.query("filter"), startIndex: request.query("startIndex"),
                 count: request.query("count"), attributes: request.query("attributes"),
                 excludedAttributes: request.query("excludedAttributes"))
    }

    /// `POST /Users/.search` (RFC 7644 §3.4.3): the query parameters as a SearchRequest body.
    /// At the root (`users` nil) it searches users, then groups.
    func search(_ request: Request, _ endpoint: SCIMEndpoint, users: Bool?) throws(SCIMError) -> Response {
        let body = try Self.body(request)
        guard case .object = body else { throw .invalidSyntax("a SearchRequest is a JSON object") }
        func text(_ key: String) throws(SCIMError) -> String? {
            switch body.member(key) {
            case nil, .null?: return nil
            case .string(let s)?: return s
            case .number(let n)?: return JSONValue.number(n).text
            case .array(let items)?: return items.compactMap(\.stringValue).joined(separator: ",")
            default: throw .invalidValue("\(key) has the wrong type")
            }
        }
        return try list(endpoint, users: users, filter: text("filter"), startIndex: text("startIndex"), count: text("count"),
                        attributes: text("attributes"), excludedAttributes: text("excludedAttributes"))
    }

    func list(_ endpoint: SCIMEndpoint, users: Bool?, filter filterText: String?, startIndex: String?, count: String?,
              attributes: String?, excludedAttributes: String?) throws(SCIMError) -> Response {
        let filter = try filterText.flatMap { text throws(SCIMError) in
            text.isEmpty ? nil : try SCIMFilter.parse(text)
        }
        let paging = try SCIMDiscovery.paging(startIndex: startIndex, count: count)
        let projection = try SCIMProjection(attributes: attributes, excludedAttributes: excludedAttributes)
        let wantMembers = !Self.names(excludedAttributes).contains("members")
        var total: Int, docs: [[String: JSONValue]]
        switch users {
        case true?:
            (total, docs) = try directory.listUsers(endpoint, filter: filter, startIndex: paging.startIndex, count: paging.count)
        case false?:
            (total, docs) = try directory.listGroups(endpoint, filter: filter, startIndex: paging.startIndex, count: paging.count,
                                                     members: wantMembers)
        case nil:
            // Both types, users first; paged over the concatenation.
            let (userTotal, userDocs) = try directory.listUsers(endpoint, filter: filter, startIndex: paging.startIndex,
                                                                count: paging.count)
            let groupStart = max(1, paging.startIndex - userTotal)
            let room = paging.count - userDocs.count
            let (groupTotal, groupDocs) = try directory.listGroups(endpoint, filter: filter, startIndex: groupStart,
                                                                   count: max(0, room), members: wantMembers)
            total = userTotal + groupTotal
            docs = userDocs + groupDocs
        }
        return Self.response(SCIMDiscovery.listResponse(docs.map { .object(projection.apply($0)) }, total: total, startIndex: paging.startIndex))
    }

    func resource(_ request: Request, _ endpoint: SCIMEndpoint, users: Bool, id: String) throws(SCIMError) -> Response {
        let projection = try Self.projection(request)
        let wantMembers = !Self.names(request.query("excludedAttributes")).contains("members")
        let doc: [String: JSONValue]
        switch request.method {
        case .get:
            doc = users ? try directory.user(endpoint, id: id) : try directory.group(endpoint, id: id, members: wantMembers)
        case .put:
            let body = try Self.body(request)
            doc = users ? try directory.replaceUser(endpoint, id: id, body: body) : try directory.replaceGroup(endpoint, id: id, body: body)
        case .patch:
            let patch = try SCIMPatch.parse(try Self.body(request))
            if users {
                doc = try directory.patchUser(endpoint, id: id, patch: patch)
            } else {
                guard let group = try directory.patchGroup(endpoint, id: id, patch: patch, returnMembers: true) else {
                    return Response(status: .noContent)
                }
                doc = group
            }
        case .delete:
            if users { try directory.deleteUser(endpoint, id: id) } else { try directory.deleteGroup(endpoint, id: id) }
            return Response(status: .noContent)
        default:
            throw SCIMError(status: 405, detail: "\(request.method.rawValue) is not allowed here")
        }
        return Self.response(.object(projection.apply(doc)))
    }

    // MARK: - helpers

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers["Authorization"] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1]).trimmingSpaces()
        return token.isEmpty ? nil : token
    }

    /// The JSON body: `application/scim+json` or `application/json` (or no type at all).
    static func body(_ request: Request) throws(SCIMError) -> JSONValue {
        if let media = request.mediaType, media != mediaType, media != "application/json" {
            throw SCIMError(status: 415, detail: "send application/scim+json")
        }
        guard request.body.count <= SCIMDiscovery.maxPayloadSize else { throw .tooLarge }
        guard let value = JSONValue.parse(request.body) else { throw .invalidSyntax("the body is not valid JSON") }
        return value
    }

    static func projection(_ request: Request) throws(SCIMError) -> SCIMProjection {
        try SCIMProjection(attributes: request.query("attributes"), excludedAttributes: request.query("excludedAttributes"))
    }

    /// The lower-cased attribute names of a comma-separated list.
    static func names(_ list: String?) -> Set<String> {
        Set((list ?? "").split(separator: ",").map { String($0).trimmingSpaces().lowercased() })
    }

    static func response(_ json: JSONValue, status: Int = 200) -> Response {
        Response(status: HTTPStatus(status), headers: ["Content-Type": mediaType, "Cache-Control": "no-store"],
                 body: Array(json.text.utf8))
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
