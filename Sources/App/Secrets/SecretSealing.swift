public import Crypto

extension GatehouseConfig {
    /// The sealer for stored secrets: `GATEHOUSE_SECRET_KEY` seals (and opens), every key in
    /// `GATEHOUSE_SECRET_KEY_PREVIOUS` only opens. Throws a one-line `ConfigError` when the
    /// current key is unset or two keys share a key id.
    public func secretSealer() throws(ConfigError) -> SecretSealer {
        guard let current = secretKey else {
            throw ConfigError(key: ConfigKey.secretKey, problem: "is required; generate one with: gatehouse secrets generate-key")
        }
        do {
            return try SecretSealer(currentMasterKey: current.bytes, previousMasterKeys: secretKeyPrevious.map(\.bytes))
        } catch {
            throw ConfigError(key: ConfigKey.secretKeyPrevious, problem: "\(error) (values not shown)")
        }
    }
}
