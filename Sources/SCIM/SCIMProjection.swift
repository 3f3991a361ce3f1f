import JSON

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes a response
/// carries. `id` and `schemas` are always returned.
public struct SCIMProjection: Sendable {
    let include: [SCIMPath]
    let exclude: [SCIMPath]

    public static let all = SCIMProjection(include: [], exclude: [])

    /// From the query parameters (comma-separated paths). Throws `invalidPath`.
    public init(attributes: String?, excludedAttributes: String?) throws(SCIMError) {
        func paths(_ text: String?) throws(SCIMError) -> [SCIMPath] {
            guard let text else { return [] }
            var out: [SCIMPath] = []
            for part in text.split(separator: ",") {
                let trimmed = part.trimmingCharacters(in: " ")
                if trimmed.isEmpty { continue }
                do { out.append(try SCIMPath.attributePath(trimmed)) } catch { throw .invalidPath("\(JSONWriter.quoted(trimmed)) is not an attribute path") }
            }
            return out
        }
        include = try paths(attributes)
        exclude = try paths(excludedAttributes)
    }

    init(include: [SCIMPath], exclude: [SCIMPath]) {
        self.include = include
        self.exclude = exclude
    }

    static let always: Set<String> = ["id", "schemas"]

    public func apply(_ resource: JSONObject) -> JSONObject {
        var out = resource
        if !include.isEmpty {
            out = [:]
            for key in Self.always { out[key] = resource[key] }
            for path in include {
                let (key, sub) = Self.location(path)
                guard let value = resource.first(where: { $0.key.lowercased() == key.lowercased() }) else { continue }
                if let sub {
                    let kept = Self.keep(sub, of: value.value)
                    if let existing = out[value.key], case .object(var merged) = existing, case .object(let more)? = kept {
                        for (k, v) in more { merged[k] = v }
                        out[value.key] = .object(merged)
                    } else if out[value.key] == nil {
                        out[value.key] = kept
                    }
                } else {
                    out[value.key] = value.value
                }
            }
        }
        for path in exclude {
            let (key, sub) = Self.location(path)
            guard let found = out.keys.first(where: { $0.lowercased() == key.lowercased() }), !Self.always.contains(found) else { continue }
            if let sub, case .object(var inner)? = out[found] {
                if let k = inner.keys.first(where: { $0.lowercased() == sub.lowercased() }) { inner[k] = nil }
                out[found] = .object(inner)
            } else if sub == nil {
                out[found] = nil
            }
        }
        return out
    }

    /// The top-level key and the sub-key within it.
    static func location(_ path: SCIMPath) -> (String, String?) {
        if let schema = path.schema,
           schema.lowercased() != SCIMSchema.userURN.lowercased(), schema.lowercased() != SCIMSchema.groupURN.lowercased() {
            return (schema, path.attribute)
        }
        return (path.attribute, path.subAttribute)
    }

    static func keep(_ sub: String, of value: JSONValue) -> JSONValue? {
        switch value {
        case .object(let o):
            guard let k = o.keys.first(where: { $0.lowercased() == sub.lowercased() }) else { return nil }
            return .object([k: o[k]!])
        case .array(let items):
            return .array(items.compactMap { keep(sub, of: $0) })
        default:
            return nil
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
