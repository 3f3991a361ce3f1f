import Identity
import Store
import Synchronization

/// In-memory `AuthenticatorStore` following the contracts in Sources/Store/MFA.swift.
final class FakeAuthenticatorStore: AuthenticatorStore {
    let devices = Mutex<[TOTPDevice]>([])
    let codes = Mutex<[String: Set<[UInt8]>]>([:])
    let mfa = Mutex<[[UInt8]: SessionMFA]>([:])
    private let counter = Mutex(0)

    func createTOTPDevice(userID: UserID, name: String, secret: [UInt8], at: Timestamp) throws(StoreError) -> TOTPDevice {
        let n = counter.withLock { $0 += 1; return $0 }
        let device = TOTPDevice(id: "device-\(n)", userID: userID, name: name, secret: secret, confirmed: false,
                                lastStep: nil, createdAt: at, lastUsedAt: nil)
        devices.withLock { $0.append(device) }
        return device
    }

    func totpDevices(ofUser user: UserID) throws(StoreError) -> [TOTPDevice] { devices.withLock { $0.filter { $0.userID == user } } }

    func confirmTOTPDevice(id: String, userID: UserID, step: Int64, at: Timestamp) throws(StoreError) -> Bool {
        devices.withLock { list in
            guard let i = list.firstIndex(where: { $0.id == id && $0.userID == userID && !$0.confirmed }) else { return false }
            list[i].confirmed = true
            list[i].lastStep = step
            return true
        }
    }

    func useTOTPStep(deviceID: String, step: Int64, at: Timestamp) throws(StoreError) -> Bool {
        devices.withLock { list in
            guard let i = list.firstIndex(where: { $0.id == deviceID && $0.confirmed }),
                  list[i].lastStep.map({ $0 < step }) ?? true else { return false }
            list[i].lastStep = step
            list[i].lastUsedAt = at
            return true
        }
    }

    func renameTOTPDevice(id: String, userID: UserID, name: String) throws(StoreError) -> Bool {
        devices.withLock { list in
            guard let i = list.firstIndex(where: { $0.id == id && $0.userID == userID }) else { return false }
            list[i].name = name
            return true
        }
    }

    func deleteTOTPDevice(id: String, userID: UserID) throws(StoreError) -> Bool {
        devices.withLock { list in
            let before = list.count
            list.removeAll { $0.id == id && $0.userID == userID }
            return list.count < before
        }
    }

    func resetAuthenticators(ofUser user: UserID) throws(StoreError) -> Int {
        let d = devices.withLock { list in
            let before = list.count
            list.removeAll { $0.userID == user }
            return before - list.count
        }
        return d + (codes.withLock { $0.removeValue(forKey: user.rawValue)?.count } ?? 0)
    }

    func replaceRecoveryCodes(userID: UserID, hashes: [[UInt8]], at: Timestamp) throws(StoreError) {
        codes.withLock { $0[userID.rawValue] = Set(hashes) }
    }

    func useRecoveryCode(userID: UserID, hash: [UInt8], at: Timestamp) throws(StoreError) -> Bool {
        codes.withLock { $0[userID.rawValue]?.remove(hash) != nil }
    }

    func recoveryCodeCount(userID: UserID) throws(StoreError) -> Int { codes.withLock { $0[userID.rawValue]?.count ?? 0 } }

    let keys = Mutex<[WebAuthnDevice]>([])

    func createWebAuthnDevice(userID: UserID, name: String, credentialID: [UInt8], publicKeyCOSE: [UInt8], algorithm: Int64,
                              signCount: UInt32, at: Timestamp) throws(StoreError) -> WebAuthnDevice {
        let n = counter.withLock { $0 += 1; return $0 }
        let device = WebAuthnDevice(id: "key-\(n)", userID: userID, name: name, credentialID: credentialID,
                                    publicKeyCOSE: publicKeyCOSE, algorithm: algorithm, signCount: signCount, createdAt: at,
                                    lastUsedAt: nil)
        let clash = keys.withLock { list in
            if list.contains(where: { $0.credentialID == credentialID }) { return true }
            list.append(device)
            return false
        }
        if clash { throw .conflict(field: "credential_id") }
        return device
    }

    func webAuthnDevices(ofUser user: UserID) throws(StoreError) -> [WebAuthnDevice] { keys.withLock { $0.filter { $0.userID == user } } }

    func advanceSignCount(deviceID: String, from expected: UInt32, to new: UInt32, at: Timestamp) throws(StoreError) -> Bool {
        keys.withLock { list in
            guard let i = list.firstIndex(where: { $0.id == deviceID && $0.signCount == expected }) else { return false }
            list[i].signCount = new
            return true
        }
    }

    func renameWebAuthnDevice(id: String, userID: UserID, name: String) throws(StoreError) -> Bool {
        keys.withLock { list in
            guard let i = list.firstIndex(where: { $0.id == id && $0.userID == userID }) else { return false }
            list[i].name = name
            return true
        }
    }

    func deleteWebAuthnDevice(id: String, userID: UserID) throws(StoreError) -> Bool {
        keys.withLock { list in
            let before = list.count
            list.removeAll { $0.id == id && $0.userID == userID }
            return list.count < before
        }
    }

    func recordMFA(sessionIDHash: [UInt8], at: Timestamp, methods: [String]) throws(StoreError) {
        mfa.withLock { $0[sessionIDHash] = SessionMFA(verifiedAt: at, methods: methods) }
    }

    func sessionMFA(sessionIDHash: [UInt8]) throws(StoreError) -> SessionMFA? { mfa.withLock { $0[sessionIDHash] } }
}
