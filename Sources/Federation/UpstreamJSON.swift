import JSON

/// Upstream documents (discovery, JWKS, token responses, ID token payloads, Graph) as JSON
/// objects, read by the JSON room's strict reader: anything that is not one valid JSON object
/// (a duplicate member, a lone surrogate, invalid UTF-8, nesting deeper than 64, a number
/// beyond `Double`) is refused with `error`.
enum UpstreamJSON {
    static let maximumBytes = 1 << 20

    /// `bytes` as one JSON object; otherwise `failure("\(what) is not valid JSON (why)")` or
    /// `failure("\(what) is not a JSON object")` is thrown.
    static func object(_ bytes: [UInt8], what: String, or failure: (String) -> FederationError) throws(FederationError) -> JSONObject {
        // RFC 8259 §8.1 lets a reader ignore a byte-order mark; some Windows-hosted discovery
        // documents may carry one.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes[3...] : bytes[...]
        do {
            return try JSONObject(parsing: body, limits: JSONLimits(maxBytes: maximumBytes))
        } catch {
            if error.reason == .notAnObject { throw failure("\(what) is not a JSON object") }
            throw failure("\(what) is not valid JSON (\(error.reason.text))")
        }
    }

    static func string(_ object: JSONObject, _ key: String) -> String? {
        guard let value = object[key]?.stringValue, !value.isEmpty else { return nil }
        return value
    }

    /// A NumericDate (seconds; RFC 7519 allows a fraction, which is dropped).
    static func seconds(_ object: JSONObject, _ key: String) -> Int64? {
        guard let number = object[key]?.numberValue else { return nil }
        if let whole = number.int64Value { return whole }
        let value = number.doubleValue
        guard value.isFinite else { return nil }
        return Int64(exactly: value.rounded(.down))
    }

    /// A boolean, or the strings `"true"` and `"false"` (some providers send those).
    static func bool(_ object: JSONObject, _ key: String) -> Bool? {
        switch object[key] {
        case .bool(let b)?: return b
        case .string("true")?: return true
        case .string("false")?: return false
        default: return nil
        }
    }

    /// A list of strings (other entries skipped), or one string as a list of one.
    static func strings(_ object: JSONObject, _ key: String) -> [String] {
        switch object[key] {
        case .array(let items)?: return items.compactMap(\.stringValue)
        case .string(let one)?: return [one]
        default: return []
        }
    }
}
