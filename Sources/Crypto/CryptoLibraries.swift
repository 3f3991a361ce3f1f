internal import CArgon2
import COpenSSL

/// The C libraries this room wraps, for `gatehouse version`.
public enum CryptoLibraries {
    public static func versions() -> [String] {
        [String(cString: OpenSSL_version(OPENSSL_VERSION)), "argon2 \(ARGON2_VERSION_NUMBER.rawValue)"]
    }
}
