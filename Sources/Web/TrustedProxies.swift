import HTTP

/// The reverse proxies whose forwarding headers we believe. Only when the socket peer is
/// inside this list are `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` and an
/// incoming `X-Request-Id` used; from anyone else they are ignored, since a client can
/// send them (authentik CVE-2024-47070 came from believing them). Empty by default.
public struct TrustedProxies: Sendable, Equatable {
    public struct InvalidEntry: Error, Equatable, CustomStringConvertible {
        public let entry: String
        public var description: String { "not an IP address or CIDR network: \(entry)" }
    }

    public let networks: [IPNetwork]

    public static let none = TrustedProxies(networks: [])

    public init(networks: [IPNetwork]) { self.networks = networks }

    /// Parses addresses and CIDR networks, IPv4 or IPv6; throws on the first invalid one.
    public init(_ entries: [String]) throws(InvalidEntry) {
        var nets: [IPNetwork] = []
        for entry in entries {
            guard let net = IPNetwork(String(entry.trimmingOWS())) else { throw InvalidEntry(entry: entry) }
            nets.append(net)
        }
        networks = nets
    }

    public func contains(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    public func contains(_ address: String) -> Bool {
        guard let ip = IPAddress(address) else { return false }
        return contains(ip)
    }

    /// What we believe about where a request came from.
    public struct Resolution: Sendable, Equatable {
        public var clientIP: String
        public var scheme: String
        public var host: String?
        /// Whether the socket peer is a trusted proxy.
        public var peerTrusted: Bool
    }

    /// Resolves client address, scheme and host for one request.
    public func resolve(headers: HTTPHeaders, connection: ConnectionInfo, hostHeader: String?) -> Resolution {
        let tlsScheme = connection.isTLS ? "https" : "http"
        if networks.isEmpty {
            // No proxies configured (the default): nothing forwarded is believed; skip parsing.
            return Resolution(clientIP: connection.remoteAddress, scheme: tlsScheme,
                              host: TrustedProxies.validHost(hostHeader), peerTrusted: false)
        }
        let peer = IPAddress(connection.remoteAddress)
        let peerText = peer?.description ?? connection.remoteAddress
        guard let peer, contains(peer) else {
            return Resolution(clientIP: peerText, scheme: tlsScheme, host: TrustedProxies.validHost(hostHeader),
                              peerTrusted: false)
        }
        // X-Forwarded-For, right to left: skip trusted hops; the first untrusted one is the client.
        var client = peer
        let hops = headers.values("X-Forwarded-For").flatMap { $0.split(separator: ",") }
        for hop in hops.reversed() {
            guard let ip = IPAddress(forwardedEntry: hop) else { break }  // garbage: stop at the last good hop
            client = ip
            if !contains(ip) { break }
        }
        var scheme = tlsScheme
        // Proto and Host: the value the nearest proxy added is the last one; earlier ones may be
        // whatever the client sent through a proxy that appends instead of replacing.
        if !connection.isTLS, let proto = headers.values("X-Forwarded-Proto").last?.split(separator: ",").last?.trimmingOWS() {
            if proto.equalsIgnoringASCIICase("https") { scheme = "https" }
            else if proto.equalsIgnoringASCIICase("http") { scheme = "http" }
        }
        var host = TrustedProxies.validHost(hostHeader)
        if let fwd = headers.values("X-Forwarded-Host").last?.split(separator: ",").last.map({ String($0.trimmingOWS()) }),
           let valid = TrustedProxies.validHost(fwd) {
            host = valid
        }
        return Resolution(clientIP: client.description, scheme: scheme, host: host, peerTrusted: true)
    }

    /// A host[:port] made of name, IPv4 or bracketed IPv6 characters only, lower-cased; else nil.
    static func validHost(_ raw: String?) -> String? {
        guard let raw, !raw.isEmpty, raw.utf8.count <= 255 else { return nil }
        let ok = raw.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) ||
                b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: ":") ||
                b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: "_")
        }
        return ok ? raw.lowercased() : nil
    }
}
