import Dispatch
public import Crypto
public import Logging
public import Store

/// Gatehouse's own JWT signing keys, kept in a `SigningKeyStore` (on PostgreSQL: `PostgresSigningKeyStore`).
///
/// - One current key per algorithm (`rotated_at IS NULL`) signs; `ensureKeys()` makes any that
///   is missing at server start, `rotate(_:)` (`gatehouse keys rotate`) replaces one.
/// - Private keys are PKCS#8 PEM sealed with the master key under the context
///   `signing_keys/<id>/private_key_sealed` (`SealedColumns.signingKeyPrivateKey`), so
///   `gatehouse secrets rotate-master-key` reseals them with everything else.
/// - A rotated key keeps verifying, and stays in the JWKS, for `retention` after its
///   `rotated_at`; then it is left out (its row stays in the table, harmless and auditable).
/// - Keys live in memory: signing never touches the database. Other nodes' rotations are seen
///   by a background reload once the loaded set is older than `reloadInterval`, and at once
///   (at most every `unknownKeyReloadInterval`) when `verify` meets a kid it does not know.
/// - Between a rotation and the next reload of a node (at most `reloadInterval`), that node
///   still signs with the old key, which every node keeps verifying: nothing breaks.
public final class SigningKeyRing: JWTKeyRing, Sendable {
    /// 30 days and an hour: the longest token lifetime we expect, plus margin. Servers pass
    /// their own (the longest lifetime of a token these keys sign, plus clock skew).
    public static let defaultRetention: Duration = .seconds(30 * 86_400 + 3_600)
    public let store: any SigningKeyStore
    public let sealer: SecretSealer
    public let retention: Duration
    public let reloadInterval: Duration
    public let unknownKeyReloadInterval: Duration
    let logger: Logger

    /// What `sign`, `verify` and `jwksJSON` read: replaced whole by each reload.
    struct Snapshot: Sendable {
        var current: [JWSAlgorithm: SigningKey] = [:]
        var verifying: [String: PublicKey] = [:]
        var jwks: [UInt8] = Array("{\"keys\":[]}".utf8)
        /// The same, one set per algorithm (an application's JWKS lists its own algorithm only).
        var jwksByAlgorithm: [JWSAlgorithm: [UInt8]] = [:]
    }

    struct State: Sendable {
        var snapshot = Snapshot()
        var loadedAt: ContinuousClock.Instant?
        var reloading = false
        var lastUnknownKeyReload: ContinuousClock.Instant?
    }

    let state = Locked(State())

    public init(store: any SigningKeyStore, sealer: SecretSealer, retention: Duration = SigningKeyRing.defaultRetention,
                reloadInterval: Duration = .seconds(60), unknownKeyReloadInterval: Duration = .seconds(5),
                logger: Logger = Logger(label: "gatehouse.signing-keys")) {
        self.store = store
        self.sealer = sealer
        self.retention = retention
        self.reloadInterval = reloadInterval
        self.unknownKeyReloadInterval = unknownKeyReloadInterval
        self.logger = logger
    }

    // MARK: Start, rotate, list

    /// Makes a current key for every algorithm in `algorithms` that has none, then loads the
    /// ring. Call once at server start, after migrations and before serving. Safe when several
    /// nodes start at once: the check and the insert run under the store's lock, so each
    /// algorithm gets exactly one key. Returns the keys it created (usually none).
    @discardableResult
    public func ensureKeys(_ algorithms: [JWSAlgorithm] = JWSAlgorithm.allCases) throws(SigningKeyRingError) -> [SigningKeyInfo] {
        let created: [SigningKeyInfo] = try database("creating signing keys") {
            try store.withSigningKeyLock { changes in
                let present = try changes.currentAlgorithms()
                var created: [SigningKeyInfo] = []
                for algorithm in algorithms where !present.contains(algorithm.rawValue) {
                    created.append(try insertNewKey(algorithm, with: changes))
                }
                return created
            }
        }
        for key in created { logger.info("created signing key", metadata: ["kid": "\(key.kid)", "algorithm": "\(key.algorithm)"]) }
        try reload()
        return created
    }

    /// Makes a new current key for `algorithm` and marks the previous one rotated now (it keeps
    /// verifying for `retention`). Returns the new key.
    @discardableResult
    public func rotate(_ algorithm: JWSAlgorithm) throws(SigningKeyRingError) -> SigningKeyInfo {
        let created: SigningKeyInfo = try database("rotating the \(algorithm.rawValue) key") {
            try store.withSigningKeyLock { changes in
                try changes.retireCurrentKey(algorithm: algorithm.rawValue)
                return try insertNewKey(algorithm, with: changes)
            }
        }
        logger.info("rotated signing key", metadata: ["kid": "\(created.kid)", "algorithm": "\(created.algorithm)"])
        // A ring that serves picks the new key up now; one only rotating (the CLI) never loaded.
        if state.withLock({ $0.loadedAt != nil }) { try reload() }
        return created
    }

    /// Every key in `store`, newest first, without any key material.
    public static func list(store: any SigningKeyStore) throws(SigningKeyRingError) -> [SigningKeyInfo] {
        try database("listing signing keys") { try store.signingKeyList() }
    }

    /// Generates a key and inserts it as current. The row id is drawn first: the seal is bound to it.
    private func insertNewKey(_ algorithm: JWSAlgorithm, with changes: any SigningKeyChanges) throws -> SigningKeyInfo {
        let key = try SigningKey.generate(algorithm)
        let id = try changes.newKeyID()
        let sealed = SealedColumns.seal(try key.pkcs8PEM(), with: sealer, at: SealedColumns.signingKeyPrivateKey, rowID: id)
        return try changes.insertCurrentKey(id: id, kid: key.kid, algorithm: algorithm.rawValue, publicJWK: key.publicJWK,
                                            sealedPrivateKey: sealed)
    }

    // MARK: Loading

    /// Reads the current and retained keys from the store and swaps them in. Throws (and
    /// keeps the keys it had) when a current key cannot be opened or the database fails.
    public func reload() throws(SigningKeyRingError) {
        let snapshot = try load()
        state.withLock {
            $0.snapshot = snapshot
            $0.loadedAt = .now
        }
    }

    private func load() throws(SigningKeyRingError) -> Snapshot {
        let retentionSeconds = max(0, retention.components.seconds)
        let stored = try database("loading signing keys") { try store.signingKeys(retainedFor: retentionSeconds) }
        var snapshot = Snapshot()
        var jwks: [(JWSAlgorithm, String)] = []
        for row in stored {
            let kid = row.kid
            guard let algorithm = JWSAlgorithm(rawValue: row.algorithm) else {
                logger.warning("signing key with an unknown algorithm ignored",
                               metadata: ["kid": "\(kid)", "algorithm": "\(row.algorithm)"])
                continue
            }
            let publicKey: PublicKey
            if row.isCurrent && snapshot.current[algorithm] == nil {
                // The key that signs: open the private half (and fail loudly when we cannot).
                let key: SigningKey
                do {
                    let pem = try SealedColumns.open(row.sealedPrivateKey, with: sealer,
                                                     at: SealedColumns.signingKeyPrivateKey, rowID: row.id)
                    key = try SigningKey(pem: pem, algorithm: algorithm)
                } catch {
                    throw .unreadableKey(kid: kid, problem: "\(error)")
                }
                guard key.kid == kid else { throw .unreadableKey(kid: kid, problem: "private key does not match the kid") }
                snapshot.current[algorithm] = key
                publicKey = key.publicKey
            } else {
                // A key that only verifies: its public JWK is enough.
                do {
                    publicKey = try PublicKey(jwkJSON: Array(row.publicJWK.utf8))
                } catch {
                    logger.warning("retained signing key ignored", metadata: ["kid": "\(kid)", "error": "\(error)"])
                    continue
                }
                guard publicKey.thumbprint == kid, publicKey.algorithm == algorithm else {
                    logger.warning("retained signing key ignored: JWK does not match kid or algorithm", metadata: ["kid": "\(kid)"])
                    continue
                }
            }
            guard snapshot.verifying[kid] == nil else { continue }
            snapshot.verifying[kid] = publicKey
            jwks.append((algorithm, publicKey.jwkJSON(keyID: kid)))
        }
        func set(_ keys: [String]) -> [UInt8] { Array("{\"keys\":[\(keys.joined(separator: ","))]}".utf8) }
        snapshot.jwks = set(jwks.map(\.1))
        for algorithm in JWSAlgorithm.allCases {
            snapshot.jwksByAlgorithm[algorithm] = set(jwks.filter { $0.0 == algorithm }.map(\.1))
        }
        return snapshot
    }

    /// The loaded keys; starts a background reload when they are older than `reloadInterval`.
    private func snapshot() -> Snapshot {
        let (snapshot, stale) = state.withLock { state -> (Snapshot, Bool) in
            guard let loadedAt = state.loadedAt, !state.reloading,
                  loadedAt.duration(to: .now) >= reloadInterval else { return (state.snapshot, false) }
            state.reloading = true
            return (state.snapshot, true)
        }
        if stale {
            DispatchQueue.global(qos: .utility).async { [self] in
                defer { state.withLock { $0.reloading = false } }
                do { try reload() } catch {
                    logger.warning("could not reload signing keys; keeping the loaded ones", metadata: ["error": "\(error)"])
                }
            }
        }
        return snapshot
    }

    /// The key that signs now for `algorithm` (SAML signs with the same key pairs; see `SAMLKeyRing`).
    public func currentKey(_ algorithm: JWSAlgorithm) -> SigningKey? { snapshot().current[algorithm] }

    // MARK: JWTKeyRing

    public func sign(payloadJSON: [UInt8], algorithm: JWSAlgorithm, type: String?) throws(JOSEError) -> String {
        guard let key = snapshot().current[algorithm] else { throw .unknownKey("no current \(algorithm.rawValue) key") }
        return try JWS.sign(payloadJSON: payloadJSON, key: key, type: type)
    }

    public func verify(_ compact: String) throws(JOSEError) -> VerifiedJWS {
        let token = try JWS.parse(compact)
        guard let kid = token.keyID else { throw .unknownKey("(no kid)") }
        guard let key = snapshot().verifying[kid] ?? reloadForUnknown(kid) else { throw .unknownKey(kid) }
        return try JWS.verify(token, key: key, allowed: [key.algorithm])
    }

    public func jwksJSON() -> [UInt8] { snapshot().jwks }

    public func jwksJSON(for algorithm: JWSAlgorithm) -> [UInt8] {
        snapshot().jwksByAlgorithm[algorithm] ?? Array("{\"keys\":[]}".utf8)
    }

    /// Another node may have made this key since we loaded: reload now, unless we did so
    /// within `unknownKeyReloadInterval` (so a flood of made-up kids cannot flood PostgreSQL).
    private func reloadForUnknown(_ kid: String) -> PublicKey? {
        // Our kids are SHA-256 thumbprints: 43 base64url characters.
        guard kid.utf8.count == 43, Base64URL.decode(kid)?.count == 32 else { return nil }
        let due = state.withLock { state -> Bool in
            if let last = state.lastUnknownKeyReload, last.duration(to: .now) < unknownKeyReloadInterval { return false }
            state.lastUnknownKeyReload = .now
            return true
        }
        guard due else { return nil }
        do { try reload() } catch {
            logger.warning("could not reload signing keys for an unknown kid", metadata: ["error": "\(error)"])
            return nil
        }
        return state.withLock { $0.snapshot.verifying[kid] }
    }

    private static func database<T>(_ what: String, _ body: () throws -> T) throws(SigningKeyRingError) -> T {
        do { return try body() } catch let error as SigningKeyRingError {
            throw error
        } catch let error as JOSEError {
            throw .crypto("\(what): \(error)")
        } catch {
            throw .database("\(what): \(error)")
        }
    }

    private func database<T>(_ what: String, _ body: () throws -> T) throws(SigningKeyRingError) -> T {
        try Self.database(what, body)
    }
}

public enum SigningKeyRingError: Error, Sendable, Equatable, CustomStringConvertible {
    case database(String)
    /// A current key that cannot be opened (wrong master key, altered row) or does not match its kid.
    case unreadableKey(kid: String, problem: String)
    case crypto(String)

    public var description: String {
        switch self {
        case .database(let why): return "signing keys: \(why)"
        case .unreadableKey(let kid, let problem): return "signing key \(kid) cannot be used: \(problem)"
        case .crypto(let why): return "signing keys: \(why)"
        }
    }
}
