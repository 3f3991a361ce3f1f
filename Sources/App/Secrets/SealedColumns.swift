public import Crypto
public import Store

/// Sealing and opening the values kept at a `SealedLocation` (Store lists the locations and
/// the context convention `<table>/<row id>/<column or JSON key>`). Code that writes one of
/// those columns seals through `seal(_:with:at:rowID:field:)` below, before it hands the value
/// to a store, and `gatehouse secrets rotate-master-key` walks exactly `SealedLocation.all`.
public enum SealedColumns {
    public static let signingKeyPrivateKey = SealedLocation.signingKeyPrivateKey
    public static let providerSecrets = SealedLocation.providerSecrets
    public static let sourceSecrets = SealedLocation.sourceSecrets
    public static let totpSecret = SealedLocation.totpSecret

    /// Seals `plaintext` for `location` in row `rowID` (under JSON key `field` for a jsonb object).
    public static func seal(_ plaintext: String, with sealer: SecretSealer, at location: SealedLocation,
                            rowID: String, field: String? = nil) -> String {
        sealer.seal(plaintext, context: location.context(rowID: rowID, field: field))
    }

    /// Opens a value read from `location` in row `rowID`.
    public static func open(_ sealed: String, with sealer: SecretSealer, at location: SealedLocation,
                            rowID: String, field: String? = nil) throws(SecretSealerError) -> String {
        try sealer.openString(sealed, context: location.context(rowID: rowID, field: field))
    }
}
