import Identity

/// Names a provisioning source sends for users and groups become `preferred_username` and
/// `groups` claims that applications trust: they follow Identity's `NameRules` (NFKC, trimmed,
/// no invisible characters, no Latin/Cyrillic/Greek mixtures), the same as upstream group
/// names. Case-insensitive uniqueness is the store's job (`ProvisioningStore`).
enum SCIMNames {
    static func normalized(_ raw: String, attribute: String) throws(SCIMError) -> String {
        do {
            return try NameRules.normalized(raw)
        } catch .empty {
            throw .invalidValue("\(attribute) is required")
        } catch {
            throw .invalidValue("\(attribute) \(error)")
        }
    }
}
