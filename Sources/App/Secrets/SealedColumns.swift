public import Crypto

/// Where sealed secrets live in the database, and the context each one is sealed under.
///
/// The context convention is `<table>/<row id>/<column or JSON key>`:
///
/// - a text column holding one sealed value: `signing_keys/<id>/private_key_sealed`;
/// - a jsonb object of sealed strings: the object's key, not the column name:
///   `providers/<id>/client_secret`, `sources/<id>/bind_password`.
///
/// The row id is the primary key as PostgreSQL prints it (a lower-case uuid). The context is
/// bound into the seal as associated data, so a value copied to another row, column or key
/// does not open. Code that writes one of these columns seals through `seal(_:_:)` below, and
/// `gatehouse secrets rotate-master-key` walks exactly the locations listed in `all`.
public enum SealedColumns {
    /// One place sealed values are kept.
    public struct Location: Sendable, Equatable, CustomStringConvertible {
        public enum Shape: Sendable, Equatable {
            /// A text column whose value is one sealed envelope.
            case text
            /// A jsonb object whose string values are sealed envelopes (other values are skipped).
            case jsonObject
        }

        public let table: String
        public let column: String
        public let shape: Shape

        public var description: String { "\(table).\(column)" }

        /// The context for the value in row `rowID`: `field` is the JSON key for a
        /// `.jsonObject` location and ignored (the column name is used) for `.text`.
        public func context(rowID: String, field: String? = nil) -> String {
            SealedColumns.context(table: table, rowID: rowID, field: shape == .text ? column : (field ?? column))
        }
    }

    public static let signingKeyPrivateKey = Location(table: "signing_keys", column: "private_key_sealed", shape: .text)
    public static let providerSecrets = Location(table: "providers", column: "secrets", shape: .jsonObject)
    public static let sourceSecrets = Location(table: "sources", column: "secrets", shape: .jsonObject)
    public static let totpSecret = Location(table: "totp_devices", column: "secret_sealed", shape: .text)

    /// Every location that holds sealed values (the rotation walks these, in this order).
    public static let all: [Location] = [signingKeyPrivateKey, providerSecrets, sourceSecrets, totpSecret]

    /// `<table>/<row id>/<column or JSON key>`.
    public static func context(table: String, rowID: String, field: String) -> String {
        "\(table)/\(rowID.lowercased())/\(field)"
    }

    /// Seals `plaintext` for `location` in row `rowID` (under JSON key `field` for a jsonb object).
    public static func seal(_ plaintext: String, with sealer: SecretSealer, at location: Location,
                            rowID: String, field: String? = nil) -> String {
        sealer.seal(plaintext, context: location.context(rowID: rowID, field: field))
    }

    /// Opens a value read from `location` in row `rowID`.
    public static func open(_ sealed: String, with sealer: SecretSealer, at location: Location,
                            rowID: String, field: String? = nil) throws(SecretSealerError) -> String {
        try sealer.openString(sealed, context: location.context(rowID: rowID, field: field))
    }
}
