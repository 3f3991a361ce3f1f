import COpenSSL

extension X509Certificate {
    /// A self-signed certificate for our own `key` (RSA-2048 or P-256 from
    /// `SigningKey.generate`): subject and issuer `CN=<commonName>`, a random positive 127-bit
    /// serial, validity from `notBefore` to `notAfter` (seconds since 1970), signed with
    /// SHA-256 (sha256WithRSAEncryption or ecdsa-with-SHA256). The IdP publishes it in its
    /// SAML metadata and as a `.cer` download so peers can pin it.
    public static func selfSigned(commonName: String, key: SigningKey, notBefore: Int64, notAfter: Int64) throws(CertificateError) -> X509Certificate {
        guard !commonName.isEmpty, commonName.utf8.count <= 64 else {
            // RFC 5280 Appendix A: ub-common-name INTEGER ::= 64
            throw .crypto("the common name must be 1–64 characters")
        }
        guard notBefore < notAfter else { throw .crypto("the validity ends before it starts") }
        guard let x509 = X509_new() else { throw .crypto("X509_new failed") }
        let owned = OwnedX509(x509)
        // RFC 5280 §4.1.2.2: "The serial number MUST be a positive integer assigned by the CA
        // to each certificate ... CAs MUST NOT use serialNumber values longer than 20 octets."
        var serial = SecureRandom.bytes(16)
        serial[0] &= 0x7F
        serial[0] |= 0x40
        let name = X509_NAME_new()
        defer { X509_NAME_free(name) }
        let serialNumber = BN_bin2bn(serial, Int32(serial.count), nil)
        defer { BN_free(serialNumber) }
        let cn = Array(commonName.utf8)
        let ok = X509_set_version(x509, 2) == 1  // v3
            && serialNumber != nil && BN_to_ASN1_INTEGER(serialNumber, X509_get_serialNumber(x509)) != nil
            && name != nil && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, Int32(cn.count), -1, 0) == 1
            && X509_set_subject_name(x509, name) == 1 && X509_set_issuer_name(x509, name) == 1
            && ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore)) != nil
            && ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter)) != nil
            && X509_set_pubkey(x509, key.key.pointer) == 1
            && X509_sign(x509, key.key.pointer, EVP_sha256()) > 0
        guard ok else {
            ERR_clear_error()
            throw .crypto("cannot make the certificate")
        }
        let length = i2d_X509(x509, nil)
        guard length > 0 else { throw .crypto("cannot encode the certificate") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509(x509, &cursor)
        }
        guard written == length else { throw .crypto("cannot encode the certificate") }
        withExtendedLifetime(owned) {}
        return try X509Certificate(der: der)
    }
}
