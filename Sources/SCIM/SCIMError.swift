import JSON

/// A SCIM protocol error (RFC 7644 §3.12): the HTTP status and, for 400s and 409s, the
/// `scimType` that tells the client what to fix.
public struct SCIMError: Error, Sendable, Hashable, CustomStringConvertible {
    public static let schema = "urn:ietf:params:scim:api:messages:2.0:Error"

    public let status: Int
    public let scimType: String?
    public let detail: String

    public init(status: Int, scimType: String? = nil, detail: String) {
        self.status = status
        self.scimType = scimType
        self.detail = detail
    }

    public static func invalidSyntax(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "invalidSyntax", detail: detail) }
    public static func invalidFilter(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "invalidFilter", detail: detail) }
    public static func invalidPath(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "invalidPath", detail: detail) }
    public static func noTarget(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "noTarget", detail: detail) }
    public static func invalidValue(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "invalidValue", detail: detail) }
    public static func mutability(_ detail: String) -> SCIMError { SCIMError(status: 400, scimType: "mutability", detail: detail) }
    public static func uniqueness(_ detail: String) -> SCIMError { SCIMError(status: 409, scimType: "uniqueness", detail: detail) }
    public static func notFound(_ detail: String) -> SCIMError { SCIMError(status: 404, detail: detail) }
    public static let unauthorized = SCIMError(status: 401, detail: "a valid bearer token is required")
    public static let tooLarge = SCIMError(status: 413, detail: "the request is larger than maxPayloadSize")

    /// The error body.
    public var json: JSONValue {
        var object: JSONObject = [
            "schemas": [.string(Self.schema)],
            "status": .string(String(status)),
            "detail": .string(detail),
        ]
        if let scimType { object["scimType"] = .string(scimType) }
        return .object(object)
    }

    public var description: String { "\(status) \(scimType ?? ""): \(detail)" }
}
