import COpenSSL

/// AES-256-GCM (EVP) with a 96-bit nonce and a 128-bit tag. Internal: callers seal secrets
/// through `SecretSealer`, which owns nonce generation and key handling.
enum AESGCM {
    static let keyLength = 32
    static let nonceLength = 12
    static let tagLength = 16

    /// Ciphertext followed by the tag.
    static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) -> [UInt8] {
        precondition(key.count == keyLength && nonce.count == nonceLength)
        guard let ctx = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: plaintext.count + tagLength)
        var ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceLength), nil) == 1
            && EVP_EncryptInit_ex(ctx, nil, nil, key, nonce) == 1
        var len: Int32 = 0
        if ok && !aad.isEmpty {
            ok = EVP_EncryptUpdate(ctx, nil, &len, aad, Int32(aad.count)) == 1
        }
        var written = 0
        out.withUnsafeMutableBufferPointer { o in
            if ok && !plaintext.isEmpty {
                ok = EVP_EncryptUpdate(ctx, o.baseAddress, &len, plaintext, Int32(plaintext.count)) == 1
                written = Int(len)
            }
            if ok {
                ok = EVP_EncryptFinal_ex(ctx, o.baseAddress! + written, &len) == 1
                written += Int(len)
            }
            if ok {
                ok = written == plaintext.count
                    && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(tagLength),
                                           o.baseAddress! + written) == 1
            }
        }
        guard ok else { fatalError("AES-256-GCM encryption failed") }
        return out
    }

    /// The plaintext, or nil when the tag does not verify (wrong key, nonce, AAD or any
    /// altered byte).
    static func open(_ sealed: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) -> [UInt8]? {
        precondition(key.count == keyLength && nonce.count == nonceLength)
        guard sealed.count >= tagLength, sealed.count - tagLength < Int(Int32.max) - 32 else { return nil }
        let ciphertext = Array(sealed.prefix(sealed.count - tagLength))
        var tag = Array(sealed.suffix(tagLength))
        guard let ctx = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        guard EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceLength), nil) == 1,
              EVP_DecryptInit_ex(ctx, nil, nil, key, nonce) == 1
        else { fatalError("AES-256-GCM setup failed") }
        var len: Int32 = 0
        if !aad.isEmpty {
            guard EVP_DecryptUpdate(ctx, nil, &len, aad, Int32(aad.count)) == 1 else { return nil }
        }
        // One spare block: EVP may want room for a final block even in a stream mode.
        var out = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written = 0
        let ok: Bool = out.withUnsafeMutableBufferPointer { o in
            if !ciphertext.isEmpty {
                guard EVP_DecryptUpdate(ctx, o.baseAddress, &len, ciphertext, Int32(ciphertext.count)) == 1
                else { return false }
                written = Int(len)
            }
            guard tag.withUnsafeMutableBytes({ t in
                EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(tagLength), t.baseAddress)
            }) == 1 else { return false }
            // The tag is checked here; a mismatch fails and the decrypted bytes are discarded.
            guard EVP_DecryptFinal_ex(ctx, o.baseAddress! + written, &len) == 1 else { return false }
            written += Int(len)
            return true
        }
        guard ok, written == ciphertext.count else {
            wipe(&out)
            return nil
        }
        let plaintext = Array(out.prefix(written))
        wipe(&out)
        return plaintext
    }

    /// Overwrites a buffer that held plaintext before it is released.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { b in
            if let base = b.baseAddress { OPENSSL_cleanse(base, b.count) }
        }
    }
}
