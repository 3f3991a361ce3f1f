import JSON

/// `ServiceProviderConfig`, list responses and paging: the fixed documents of the protocol.
public enum SCIMDiscovery {
    /// The largest request body accepted (the HTTP layer's limit).
    public static let maxPayloadSize = 1_048_576
    /// The most resources one page returns, whatever `count` asks for.
    public static let maxResults = 1000

    public static func serviceProviderConfig(location: String) -> JSONValue {
        [
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": ["supported": true],
            "bulk": ["supported": false, "maxOperations": 0, "maxPayloadSize": .int(maxPayloadSize)],
            "filter": ["supported": true, "maxResults": .int(maxResults)],
            "changePassword": ["supported": false],
            "sort": ["supported": false],
            "etag": ["supported": false],
            "authenticationSchemes": [[
                "type": "oauthbearertoken", "name": "Bearer token",
                "description": "The source's secret token in Authorization: Bearer", "primary": true,
            ]],
            "meta": ["resourceType": "ServiceProviderConfig", "location": .string(location)],
        ]
    }

    public static func listResponse(_ resources: [JSONValue], total: Int, startIndex: Int) -> JSONValue {
        [
            "schemas": [.string(SCIMSchema.listURN)],
            "totalResults": .int(total),
            "startIndex": .int(startIndex),
            "itemsPerPage": .int(resources.count),
            "Resources": .array(resources),
        ]
    }

    /// `startIndex` (1-based, values below 1 read as 1) and `count` (negative reads as 0, capped at `maxResults`).
    public static func paging(startIndex: String?, count: String?) throws(SCIMError) -> (startIndex: Int, count: Int) {
        var start = 1, limit = maxResults
        if let startIndex {
            guard let n = Int(startIndex) else { throw .invalidValue("startIndex must be an integer") }
            start = max(1, n)
        }
        if let count {
            guard let n = Int(count) else { throw .invalidValue("count must be an integer") }
            limit = min(max(0, n), maxResults)
        }
        return (start, limit)
    }
}
