/// Password hashing with argon2id (libargon2), and verification of the hashes users bring
/// along: argon2id/argon2i/argon2d PHC strings, Django's `argon2$…` spelling of them, and
/// Django's `pbkdf2_sha256$…` (authentik's default).
///
/// `verify` tells the caller when a stored hash should be replaced (`needsRehash`): anything
/// that is not argon2id v1.3 with at least the current parameters. Replace it with
/// `hash(password)` right after the successful login, while the password is at hand.
///
/// Parameters read from stored hashes are bounded before any work (memory ≤ 1 GiB,
/// t ≤ 100, p ≤ 64, PBKDF2 iterations 1...10,000,000); outside the bounds the hash is
/// `.invalid` without computing, so a planted hash can't tie up the server.
///
/// Each verification allocates the stored hash's memory (19 MiB at the defaults) for its
/// duration; callers bound how many run at once.
public struct PasswordHasher: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var memoryKiB: UInt32
        public var iterations: UInt32
        public var parallelism: UInt32
        public var saltLength: Int
        public var hashLength: Int

        /// The defaults are OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
        public init(memoryKiB: UInt32 = 19_456, iterations: UInt32 = 2, parallelism: UInt32 = 1,
                    saltLength: Int = 16, hashLength: Int = 32) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
            self.saltLength = saltLength
            self.hashLength = hashLength
        }

        /// OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
        public static let owaspMinimum = Parameters()

        /// True when at least as strong as `owaspMinimum` (and a salt of 16+ bytes, a hash of
        /// 32+). Configuration should refuse anything else outside tests.
        public var meetsOWASPMinimum: Bool {
            memoryKiB >= Self.owaspMinimum.memoryKiB && iterations >= Self.owaspMinimum.iterations
                && saltLength >= 16 && hashLength >= 32
        }

        var encoded: Argon2.Encoded {
            Argon2.Encoded(variant: .id, version: Argon2.currentVersion, memoryKiB: memoryKiB, iterations: iterations,
                           parallelism: parallelism, saltLength: saltLength, hashLength: hashLength)
        }
    }

    public enum VerifyResult: Equatable, Sendable {
        /// The password matches. `needsRehash`: store `hash(password)` in place of the old hash.
        case valid(needsRehash: Bool)
        /// Wrong password, a malformed hash of a known scheme, parameters outside the bounds,
        /// or a password longer than `maximumPasswordLength`.
        case invalid
        /// A scheme we don't verify (for example `bcrypt$…`, `pbkdf2_sha1$…`, or Django's
        /// unusable-password marker `!…`). Nothing was computed: call `burnVerificationTime()`
        /// before answering if the answer must not be faster than a wrong password.
        case unsupported
    }

    /// Longer passwords are refused (hash) or invalid (verify).
    public static let maximumPasswordLength = 4096

    public let parameters: Parameters

    /// Precondition: `parameters` are within the bounds stored hashes are held to and
    /// satisfy argon2's own rules (memory ≥ 8 × parallelism, salt 8...64 bytes, hash
    /// 16...128 bytes). `meetsOWASPMinimum` is not enforced here so tests can run cheap.
    public init(parameters: Parameters = Parameters()) {
        precondition(parameters.encoded.isWithinLimits, "argon2 parameters out of range")
        self.parameters = parameters
    }

    /// A new argon2id PHC string for `password` with a fresh random salt:
    /// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    public func hash(_ password: String) throws(PasswordHashError) -> String {
        var bytes = Array(password.utf8)
        defer { AESGCM.wipe(&bytes) }
        guard bytes.count <= Self.maximumPasswordLength else { throw .passwordTooLong }
        return try Argon2.hashEncoded(password: bytes, salt: SecureRandom.bytes(parameters.saltLength),
                                      memoryKiB: parameters.memoryKiB, iterations: parameters.iterations,
                                      parallelism: parameters.parallelism, hashLength: parameters.hashLength)
    }

    /// Checks `password` against a stored hash of any supported scheme.
    public func verify(_ password: String, against encoded: String) -> VerifyResult {
        var bytes = Array(password.utf8)
        defer { AESGCM.wipe(&bytes) }

        if encoded.hasPrefix(DjangoPBKDF2.prefix) {
            guard bytes.count <= Self.maximumPasswordLength, let stored = DjangoPBKDF2(parsing: encoded) else {
                return .invalid
            }
            return stored.matches(bytes) ? .valid(needsRehash: true) : .invalid
        }

        // Django writes argon2 hashes as "argon2" followed by the PHC string.
        let isDjango = encoded.hasPrefix("argon2$argon2")
        let phc = isDjango ? String(encoded.dropFirst("argon2".count)) : encoded
        guard phc.hasPrefix("$argon2") else { return .unsupported }
        guard let stored = Argon2.Encoded(parsing: phc) else {
            // "$argon2ds$…" and other relatives are schemes we don't know, not broken hashes.
            let name = phc.dropFirst().prefix { $0 != "$" }
            return Argon2.Variant(rawValue: String(name)) == nil ? .unsupported : .invalid
        }
        guard bytes.count <= Self.maximumPasswordLength,
              Argon2.verify(encoded: phc, password: bytes, variant: stored.variant)
        else { return .invalid }
        return .valid(needsRehash: isDjango || isWeaker(stored))
    }

    /// True when a stored argon2 hash falls short of the current parameters in any way that
    /// matters: another variant or version, less memory, fewer passes, shorter salt or hash.
    func isWeaker(_ stored: Argon2.Encoded) -> Bool {
        stored.variant != .id || stored.version != Argon2.currentVersion
            || stored.memoryKiB < parameters.memoryKiB || stored.iterations < parameters.iterations
            || stored.saltLength < parameters.saltLength || stored.hashLength < parameters.hashLength
    }

    /// Spends what verifying a current-parameter hash costs, for a login whose user does not
    /// exist: the answer then takes as long as a wrong password for a real user.
    public func burnVerificationTime() {
        // A random password so no optimiser or cache can short-cut the work.
        var dummy = SecureRandom.bytes(16)
        defer { AESGCM.wipe(&dummy) }
        _ = Argon2.hashRaw(password: dummy, salt: SecureRandom.bytes(parameters.saltLength),
                           memoryKiB: parameters.memoryKiB, iterations: parameters.iterations,
                           parallelism: parameters.parallelism, length: parameters.hashLength)
    }
}

/// Why `PasswordHasher.hash` failed. Never carries the password.
public enum PasswordHashError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Longer than `PasswordHasher.maximumPasswordLength` bytes of UTF-8.
    case passwordTooLong
    /// libargon2 refused (for example ARGON2_MEMORY_ALLOCATION_ERROR); the code is libargon2's.
    case hashingFailed(code: Int32)

    public var description: String {
        switch self {
        case .passwordTooLong: return "password longer than \(PasswordHasher.maximumPasswordLength) bytes"
        case .hashingFailed(let code): return "argon2 hashing failed (libargon2 error \(code))"
        }
    }
}
