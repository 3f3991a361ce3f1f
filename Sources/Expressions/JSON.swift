import JSON

/// JSON text to and from values, for contexts built from stored attributes (jsonb text) and for
/// claims. Reading and writing are the JSON room's: one strict reader, one writer.
extension ExprValue {
    /// Deepest nesting a JSON text may have; deeper input is rejected, never a stack overflow.
    public static let maxJSONDepth = 128

    /// Parses JSON. Integers that fit `Int64` become `.int`, other numbers `.double`. A duplicate
    /// member name is an error, as is anything else RFC 8259 does not allow. Errors are kind
    /// `.parse` with the line and column in `jsonText`.
    public init(jsonText: String) throws(ExpressionError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: jsonText, limits: JSONLimits(maxDepth: ExprValue.maxJSONDepth))
        } catch {
            let (line, column) = error.position(in: jsonText)
            let message = error.reason == .tooDeep ? "nested deeper than \(ExprValue.maxJSONDepth) levels" : error.reason.text
            throw ExpressionError(.parse, "invalid JSON: \(message)", line: line, column: column)
        }
        self.init(json: json)
    }

    /// A JSON value as an expression value: integers stay `.int`, other numbers become `.double`
    /// (an integer beyond `Int64` becomes the nearest double), arrays lists, objects maps.
    public init(json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(.int(let i)): self = .int(i)
        case .number(.double(let d)): self = .double(d)
        case .number(let n): self = .double(n.doubleValue)
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map(ExprValue.init(json:)))
        case .object(let members):
            var map = [String: ExprValue](minimumCapacity: members.count)
            for (key, value) in members { map[key] = ExprValue(json: value) }
            self = .map(map)
        }
    }

    /// Compact JSON with keys sorted, so equal values always serialize the same way.
    /// Non-finite doubles (which JSON cannot hold) become null.
    public func jsonText() -> String {
        JSONValue(self).serialized
    }
}

extension JSONValue {
    /// An expression value as JSON (a claim, a stored attribute): `.int` an integer, `.double`
    /// a number with a decimal point or exponent (a non-finite one is written as null), lists
    /// arrays, maps objects.
    public init(_ value: ExprValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .list(let items): self = .array(items.map(JSONValue.init))
        case .map(let map): self = .object(JSONObject(map.mapValues(JSONValue.init)))
        }
    }
}
