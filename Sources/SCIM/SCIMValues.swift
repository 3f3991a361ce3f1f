import JSON

/// Brings client JSON into the stored shape: attribute names spelled as the schema spells
/// them, values of the declared type, read-only and unknown attributes dropped, extension
/// attributes under their schema URN.
public enum SCIMValues {
    /// `true`/`false`, or the strings `"True"`/`"False"` (any case) that Entra ID sends by default.
    public static func boolean(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let b): return b
        case .string(let s):
            switch s.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// The stored form of a whole resource sent with POST or PUT (`id`, `meta`, `schemas` and
    /// read-only attributes dropped; the caller adds them back when rendering).
    public static func resource(_ input: JSONValue, type: SCIMResourceType) throws(SCIMError) -> JSONObject {
        guard case .object(let members) = input else { throw .invalidSyntax("the body must be a JSON object") }
        var out: JSONObject = [:]
        for (key, value) in members {
            let lower = key.lowercased()
            if lower == "schemas" || lower == "id" || lower == "meta" { continue }
            if let ext = type.extensionSchema(key) {
                guard case .object = value else { throw .invalidValue("\(ext.id) must be an object") }
                let stored = try complex(value, attributes: ext.attributes, name: ext.id)
                if !stored.isEmpty { out[ext.id] = .object(stored) }
                continue
            }
            if lower.hasPrefix("urn:") {
                // `urn:…:enterprise:2.0:User:employeeNumber` as a flat key.
                let path: SCIMPath
                do { path = try SCIMPath.attributePath(key) } catch { continue }
                guard let urn = path.schema, let ext = type.extensionSchema(urn), let attribute = ext.attribute(path.attribute),
                      path.subAttribute == nil else { continue }
                guard let stored = try self.value(value, attribute: attribute) else { continue }
                var object = out[ext.id]?.objectValue ?? [:]
                object[attribute.name] = stored
                out[ext.id] = .object(object)
                continue
            }
            if lower == "externalid" {
                switch value {
                case .string(let s):
                    guard !s.unicodeScalars.contains("\0") else { throw .invalidValue("externalId must not contain NUL") }
                    out["externalId"] = .string(s)
                case .null: break
                default: throw .invalidValue("externalId must be a string")
                }
                continue
            }
            guard let attribute = type.schema.attribute(key), attribute.mutability != .readOnly,
                  attribute.returned != .never else { continue }
            if let stored = try self.value(value, attribute: attribute) { out[attribute.name] = stored }
        }
        return out
    }

    /// One attribute's value in stored form; nil for null or an empty list (the attribute is unassigned).
    public static func value(_ value: JSONValue, attribute: SCIMAttribute) throws(SCIMError) -> JSONValue? {
        if value == .null { return nil }
        if attribute.multiValued {
            let items = value.arrayValue ?? [value]
            var out: [JSONValue] = []
            for item in items {
                if let stored = try single(item, attribute: attribute) { out.append(stored) }
            }
            return out.isEmpty ? nil : .array(out)
        }
        return try single(value, attribute: attribute)
    }

    static func single(_ value: JSONValue, attribute: SCIMAttribute) throws(SCIMError) -> JSONValue? {
        switch attribute.kind {
        case .boolean:
            if value == .null { return nil }
            guard let flag = boolean(value) else { throw .invalidValue("\(attribute.name) must be true or false") }
            return .bool(flag)
        case .complex:
            if value == .null { return nil }
            // Entra ID sends `manager` as the manager's id, not as {"value": id}.
            if case .string(let id) = value, attribute.sub("value") != nil {
                return id.isEmpty ? nil : try single(.object(["value": value]), attribute: attribute)
            }
            guard case .object = value else { throw .invalidValue("\(attribute.name) must be an object") }
            let stored = try complex(value, attributes: attribute.subAttributes, name: attribute.name)
            return stored.isEmpty ? nil : .object(stored)
        case .integer, .decimal:
            switch value {
            case .null: return nil
            case .number: return value
            default: throw .invalidValue("\(attribute.name) must be a number")
            }
        case .string, .reference, .dateTime, .binary:
            switch value {
            case .null: return nil
            case .string(let text):
                // PostgreSQL's text and jsonb cannot hold NUL.
                guard !text.unicodeScalars.contains("\0") else { throw .invalidValue("\(attribute.name) must not contain NUL") }
                return value
            default: throw .invalidValue("\(attribute.name) must be a string")
            }
        }
    }

    static func complex(_ value: JSONValue, attributes: [SCIMAttribute], name: String) throws(SCIMError) -> JSONObject {
        guard case .object(let members) = value else { return [:] }
        var out: JSONObject = [:]
        for (key, item) in members {
            let lower = key.lowercased()
            guard let sub = attributes.first(where: { $0.name.lowercased() == lower }) else { continue }
            if let stored = try self.value(item, attribute: sub) { out[sub.name] = stored }
        }
        return out
    }
}
