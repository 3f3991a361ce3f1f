import Blueprints
import Crypto
import Federation
import Logging
import Store

/// The enabled `oauth-source`s, read from an `OAuthSourceStore` (a handful of rows; read per use
/// so a blueprint change is seen at once), each with one long-lived `UpstreamClient` per
/// configuration, so discovery and JWKS stay cached between sign-ins.
final class SourceDirectory: Sendable {
    let store: any OAuthSourceStore
    let sealer: SecretSealer
    let transport: any UpstreamTransport
    let logger: Logger
    private let clients = Locked<[String: UpstreamClient]>([:])

    init(store: any OAuthSourceStore, sealer: SecretSealer, transport: any UpstreamTransport, logger: Logger) {
        self.store = store
        self.sealer = sealer
        self.transport = transport
        self.logger = logger
    }

    /// Every enabled source, by slug order; a row that cannot be read is logged and skipped.
    func enabledSources() -> [OAuthSourceConfig] {
        let stored: [StoredOAuthSource]
        do {
            stored = try store.enabledOAuthSources()
        } catch {
            logger.warning("could not read the sources", metadata: ["error": "\(error)"])
            return []
        }
        var sources: [OAuthSourceConfig] = []
        for source in stored {
            do {
                sources.append(try Self.config(source, sealer: sealer))
            } catch {
                logger.warning("oauth-source cannot be used", metadata: ["slug": "\(source.slug)", "error": "\(error)"])
            }
        }
        return sources
    }

    func source(slug: String) -> OAuthSourceConfig? { enabledSources().first { $0.slug == slug } }

    /// The client of `slug`, kept while its configuration stays the same.
    func client(slug: String) -> UpstreamClient? {
        guard let config = source(slug: slug) else { return nil }
        return clients.withLock { cache in
            if let existing = cache[slug], existing.config == config { return existing }
            let made = UpstreamClient(config: config, transport: transport, clock: { Timestamp.now().microsecondsSince1970 / 1_000_000 })
            cache[slug] = made
            return made
        }
    }

    struct ConfigError: Error, CustomStringConvertible {
        let description: String
    }

    /// The source's settings, its client secret opened.
    static func config(_ source: StoredOAuthSource, sealer: SecretSealer) throws -> OAuthSourceConfig {
        guard case .map(let c)? = AttributesJSON.decode(source.config.text) else {
            throw ConfigError(description: "the stored config is not a JSON object")
        }
        guard let sealed = source.sealedClientSecret else { throw ConfigError(description: "no client secret") }
        let secret = try SealedColumns.open(sealed, with: sealer, at: SealedColumns.sourceSecrets, rowID: source.id,
                                            field: "client_secret")
        let slug = source.slug
        func string(_ key: String) -> String? { c[key]?.stringValue }
        func list(_ key: String) -> [String] {
            guard case .list(let items)? = c[key] else { return [] }
            return items.compactMap(\.stringValue)
        }
        func bool(_ key: String) -> Bool? {
            guard case .bool(let b)? = c[key] else { return nil }
            return b
        }
        guard let type = string("provider_type").flatMap(UpstreamProviderType.init(rawValue:)),
              let clientID = string("client_id") else { throw ConfigError(description: "provider_type or client_id missing") }
        return OAuthSourceConfig(
            slug: slug, name: source.name, providerType: type, clientID: clientID, clientSecret: secret,
            tenant: string("tenant"), allowedTenants: list("allowed_tenants"), issuer: string("issuer"),
            authority: string("authority") ?? "https://login.microsoftonline.com",
            graphURL: string("graph_url") ?? "https://graph.microsoft.com", hostedDomain: string("hosted_domain"),
            extraScopes: list("additional_scopes"),
            matchingMode: string("user_matching_mode").flatMap(UserMatchingMode.init(rawValue:)) ?? .identifier,
            enrollment: bool("enrollment") ?? true, groupSync: bool("group_sync") ?? false,
            attributeMapping: string("attribute_mapping"), groupMapping: string("group_mapping"),
            buttonLabel: string("button_label"), icon: string("icon"),
            loginMode: string("login_mode").flatMap(SourceLoginMode.init(rawValue:)) ?? .button,
            provisioningSource: string("scim_source"))
    }
}
