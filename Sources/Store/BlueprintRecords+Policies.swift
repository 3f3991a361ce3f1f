/// An access policy as stored: its kind and the other fields as a JSON object.
public struct StoredPolicy: Sendable, Hashable {
    public let name: String
    public var kind: String
    public var config: JSONText

    public init(name: String, kind: String, config: JSONText) {
        self.name = name
        self.kind = kind
        self.config = config
    }
}

public protocol PolicyRecords {
    func policy(named name: String) throws(StoreError) -> StoredPolicy?
    func createPolicy(_ policy: StoredPolicy) throws(StoreError)
    /// Writes the kind and config of the policy of that name.
    func updatePolicy(_ policy: StoredPolicy) throws(StoreError)
    /// The slugs of the applications that bind the policy, sorted.
    func applicationSlugs(binding name: String) throws(StoreError) -> [String]
    /// False when there was none.
    func deletePolicy(named name: String) throws(StoreError) -> Bool
}
