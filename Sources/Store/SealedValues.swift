/// Where secrets sealed with the master key are kept, and the context each is sealed under.
///
/// The context convention is `<table>/<row id>/<column or JSON key>`:
///
/// - a text column holding one sealed value: `signing_keys/<id>/private_key_sealed`;
/// - a jsonb object of sealed strings: the object's key, not the column name:
///   `providers/<id>/client_secret`, `sources/<id>/bind_password`.
///
/// The row id is the primary key as PostgreSQL prints it (a lower-case uuid). The context is
/// bound into the seal as associated data, so a value copied to another row, column or key
/// does not open. Only the locations below exist (the initializer is internal), so a store
/// may build statements from their names.
public struct SealedLocation: Sendable, Hashable, CustomStringConvertible {
    public enum Shape: Sendable, Hashable {
        /// A text column whose value is one sealed envelope.
        case text
        /// A jsonb object whose string values are sealed envelopes (other values are skipped).
        case jsonObject
    }

    public let table: String
    public let column: String
    public let shape: Shape

    init(table: String, column: String, shape: Shape) {
        self.table = table
        self.column = column
        self.shape = shape
    }

    public var description: String { "\(table).\(column)" }

    /// The context for the value in row `rowID`: `field` is the JSON key for a `.jsonObject`
    /// location and ignored (the column name is used) for `.text`.
    public func context(rowID: String, field: String? = nil) -> String {
        Self.context(table: table, rowID: rowID, field: shape == .text ? column : (field ?? column))
    }

    /// `<table>/<row id>/<column or JSON key>`.
    public static func context(table: String, rowID: String, field: String) -> String {
        "\(table)/\(rowID.lowercased())/\(field)"
    }

    public static let signingKeyPrivateKey = SealedLocation(table: "signing_keys", column: "private_key_sealed", shape: .text)
    public static let providerSecrets = SealedLocation(table: "providers", column: "secrets", shape: .jsonObject)
    public static let sourceSecrets = SealedLocation(table: "sources", column: "secrets", shape: .jsonObject)
    public static let totpSecret = SealedLocation(table: "totp_devices", column: "secret_sealed", shape: .text)

    /// Every location that holds sealed values (the master key rotation walks these, in this order).
    public static let all: [SealedLocation] = [signingKeyPrivateKey, providerSecrets, sourceSecrets, totpSecret]
}

/// One sealed value as stored.
public struct SealedValue: Sendable, Hashable {
    public let rowID: String
    /// The JSON key for a `.jsonObject` location; nil for a text column.
    public let field: String?
    public let sealed: String

    public init(rowID: String, field: String?, sealed: String) {
        self.rowID = rowID
        self.field = field
        self.sealed = sealed
    }
}

/// The rows of one location, read in batches, in primary-key order; for the master key rotation.
public protocol SealedValueStore: Sendable {
    /// In one transaction: reads the sealed values of up to `limit` rows of `location` after row
    /// `after` (from the start when nil), locked against concurrent writers when `lock` is true,
    /// and hands them to `body` (also when there are none) with `replace`, which stores a new
    /// sealed value in place of one read. Returns the id of the last row read, nil when there was
    /// none (a row without any sealed value still counts as read).
    func withBatch(of location: SealedLocation, after: String?, limit: Int, lock: Bool,
                   _ body: (_ values: [SealedValue], _ replace: (SealedValue, String) throws(StoreError) -> Void) throws -> Void)
        throws -> String?
}
