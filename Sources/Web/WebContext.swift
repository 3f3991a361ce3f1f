import Logging

/// Everything a request may need from the application, shared read-only by all requests.
public final class WebContext: Sendable {
    public let config: WebConfig
    public let messages: MessageCatalog
    /// Built-in assets plus the generated `theme.css`.
    public let assets: StaticAssets
    public let metrics: Metrics
    let external: ExternalOrigin

    public var logger: Logger { config.logger }
    public var branding: Branding { config.branding }
    /// `https://id.example.com`: what a same-site form post carries as `Origin`.
    public var externalOrigin: String { external.origin }

    init(config: WebConfig, messages: MessageCatalog, metrics: Metrics) throws(WebConfigError) {
        guard config.serverKey.count >= 32 else { throw .serverKeyTooShort(config.serverKey.count) }
        self.config = config
        self.messages = messages
        self.metrics = metrics
        self.external = try ExternalOrigin(config.externalURL)
        self.assets = StaticAssets.builtIn.adding(
            StaticAsset(name: "theme.css", contentType: "text/css; charset=utf-8", text: config.branding.themeCSS))
    }
}
