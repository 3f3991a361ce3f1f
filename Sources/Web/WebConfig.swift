import Logging

/// What the web layer needs from configuration.
public struct WebConfig: Sendable {
    /// The public base URL users reach, e.g. `https://id.example.com`. Its origin is what
    /// the CSRF check expects in `Origin` and the fallback when a request has no usable Host.
    public var externalURL: String
    public var trustedProxies: TrustedProxies
    public var branding: Branding
    /// At least 32 random bytes; keys the CSRF token MAC. Keep it stable across restarts
    /// and instances, or open forms fail once.
    public var serverKey: [UInt8]
    public var logger: Logger
    /// Serve `/-/metrics/` on this listener. Turn off when metrics go to a private port.
    public var exposeMetrics: Bool

    public init(externalURL: String, trustedProxies: TrustedProxies = .none, branding: Branding = Branding(),
                serverKey: [UInt8], logger: Logger = Logger(label: "gatehouse.web"), exposeMetrics: Bool = true) {
        self.externalURL = externalURL
        self.trustedProxies = trustedProxies
        self.branding = branding
        self.serverKey = serverKey
        self.logger = logger
        self.exposeMetrics = exposeMetrics
    }
}

public enum WebConfigError: Error, Equatable, CustomStringConvertible {
    case invalidExternalURL(String)
    case serverKeyTooShort(Int)

    public var description: String {
        switch self {
        case .invalidExternalURL(let u): return "external URL must be http(s)://host[:port][/]: \(u)"
        case .serverKeyTooShort(let n): return "server key must be at least 32 bytes, got \(n)"
        }
    }
}

/// The parts of the external URL the web layer uses.
struct ExternalOrigin: Sendable, Equatable {
    let scheme: String
    /// host[:port], port omitted when default.
    let host: String
    var origin: String { "\(scheme)://\(host)" }

    init(_ url: String) throws(WebConfigError) {
        let lower = url.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") { scheme = "https" } else if lower.hasPrefix("http://") { scheme = "http" } else {
            throw .invalidExternalURL(url)
        }
        let rest = lower.dropFirst(scheme.count + 3)
        var authority = String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        guard !authority.contains("@"), let valid = TrustedProxies.validHost(authority) else {
            throw .invalidExternalURL(url)
        }
        authority = valid
        if scheme == "https", authority.hasSuffix(":443") { authority.removeLast(4) }
        if scheme == "http", authority.hasSuffix(":80") { authority.removeLast(3) }
        guard !authority.isEmpty, !authority.hasPrefix(":") else { throw .invalidExternalURL(url) }
        self.scheme = scheme
        self.host = authority
    }
}
