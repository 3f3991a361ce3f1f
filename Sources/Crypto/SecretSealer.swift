/// Seals stored secrets (client secrets, TOTP seeds, signing keys, ...) with AES-256-GCM under
/// a key derived from the master key (`GATEHOUSE_SECRET_KEY`).
///
/// A sealed value is one line of ASCII, safe for a TEXT column:
///
///     gh1.<key id>.<base64url(12-byte nonce)>.<base64url(ciphertext ‖ 16-byte tag)>
///
/// - `gh1` names this format (version 1).
/// - The key id is the first 8 hex digits of HMAC-SHA256(master key, "gatehouse key id v1"),
///   so every value says which master key sealed it and old keys can be rotated out.
/// - The AES key is HKDF-SHA256(master key, info: "gatehouse secret sealing v1 aes-256-gcm");
///   the master key itself never touches AES.
/// - The caller's `context` (for example "oauth2-provider/ar-aging/client_secret") is bound as
///   associated data together with the version and key id: a value copied to another column
///   or row does not open.
/// - Every seal draws a fresh random 96-bit nonce. With random nonces one key should seal no
///   more than about 2^32 values; rotate the master key long before that.
public struct SecretSealer: Sendable {
    /// Master keys shorter than this are refused.
    public static let minimumMasterKeyLength = 32
    /// Largest plaintext `seal` accepts (its envelope stays under the 1 MiB `open` reads).
    public static let maximumPlaintextLength = 256 * 1024

    static let version = "gh1"
    static let keyIDLabel = Array("gatehouse key id v1".utf8)
    static let dataKeyInfo = Array("gatehouse secret sealing v1 aes-256-gcm".utf8)

    /// One master key, reduced to its id and derived AES key.
    struct Key: Sendable {
        let id: String
        let dataKey: [UInt8]

        init(masterKey: [UInt8]) throws(SecretSealerError) {
            guard masterKey.count >= SecretSealer.minimumMasterKeyLength else {
                throw .invalidMasterKey
            }
            id = SecretSealer.keyID(forMasterKey: masterKey)
            dataKey = HKDF.sha256(ikm: masterKey, info: SecretSealer.dataKeyInfo, length: AESGCM.keyLength)
        }
    }

    let current: Key
    let keys: [String: Key]

    /// `currentMasterKey` seals; it and every key in `previousMasterKeys` open. Throws
    /// `invalidMasterKey` for a key shorter than 32 bytes and `duplicateKeyID` when two keys
    /// share an id (the same key given twice, or a 32-bit id collision).
    public init(currentMasterKey: [UInt8], previousMasterKeys: [[UInt8]] = []) throws(SecretSealerError) {
        let current = try Key(masterKey: currentMasterKey)
        var keys = [current.id: current]
        for masterKey in previousMasterKeys {
            let key = try Key(masterKey: masterKey)
            guard keys[key.id] == nil else { throw .duplicateKeyID(key.id) }
            keys[key.id] = key
        }
        self.current = current
        self.keys = keys
    }

    /// The key id of the current master key (the one `seal` uses).
    public var currentKeyID: String { current.id }

    /// Ids of the previous keys this sealer still opens, sorted.
    public var previousKeyIDs: [String] { keys.keys.filter { $0 != current.id }.sorted() }

    /// First 8 hex digits of HMAC-SHA256(masterKey, "gatehouse key id v1").
    public static func keyID(forMasterKey masterKey: [UInt8]) -> String {
        String(Hex.encode(HMAC.sha256(key: masterKey, message: keyIDLabel)).prefix(8))
    }

    /// Seals `plaintext` under the current key, bound to `context`. Precondition: at most
    /// `maximumPlaintextLength` bytes (secrets are small; a bigger one is a programming error).
    public func seal(_ plaintext: [UInt8], context: String) -> String {
        precondition(plaintext.count <= Self.maximumPlaintextLength, "secret too large to seal")
        let nonce = SecureRandom.bytes(AESGCM.nonceLength)
        let body = AESGCM.seal(plaintext, key: current.dataKey, nonce: nonce,
                               aad: Self.associatedData(keyID: current.id, context: context))
        return "\(Self.version).\(current.id).\(Base64URL.encode(nonce)).\(Base64URL.encode(body))"
    }

    /// Seals the UTF-8 bytes of `plaintext`.
    public func seal(_ plaintext: String, context: String) -> String {
        seal(Array(plaintext.utf8), context: context)
    }

    /// Opens a value sealed by this or a previous master key under the same `context`.
    public func open(_ sealed: String, context: String) throws(SecretSealerError) -> [UInt8] {
        let envelope = try Envelope(parsing: sealed)
        guard let key = keys[envelope.keyID] else { throw .unknownKey(id: envelope.keyID) }
        guard let plaintext = AESGCM.open(envelope.body, key: key.dataKey, nonce: envelope.nonce,
                                          aad: Self.associatedData(keyID: envelope.keyID, context: context))
        else { throw .authenticationFailed }
        return plaintext
    }

    /// Opens a value and decodes it as UTF-8 (`malformedPlaintext` when it is not).
    public func openString(_ sealed: String, context: String) throws(SecretSealerError) -> String {
        var bytes = try open(sealed, context: context)
        defer { AESGCM.wipe(&bytes) }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw .malformedPlaintext }
        return string
    }

    /// True when `sealed` is a well-formed envelope under a key other than the current one
    /// (whether or not this sealer knows that key). Malformed values are false: there is
    /// nothing to reseal.
    public func needsResealing(_ sealed: String) -> Bool {
        guard let envelope = try? Envelope(parsing: sealed) else { return false }
        return envelope.keyID != current.id
    }

    /// Opens `sealed` and seals its plaintext again under the current key with a new nonce.
    public func reseal(_ sealed: String, context: String) throws(SecretSealerError) -> String {
        var plaintext = try open(sealed, context: context)
        defer { AESGCM.wipe(&plaintext) }
        return seal(plaintext, context: context)
    }

    /// Version and key id are authenticated with the context, so none of them can be swapped.
    static func associatedData(keyID: String, context: String) -> [UInt8] {
        Array("\(version).\(keyID).".utf8) + Array(context.utf8)
    }

    /// A parsed `gh1.<id>.<nonce>.<body>`.
    struct Envelope {
        let keyID: String
        let nonce: [UInt8]
        let body: [UInt8]

        init(parsing sealed: String) throws(SecretSealerError) {
            // A sealed secret bigger than 1 MiB is not something we wrote.
            guard sealed.utf8.count <= 1 << 20 else { throw .malformedEnvelope }
            let parts = sealed.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            guard parts.count == 4, parts[0] == SecretSealer.version else { throw .malformedEnvelope }
            let id = parts[1]
            guard id.utf8.count == 8,
                  id.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                                       || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
            else { throw .malformedEnvelope }
            guard let nonce = Base64URL.decode(parts[2]), nonce.count == AESGCM.nonceLength,
                  let body = Base64URL.decode(parts[3]), body.count >= AESGCM.tagLength
            else { throw .malformedEnvelope }
            keyID = id
            self.nonce = nonce
            self.body = body
        }
    }
}

extension SecretSealer: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Key ids only; derived key bytes never appear in logs, dumps or `print`.
    public var description: String {
        "SecretSealer(current: \(current.id), previous: \(previousKeyIDs))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["currentKeyID": current.id, "previousKeyIDs": previousKeyIDs])
    }
}

/// Why a sealed secret could not be opened or a sealer not built. Descriptions name the
/// failure and at most a key id (which the envelope shows anyway), never key bytes or plaintext.
public enum SecretSealerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a `gh1.<id>.<nonce>.<body>` value.
    case malformedEnvelope
    /// Sealed under a master key this sealer does not hold.
    case unknownKey(id: String)
    /// Wrong key, wrong context, or the value was altered.
    case authenticationFailed
    /// Opened, but the plaintext is not UTF-8 (`openString` only).
    case malformedPlaintext
    /// A master key shorter than `SecretSealer.minimumMasterKeyLength`.
    case invalidMasterKey
    /// Two master keys with the same id.
    case duplicateKeyID(String)

    public var description: String {
        switch self {
        case .malformedEnvelope: return "sealed secret is malformed"
        case .unknownKey(let id): return "sealed secret uses unknown master key \(id)"
        case .authenticationFailed: return "sealed secret failed authentication (wrong key or context, or altered)"
        case .malformedPlaintext: return "sealed secret is not UTF-8 text"
        case .invalidMasterKey: return "master key must be at least \(SecretSealer.minimumMasterKeyLength) bytes"
        case .duplicateKeyID(let id): return "two master keys share key id \(id)"
        }
    }
}
