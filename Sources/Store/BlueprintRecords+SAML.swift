// The SAML provider's configuration as blueprints write it: `providers` of kind `saml`, whose
// settings are a JSON object (certificates included: they are public), and the lookup of a
// provider of any kind by name (names are unique across kinds).

/// A `saml-provider` as stored.
public struct StoredSAMLProvider: Sendable, Hashable {
    public let id: String
    public let name: String
    /// The blueprint attributes under their names, and `from_metadata`.
    public var config: JSONText

    public init(id: String, name: String, config: JSONText) {
        self.id = id
        self.name = name
        self.config = config
    }
}

public protocol SAMLProviderRecords {
    func samlProvider(named name: String) throws(StoreError) -> StoredSAMLProvider?
    /// The kind (`oauth2`, `saml`, …) of the provider named `name`, nil when there is none.
    func providerKind(named name: String) throws(StoreError) -> String?
    /// The id of the provider named `name`, of any kind.
    func providerID(named name: String) throws(StoreError) -> String?
    func createSAMLProvider(name: String, config: JSONText) throws(StoreError)
    func updateSAMLProvider(id: String, config: JSONText) throws(StoreError)
    /// Its application stays, without a provider. False when there was none.
    func deleteSAMLProvider(named name: String) throws(StoreError) -> Bool
}
