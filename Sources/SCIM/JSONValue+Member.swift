import JSON

extension JSONValue {
    /// The member `key` of an object, matched case-insensitively (SCIM attribute names are):
    /// the exact name first, then the first member in document order whose name matches.
    public func member(_ key: String) -> JSONValue? {
        guard case .object(let o) = self else { return nil }
        if let exact = o[key] { return exact }
        let lower = key.lowercased()
        return o.first { $0.key.lowercased() == lower }?.value
    }
}
