public import Store
import Synchronization

/// `SAMLProviderDirectory` over `providers` (kind `saml`), `applications` and
/// `application_groups`, served from memory.
///
/// The first lookup loads every SAML provider at once (there are few); lookups then read that
/// snapshot until `invalidate()` (the server calls it whenever the OAuth client directory's
/// `NOTIFY gatehouse_config` listener drops its own cache: the same triggers announce changes to
/// these tables) or `timeToLive` seconds in any case. The blueprint attributes sit in `config`
/// under their blueprint names; what `sp_metadata` supplied sits under `config.from_metadata`
/// and counts only where the blueprint names nothing (see `Docs/saml.md`). JSON is read by
/// PostgreSQL's own jsonb operators, so nothing here parses JSON.
public final class PostgresSAMLProviderDirectory: SAMLProviderDirectory {
    public static let kind = "saml"

    private struct Snapshot {
        var bySlug: [String: Result<SAMLServiceProvider, StoreError>] = [:]
        var loadedAt: ContinuousClock.Instant
    }

    private struct State {
        var snapshot: Snapshot?
        var generation = 0
    }

    private let runner: PGStoreRunner
    private let timeToLive: Duration
    private let state = Mutex(State())

    public init(pool: PGPool, timeToLive: Duration = .seconds(60)) {
        runner = PGStoreRunner(pool: pool)
        self.timeToLive = timeToLive
    }

    public func serviceProvider(applicationSlug slug: String) throws(StoreError) -> SAMLServiceProvider? {
        guard let entry = try snapshot().bySlug[slug] else { return nil }
        return try entry.get()
    }

    /// Drops the cached providers; the next lookup reads the database.
    public func invalidate() {
        state.withLock {
            $0.snapshot = nil
            $0.generation += 1
        }
    }

    private func snapshot() throws(StoreError) -> Snapshot {
        let now = ContinuousClock.now
        let (cached, generation): (Snapshot?, Int) = state.withLock { state in
            if let snapshot = state.snapshot, snapshot.loadedAt.duration(to: now) < timeToLive { return (snapshot, state.generation) }
            return (nil, state.generation)
        }
        if let cached { return cached }
        let loaded = try load(at: now)
        state.withLock { if $0.generation == generation { $0.snapshot = loaded } }
        return loaded
    }

    /// A config value, or the one `sp_metadata` supplied.
    private static func field(_ name: String) -> String {
        "coalesce(p.config->>'\(name)', p.config->'from_metadata'->>'\(name)') AS \(name)"
    }

    private func load(at now: ContinuousClock.Instant) throws(StoreError) -> Snapshot {
        let (providers, acs, mappings, groups) = try runner.read { connection in
            try connection.transaction(isolation: .repeatableRead, readOnly: true) { connection in
                (try connection.query("""
                    SELECT p.id::text AS id, p.name, a.id::text AS application_id, a.slug, a.name AS application_name,
                           a.launch_url, \(Self.field("audience")), \(Self.field("sp_binding")),
                           \(Self.field("sign_response")), \(Self.field("sign_assertion")), \(Self.field("signature_algorithm")),
                           \(Self.field("name_id_format")), p.config->>'name_id' AS name_id,
                           \(Self.field("encryption_certificate")), \(Self.field("verification_certificate")),
                           p.config->>'default_relay_state' AS default_relay_state,
                           p.config->>'session_valid_not_on_or_after' AS session_valid_not_on_or_after,
                           \(Self.field("slo_url")), \(Self.field("slo_binding")), p.config->>'sign_metadata' AS sign_metadata
                    FROM providers p JOIN applications a ON a.provider_id = p.id
                    WHERE p.kind = $1
                    """, [.text(Self.kind)]),
                 try connection.query("""
                    SELECT p.id::text AS id, e.url FROM providers p,
                        LATERAL jsonb_array_elements_text(CASE
                            WHEN jsonb_typeof(p.config->'acs_urls') = 'array' THEN p.config->'acs_urls'
                            WHEN jsonb_typeof(p.config->'acs_url') = 'string' THEN jsonb_build_array(p.config->'acs_url')
                            WHEN jsonb_typeof(p.config->'from_metadata'->'acs_urls') = 'array' THEN p.config->'from_metadata'->'acs_urls'
                            ELSE '[]'::jsonb END) WITH ORDINALITY AS e(url, ordinal)
                    WHERE p.kind = $1 ORDER BY p.id, e.ordinal
                    """, [.text(Self.kind)]),
                 try connection.query("""
                    SELECT p.id::text AS id, m.value->>'name' AS name, m.value->>'expression' AS expression,
                           m.value->>'name_format' AS name_format, m.value->>'friendly_name' AS friendly_name
                    FROM providers p,
                        LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(p.config->'attribute_mappings') = 'array'
                            THEN p.config->'attribute_mappings' ELSE '[]'::jsonb END) WITH ORDINALITY AS m(value, ordinal)
                    WHERE p.kind = $1 ORDER BY p.id, m.ordinal
                    """, [.text(Self.kind)]),
                 try connection.query("""
                    SELECT ag.application_id::text AS application_id, g.name
                    FROM application_groups ag JOIN groups g ON g.id = ag.group_id ORDER BY g.name
                    """))
            }
        }
        var acsByProvider: [String: [String]] = [:]
        for row in acs.rows.indices {
            guard let id = acs.value(row, "id"), let url = acs.value(row, "url") else { continue }
            acsByProvider[id, default: []].append(url)
        }
        var mappingsByProvider: [String: [SAMLAttributeMapping]] = [:]
        for row in mappings.rows.indices {
            guard let id = mappings.value(row, "id"), let name = mappings.value(row, "name"),
                  let expression = mappings.value(row, "expression") else { continue }
            mappingsByProvider[id, default: []].append(SAMLAttributeMapping(
                name: name, nameFormat: mappings.value(row, "name_format"), friendlyName: mappings.value(row, "friendly_name"),
                expression: expression))
        }
        var groupsByApplication: [String: [String]] = [:]
        for row in groups.rows.indices {
            guard let application = groups.value(row, "application_id"), let name = groups.value(row, "name") else { continue }
            groupsByApplication[application, default: []].append(name)
        }
        var snapshot = Snapshot(loadedAt: now)
        for row in providers.rows.indices {
            guard let id = providers.value(row, "id"), let name = providers.value(row, "name"),
                  let slug = providers.value(row, "slug") else { continue }
            snapshot.bySlug[slug] = Result(catching: { () throws(StoreError) -> SAMLServiceProvider in
                func bad(_ why: String) -> StoreError { .invalid("saml-provider \(name): \(why)") }
                let value = { (column: String) in providers.value(row, column) }
                guard let audience = value("audience"), !audience.isEmpty else { throw bad("audience is missing") }
                let acsURLs = acsByProvider[id] ?? []
                guard !acsURLs.isEmpty else { throw bad("no ACS URL (acs_url, acs_urls or sp_metadata)") }
                var sessionSeconds: Int?
                if let text = value("session_valid_not_on_or_after") {
                    guard let seconds = DurationText.seconds(text), seconds > 0 else {
                        throw bad("session_valid_not_on_or_after is not a duration")
                    }
                    sessionSeconds = seconds
                }
                let application = Application(slug: slug, name: value("application_name") ?? slug,
                                              launchURL: value("launch_url"),
                                              groups: value("application_id").flatMap { groupsByApplication[$0] } ?? [])
                return SAMLServiceProvider(
                    providerName: name, application: application, audience: audience, acsURLs: acsURLs,
                    binding: value("sp_binding").flatMap(SAMLBinding.init(rawValue:)) ?? .post,
                    signResponse: value("sign_response").map { $0 == "true" } ?? true,
                    signAssertion: value("sign_assertion").map { $0 == "true" } ?? true,
                    signatureAlgorithm: value("signature_algorithm") ?? "rsa-sha256",
                    nameIDFormat: value("name_id_format") ?? "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                    nameIDExpression: value("name_id"), attributeMappings: mappingsByProvider[id] ?? [],
                    encryptionCertificatePEM: value("encryption_certificate"),
                    verificationCertificatePEM: value("verification_certificate"),
                    defaultRelayState: value("default_relay_state"), sessionValidSeconds: sessionSeconds,
                    sloURL: value("slo_url"), sloBinding: (value("slo_binding") ?? value("sp_binding")).flatMap(SAMLBinding.init(rawValue:)) ?? .redirect,
                    signMetadata: value("sign_metadata").map { $0 == "true" } ?? true)
            })
        }
        return snapshot
    }
}
