import COpenSSL
internal import CGatehouseShims

/// Owns one X509. OpenSSL certificates are safe to read from several threads.
final class OwnedX509: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }
}

/// An X.509 certificate as configured for a peer or made for ourselves: its DER bytes plus
/// what callers need to publish and match it. Only keys we can use for XML signatures are
/// accepted: RSA of 2048–16384 bits (Let's Encrypt's RSA certificates, most SAML peers) and
/// EC on P-256, P-384 or P-521 (Let's Encrypt's ECDSA certificates and some peers). The
/// certificate's dates, issuer and extensions are not judged here: SAML trusts configured
/// certificates by pinning them, not by chain validation.
public struct X509Certificate: Sendable, Equatable {
    public enum KeyType: Sendable, Hashable {
        case rsa(bits: Int)
        case ec(curve: String)
    }

    /// The certificate exactly as given (DER).
    public let der: [UInt8]
    public let keyType: KeyType
    let certificate: OwnedX509

    public static func == (lhs: X509Certificate, rhs: X509Certificate) -> Bool { lhs.der == rhs.der }

    /// From DER bytes; trailing bytes after the certificate are refused.
    public init(der: [UInt8]) throws(CertificateError) {
        guard !der.isEmpty, der.count < 1 << 20 else { throw .malformed("empty or oversized DER") }
        var cursor: UnsafePointer<UInt8>?
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            cursor = buffer.baseAddress
            let x509 = d2i_X509(nil, &cursor, buffer.count)
            if let start = buffer.baseAddress, let cursor, cursor - start != buffer.count {
                X509_free(x509)
                return nil
            }
            return x509
        }
        guard let parsed else {
            ERR_clear_error()
            throw .malformed("not a DER X.509 certificate")
        }
        let owned = OwnedX509(parsed)
        self.certificate = owned
        self.der = der
        self.keyType = try Self.acceptedKeyType(of: parsed)
    }

    /// From PEM: the first `CERTIFICATE` block (a chain file such as Let's Encrypt's
    /// fullchain.pem gives the leaf first).
    public init(pem: String) throws(CertificateError) {
        guard let first = try Self.chain(pem: pem).first else { throw .malformed("no CERTIFICATE block in the PEM text") }
        self = first
    }

    /// From base64 DER, as in SAML metadata's `ds:X509Certificate` (whitespace allowed).
    public init(base64DER: String) throws(CertificateError) {
        guard let der = Base64.decode(base64DER, ignoringWhitespace: true) else { throw .malformed("not base64") }
        try self.init(der: der)
    }

    /// Every `CERTIFICATE` block of a PEM text, in order; other blocks (keys) are skipped.
    public static func chain(pem: String) throws(CertificateError) -> [X509Certificate] {
        var result: [X509Certificate] = []
        var body: String?
        for rawLine in pem.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingASCIIWhitespace()
            if line == "-----BEGIN CERTIFICATE-----" {
                body = ""
            } else if line == "-----END CERTIFICATE-----" {
                guard let text = body, let der = Base64.decode(text) else { throw .malformed("bad base64 in a CERTIFICATE block") }
                result.append(try X509Certificate(der: der))
                body = nil
            } else if body != nil {
                body! += line
            }
        }
        guard body == nil else { throw .malformed("unterminated CERTIFICATE block") }
        return result
    }

    /// PEM with 64-character lines, as `openssl x509` writes it.
    public var pem: String {
        let encoded = Array(base64DER.utf8)
        var lines = ["-----BEGIN CERTIFICATE-----"]
        var start = 0
        while start < encoded.count {
            let end = min(start + 64, encoded.count)
            lines.append(String(decoding: encoded[start..<end], as: UTF8.self))
            start = end
        }
        lines.append("-----END CERTIFICATE-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Base64 of the DER on one line, for `ds:X509Certificate` in metadata and KeyInfo.
    public var base64DER: String { Base64.encode(der) }

    /// SHA-256 of the DER, the fingerprint peers compare.
    public var sha256Fingerprint: [UInt8] { Digest.sha256(der) }

    /// "AB:CD:…", the form admin consoles show.
    public var sha256FingerprintText: String {
        let hex = Array(Hex.encode(sha256Fingerprint).uppercased().utf8)
        return stride(from: 0, to: hex.count, by: 2).map { String(decoding: hex[$0..<$0 + 2], as: UTF8.self) }
            .joined(separator: ":")
    }

    /// Start and end of validity, in seconds since 1970 (UTC).
    public var notBefore: Int64 { Self.unixTime(X509_get0_notBefore(certificate.pointer)) }
    public var notAfter: Int64 { Self.unixTime(X509_get0_notAfter(certificate.pointer)) }

    public func isValid(at seconds: Int64) -> Bool { notBefore <= seconds && seconds <= notAfter }

    /// The subject's first commonName, if any.
    public var subjectCommonName: String? {
        guard let name = X509_get_subject_name(certificate.pointer) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { CRYPTO_free(utf8, #fileID, #line) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    /// True when `privateKeyPEM` (unencrypted PEM) is the private half of this certificate's key.
    public func matchesPrivateKey(pem privateKeyPEM: String) -> Bool {
        let bytes = Array(privateKeyPEM.utf8)
        guard let key = bytes.withUnsafeBufferPointer({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { gh_jose_private_key_from_pem($0.baseAddress, $0.count) }
        }) else {
            ERR_clear_error()
            return false
        }
        defer { EVP_PKEY_free(key) }
        let matches = X509_check_private_key(certificate.pointer, key) == 1
        ERR_clear_error()
        return matches
    }

    /// True when `key` is the private half of this certificate's key.
    public func matches(_ key: SigningKey) -> Bool {
        let matches = X509_check_private_key(certificate.pointer, key.key.pointer) == 1
        ERR_clear_error()
        return matches
    }

    // MARK: - helpers

    static func acceptedKeyType(of certificate: OpaquePointer) throws(CertificateError) -> KeyType {
        guard let key = X509_get0_pubkey(certificate) else {
            ERR_clear_error()
            throw .unsupportedKey("unreadable public key")
        }
        if EVP_PKEY_is_a(key, "RSA") == 1 {
            let bits = Int(EVP_PKEY_get_bits(key))
            guard bits >= PublicKey.minimumRSABits, bits <= PublicKey.maximumRSABits else {
                throw .unsupportedKey("RSA key of \(bits) bits (need \(PublicKey.minimumRSABits)–\(PublicKey.maximumRSABits))")
            }
            return .rsa(bits: bits)
        }
        if EVP_PKEY_is_a(key, "EC") == 1 {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
                ERR_clear_error()
                throw .unsupportedKey("EC key without a named curve")
            }
            let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            switch group {
            case "prime256v1", "P-256": return .ec(curve: "P-256")
            case "secp384r1", "P-384": return .ec(curve: "P-384")
            case "secp521r1", "P-521": return .ec(curve: "P-521")
            default: throw .unsupportedKey("EC curve \(group)")
            }
        }
        throw .unsupportedKey("only RSA and EC keys")
    }

    private static func unixTime(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        guard let time, let epoch = ASN1_TIME_set(nil, 0) else { return 0 }
        defer { ASN1_STRING_free(epoch) }
        var days: Int32 = 0
        var seconds: Int32 = 0
        guard ASN1_TIME_diff(&days, &seconds, epoch, time) == 1 else {
            ERR_clear_error()
            return 0
        }
        return Int64(days) * 86_400 + Int64(seconds)
    }
}

extension X509Certificate: CustomStringConvertible {
    public var description: String {
        "X509Certificate(CN=\(subjectCommonName ?? "-"), sha256=\(Hex.encode(sha256Fingerprint)))"
    }
}

/// A certificate we cannot use.
public enum CertificateError: Error, Equatable, Sendable {
    case malformed(String)
    case unsupportedKey(String)
    case crypto(String)
}

extension Substring {
    func trimmingASCIIWhitespace() -> String {
        var view = self[...]
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
