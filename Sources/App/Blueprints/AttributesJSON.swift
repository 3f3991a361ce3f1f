import Blueprints
import JSON
import Store

/// Blueprint attribute values (`FieldValue`) as the JSON the `attributes` jsonb columns hold,
/// and back, through the JSON room. Only what attributes can be: objects, arrays, strings,
/// numbers, booleans. A document with a `null` or an integer beyond `Int64` (which no blueprint
/// can write) does not decode; the caller then treats the stored value as different from any
/// blueprint value, so it gets rewritten.
enum AttributesJSON {
    /// `value` as JSON text (members sorted by name); nil for a value JSON cannot hold (a
    /// non-finite number).
    static func encode(_ value: FieldValue) -> String? {
        jsonValue(value)?.serialized
    }

    /// `value` as a JSON value; nil for a value JSON cannot hold (a non-finite number).
    static func jsonValue(_ value: FieldValue) -> JSONValue? {
        switch value {
        case .string(let s): return .string(s)
        case .int(let i): return .int(i)
        case .double(let d): return d.isFinite ? .double(d) : nil
        case .bool(let b): return .bool(b)
        case .list(let items):
            var out: [JSONValue] = []
            for item in items {
                guard let json = jsonValue(item) else { return nil }
                out.append(json)
            }
            return .array(out)
        case .map(let map):
            var out = [String: JSONValue](minimumCapacity: map.count)
            for (key, item) in map {
                guard let json = jsonValue(item) else { return nil }
                out[key] = json
            }
            return .object(JSONObject(out))
        case .secret(let secret):
            // `!Env` in an attribute is ordinary data (Docs/blueprints.md), stored in clear.
            return .string(secret.reveal())
        }
    }

    /// Parses JSON text (as PostgreSQL prints jsonb) into a `FieldValue`; nil when it is not
    /// valid JSON or holds something a blueprint cannot write.
    static func decode(_ text: String) -> FieldValue? {
        guard let json = try? JSONValue(parsing: text) else { return nil }
        return fieldValue(json)
    }

    /// `json` as a `FieldValue`; nil for `null` or an integer beyond `Int64` anywhere in it.
    static func fieldValue(_ json: JSONValue) -> FieldValue? {
        switch json {
        case .null: return nil
        case .bool(let b): return .bool(b)
        case .number(.int(let i)): return Int(exactly: i).map(FieldValue.int)
        case .number(.double(let d)): return .double(d)
        case .number(.bigInteger): return nil
        case .string(let s): return .string(s)
        case .array(let items):
            var out: [FieldValue] = []
            for item in items {
                guard let value = fieldValue(item) else { return nil }
                out.append(value)
            }
            return .list(out)
        case .object(let members):
            var out = [String: FieldValue](minimumCapacity: members.count)
            for (key, item) in members {
                guard let value = fieldValue(item) else { return nil }
                out[key] = value
            }
            return .map(out)
        }
    }
}
