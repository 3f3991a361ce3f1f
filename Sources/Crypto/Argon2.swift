internal import CArgon2

/// Thin wrapper over libargon2 (the reference implementation) and a strict reader of the PHC
/// strings it writes. Internal: `PasswordHasher` is the API.
enum Argon2 {
    enum Variant: String, Sendable {
        case d = "argon2d", i = "argon2i", id = "argon2id"

        var type: argon2_type {
            switch self {
            case .d: return Argon2_d
            case .i: return Argon2_i
            case .id: return Argon2_id
            }
        }
    }

    /// Version 1.3 (0x13 = 19), the only one we write.
    static let currentVersion: UInt32 = 0x13

    /// Bounds for parameters we compute with, whether we chose them or read them from a
    /// stored hash. Anything outside is refused before any work is done.
    enum Limits {
        static let maxMemoryKiB: UInt32 = 1 << 20          // 1 GiB
        static let maxIterations: UInt32 = 100
        static let maxParallelism: UInt32 = 64
        static let saltLengths = 8...64
        static let hashLengths = 16...128
    }

    /// The parameters and sizes in `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    struct Encoded: Equatable, Sendable {
        var variant: Variant
        var version: UInt32
        var memoryKiB: UInt32
        var iterations: UInt32
        var parallelism: UInt32
        var saltLength: Int
        var hashLength: Int

        /// Parses the PHC form libargon2 writes; nil when malformed or outside `Limits`.
        /// `v=` may be missing (libargon2's encoding of version 1.0).
        init?(parsing string: String) {
            guard string.utf8.count <= 512 else { return nil }
            var fields = string.utf8.split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            guard fields.first == "", fields.count == 5 || fields.count == 6 else { return nil }
            fields.removeFirst()
            guard let variant = Variant(rawValue: fields.removeFirst()) else { return nil }
            var version: UInt32 = 0x10
            if fields.count == 4 {
                let v = fields.removeFirst()
                guard v.hasPrefix("v="), let parsed = Self.decimal(v.dropFirst(2)),
                      parsed == 0x10 || parsed == 0x13 else { return nil }
                version = parsed
            }
            let params = fields[0].split(separator: ",", omittingEmptySubsequences: false)
            guard params.count == 3, params[0].hasPrefix("m="), params[1].hasPrefix("t="), params[2].hasPrefix("p="),
                  let m = Self.decimal(params[0].dropFirst(2)),
                  let t = Self.decimal(params[1].dropFirst(2)),
                  let p = Self.decimal(params[2].dropFirst(2)),
                  let saltLength = Self.base64Length(fields[1]),
                  let hashLength = Self.base64Length(fields[2])
            else { return nil }
            self.init(variant: variant, version: version, memoryKiB: m, iterations: t, parallelism: p,
                      saltLength: saltLength, hashLength: hashLength)
            guard isWithinLimits else { return nil }
        }

        init(variant: Variant, version: UInt32, memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32,
             saltLength: Int, hashLength: Int) {
            self.variant = variant
            self.version = version
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
            self.saltLength = saltLength
            self.hashLength = hashLength
        }

        var isWithinLimits: Bool {
            (1...Limits.maxParallelism).contains(parallelism)
                && (1...Limits.maxIterations).contains(iterations)
                && memoryKiB <= Limits.maxMemoryKiB && memoryKiB >= 8 * parallelism
                && Limits.saltLengths.contains(saltLength) && Limits.hashLengths.contains(hashLength)
        }

        /// A decimal without sign or leading zeros, at most 10 digits, fitting in UInt32.
        static func decimal(_ s: Substring) -> UInt32? {
            guard !s.isEmpty, s.utf8.count <= 10, s == "0" || !s.hasPrefix("0"),
                  s.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            return UInt32(s)
        }

        /// Byte length of unpadded standard base64, or nil when it is not such a string.
        static func base64Length(_ s: String) -> Int? {
            let n = s.utf8.count
            guard n > 0, n % 4 != 1, s.utf8.allSatisfy({ c in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
            }) else { return nil }
            return n * 3 / 4
        }
    }

    /// argon2id, version 1.3, as a PHC string.
    static func hashEncoded(password: [UInt8], salt: [UInt8], memoryKiB: UInt32, iterations: UInt32,
                            parallelism: UInt32, hashLength: Int) throws(PasswordHashError) -> String {
        let length = argon2_encodedlen(iterations, memoryKiB, parallelism, UInt32(salt.count),
                                       UInt32(hashLength), Argon2_id)
        var buffer = [CChar](repeating: 0, count: length + 1)
        let rc = password.withUnsafeBytes { pwd in
            salt.withUnsafeBytes { s in
                buffer.withUnsafeMutableBufferPointer { out in
                    argon2id_hash_encoded(iterations, memoryKiB, parallelism, pwd.baseAddress, pwd.count,
                                          s.baseAddress, s.count, hashLength, out.baseAddress, out.count)
                }
            }
        }
        guard rc == ARGON2_OK.rawValue else { throw .hashingFailed(code: rc) }
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True only for a match; a mismatch and every error (malformed string, out of memory) are false.
    static func verify(encoded: String, password: [UInt8], variant: Variant) -> Bool {
        guard !encoded.utf8.contains(0) else { return false }
        let rc = password.withUnsafeBytes { pwd in
            encoded.withCString { argon2_verify($0, pwd.baseAddress, pwd.count, variant.type) }
        }
        return rc == ARGON2_OK.rawValue
    }

    /// Raw argon2id hash of `length` bytes (for burning the time a verification takes).
    static func hashRaw(password: [UInt8], salt: [UInt8], memoryKiB: UInt32, iterations: UInt32,
                        parallelism: UInt32, length: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: length)
        let rc = password.withUnsafeBytes { pwd in
            salt.withUnsafeBytes { s in
                out.withUnsafeMutableBytes { o in
                    argon2id_hash_raw(iterations, memoryKiB, parallelism, pwd.baseAddress, pwd.count,
                                      s.baseAddress, s.count, o.baseAddress, o.count)
                }
            }
        }
        return rc == ARGON2_OK.rawValue ? out : nil
    }

    /// The general form with secret and associated data (argon2_ctx), for known-answer tests
    /// such as RFC 9106 §5.
    static func hashContext(variant: Variant, version: UInt32, password: [UInt8], salt: [UInt8],
                            secret: [UInt8], associatedData: [UInt8], memoryKiB: UInt32, iterations: UInt32,
                            parallelism: UInt32, length: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: length)
        var pwd = password, salt = salt, secret = secret, ad = associatedData
        let rc: Int32 = out.withUnsafeMutableBufferPointer { o in
            pwd.withUnsafeMutableBufferPointer { p in
                salt.withUnsafeMutableBufferPointer { s in
                    secret.withUnsafeMutableBufferPointer { k in
                        ad.withUnsafeMutableBufferPointer { a in
                            var context = argon2_context(
                                out: o.baseAddress, outlen: UInt32(o.count),
                                pwd: p.baseAddress, pwdlen: UInt32(p.count),
                                salt: s.baseAddress, saltlen: UInt32(s.count),
                                secret: k.baseAddress, secretlen: UInt32(k.count),
                                ad: a.baseAddress, adlen: UInt32(a.count),
                                t_cost: iterations, m_cost: memoryKiB, lanes: parallelism, threads: parallelism,
                                version: version, allocate_cbk: nil, free_cbk: nil, flags: 0)
                            return argon2_ctx(&context, variant.type)
                        }
                    }
                }
            }
        }
        return rc == ARGON2_OK.rawValue ? out : nil
    }
}
