import Crypto
import Logging
import Postgres
import SAML
import Store
import Synchronization
import XMLSec

/// `SAMLSigningKeys` over the server's own key pairs (`SigningKeyRing`: RSA-2048 for
/// RSA-SHA256/512, P-256 for ECDSA-SHA256; made at first start, rotated with
/// `gatehouse keys rotate`) and a self-signed certificate stored beside each key
/// (`signing_keys.certificate`, migration 11). The certificate is made the first time a key
/// signs for SAML; the first node to store it wins, so every node publishes the same one.
/// Rotated keys' certificates stay in metadata for the ring's retention.
public final class SAMLKeyRing: SAMLSigningKeys {
    private struct State {
        var keys: [String: XMLPrivateKey] = [:]
        var published: [JWSAlgorithm: (certificates: [X509Certificate], currentKID: String, loadedAt: ContinuousClock.Instant)] = [:]
    }

    let ring: SigningKeyRing
    let store: any SigningKeyCertificateStore
    let commonName: String
    let logger: Logger
    private let state = Mutex(State())
    /// How long a published list is served before it is read again (other nodes' rotations).
    static let publishedTimeToLive: Duration = .seconds(60)
    /// Ten years: the certificate only carries the key (peers pin it); rotation replaces it.
    static let validitySeconds: Int64 = 10 * 366 * 86_400

    public init(ring: SigningKeyRing, store: any SigningKeyCertificateStore, commonName: String = "Gatehouse SAML signing",
                logger: Logger = Logger(label: "gatehouse.saml.keys")) {
        self.ring = ring
        self.store = store
        self.commonName = String(commonName.prefix(64))
        self.logger = logger
    }

    static func jwsAlgorithm(for algorithm: XMLSignatureAlgorithm) -> JWSAlgorithm {
        algorithm == .ecdsaSHA256 ? .es256 : .rs256
    }

    public func currentKey(for algorithm: XMLSignatureAlgorithm) throws -> XMLPrivateKey {
        let jws = Self.jwsAlgorithm(for: algorithm)
        guard let key = ring.currentKey(jws) else { throw StoreError.unavailable("no current \(jws.rawValue) signing key") }
        if let cached = state.withLock({ $0.keys[key.kid] }) { return cached }
        let existing = try store.certificates(retentionSeconds: 0).first { $0.kid == key.kid }?.certificatePEM
        let pem = try existing ?? makeCertificate(for: key)
        let certificate = try X509Certificate(pem: pem)
        guard certificate.matches(key) else {
            throw StoreError.invalid("the stored certificate of signing key \(key.kid) is not its own")
        }
        let loaded = try XMLPrivateKey(privateKeyPEM: try key.pkcs8PEM(), certificate: certificate)
        state.withLock { state in
            if state.keys.count > 16 { state.keys.removeAll() }
            state.keys[key.kid] = loaded
        }
        return loaded
    }

    public func publishedCertificates(for algorithm: XMLSignatureAlgorithm) throws -> [X509Certificate] {
        let jws = Self.jwsAlgorithm(for: algorithm)
        let current = try currentKey(for: algorithm)
        guard let currentKID = ring.currentKey(jws)?.kid else { return [current.certificate] }
        let now = ContinuousClock.now
        if let hit = state.withLock({ $0.published[jws] }), hit.currentKID == currentKID,
           hit.loadedAt.duration(to: now) < Self.publishedTimeToLive {
            return hit.certificates
        }
        var certificates = [current.certificate]
        for stored in try store.certificates(retentionSeconds: ring.retention.components.seconds)
        where stored.algorithm == jws.rawValue && stored.kid != currentKID {
            guard let pem = stored.certificatePEM, let certificate = try? X509Certificate(pem: pem) else { continue }
            certificates.append(certificate)
        }
        state.withLock { $0.published[jws] = (certificates, currentKID, now) }
        return certificates
    }

    private func makeCertificate(for key: SigningKey) throws -> String {
        let now = Timestamp.now().microsecondsSince1970 / 1_000_000
        let certificate = try X509Certificate.selfSigned(commonName: commonName, key: key, notBefore: now - 86_400,
                                                         notAfter: now + Self.validitySeconds)
        let stored = try store.setCertificateIfMissing(kid: key.kid, pem: certificate.pem)
        if stored == certificate.pem {
            logger.info("made the SAML certificate of a signing key", metadata: [
                "kid": "\(key.kid)", "sha256": "\(certificate.sha256FingerprintText)"])
        }
        return stored
    }
}
