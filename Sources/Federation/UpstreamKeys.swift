import Crypto
import Synchronization

/// An upstream's signing keys, cached. A `kid` not in the cache re-reads the JWKS once (the
/// upstream rotated its keys); a few distinct unknown kids at most between re-reads, then one
/// re-read per `refetchInterval`, so forged kids cannot make us hammer the upstream.
public final class UpstreamKeys: Sendable {
    public let jwksURI: String
    let transport: any UpstreamTransport
    let clock: @Sendable () -> Int64
    static let refetchInterval: Int64 = 5
    static let maximumMissedKids = 8
    /// Keys older than this are re-read before use.
    static let maximumAge: Int64 = 3600

    private struct State {
        var keys: [PublicKey] = []
        var fetchedAt: Int64 = .min
        /// kids looked for and not found since the interval began.
        var missed: Set<String> = []
    }
    private let state = Mutex(State())

    public init(jwksURI: String, transport: any UpstreamTransport, clock: @escaping @Sendable () -> Int64) {
        self.jwksURI = jwksURI
        self.transport = transport
        self.clock = clock
    }

    /// The key for `kid` (or the only key when the token names none); nil when there is none.
    public func key(for kid: String?) throws(FederationError) -> PublicKey? {
        let now = clock()
        let marker = kid ?? ""
        let (cached, mayFetch): (PublicKey?, Bool) = state.withLock { s in
            let age = now &- s.fetchedAt
            let stale = s.fetchedAt == .min || age < 0 || age >= Self.maximumAge
            if !stale, let found = Self.pick(s.keys, kid) { return (found, false) }
            let intervalOver = s.fetchedAt == .min || age < 0 || age >= Self.refetchInterval
            return (nil, intervalOver || (!s.missed.contains(marker) && s.missed.count < Self.maximumMissedKids))
        }
        if let cached { return cached }
        guard mayFetch else { return nil }
        let keys = try fetch()
        return state.withLock { s in
            let age = now &- s.fetchedAt
            if s.fetchedAt == .min || age < 0 || age >= Self.refetchInterval { s.missed = [] }
            s.keys = keys
            s.fetchedAt = now
            let found = Self.pick(keys, kid)
            if found == nil { s.missed.insert(marker) }
            return found
        }
    }

    private func fetch() throws(FederationError) -> [PublicKey] {
        let response = try transport.get(jwksURI, bearer: nil)
        guard response.status == 200, let keys = try? PublicKey.keySet(jwksJSON: response.body) else {
            throw .upstreamUnreachable("the JWKS could not be read (status \(response.status))")
        }
        return keys
    }

    static func pick(_ keys: [PublicKey], _ kid: String?) -> PublicKey? {
        guard let kid else { return keys.count == 1 ? keys[0] : nil }
        return keys.first { $0.keyID == kid }
    }
}
