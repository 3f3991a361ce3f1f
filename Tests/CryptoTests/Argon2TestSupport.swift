import CArgon2

/// argon2d through libargon2's generic encoder (Gatehouse never writes argon2d), m=1024, t=1, p=1.
func argon2dEncoded(_ password: String, salt: [UInt8], into out: inout [CChar]) -> Int32 {
    let pwd = Array(password.utf8)
    return pwd.withUnsafeBytes { p in
        salt.withUnsafeBytes { s in
            out.withUnsafeMutableBufferPointer { o in
                argon2_hash(1, 1024, 1, p.baseAddress, p.count, s.baseAddress, s.count, nil, 32,
                            o.baseAddress, o.count, Argon2_d, 0x13)
            }
        }
    }
}
