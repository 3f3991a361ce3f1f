import Foundation

/// Upstream documents (discovery, JWKS, token responses, ID token payloads, Graph) as plain
/// JSON objects. Anything that is not a JSON object is refused with `error`.
enum UpstreamJSON {
    static let maximumBytes = 1 << 20

    static func object(_ bytes: [UInt8], or error: FederationError) throws(FederationError) -> [String: Any] {
        guard bytes.count <= maximumBytes,
              let value = try? JSONSerialization.jsonObject(with: Data(bytes)),
              let object = value as? [String: Any] else { throw error }
        return object
    }

    static func string(_ object: [String: Any], _ key: String) -> String? {
        guard let value = object[key] as? String, !value.isEmpty else { return nil }
        return value
    }

    /// A NumericDate (seconds).
    static func seconds(_ object: [String: Any], _ key: String) -> Int64? {
        if let number = object[key] as? NSNumber { return number.int64Value }
        return nil
    }

    static func bool(_ object: [String: Any], _ key: String) -> Bool? {
        if let text = object[key] as? String { return text == "true" ? true : text == "false" ? false : nil }
        return object[key] as? Bool
    }

    static func strings(_ object: [String: Any], _ key: String) -> [String] {
        if let list = object[key] as? [Any] { return list.compactMap { $0 as? String } }
        if let one = object[key] as? String { return [one] }
        return []
    }
}
