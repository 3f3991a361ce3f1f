import Policies

/// The type a field's YAML value must have.
public indirect enum FieldType: Sendable, Hashable, CustomStringConvertible {
    /// A string scalar (quoted, or plain that YAML reads as a string). `!Env` is accepted.
    case string
    /// A string that must start with `https://` or `http://`.
    case url
    case bool
    case int
    /// One of the listed strings.
    case choice([String])
    /// A list of plain strings.
    case stringList
    /// A mapping of string keys to scalars or lists of scalars (user and group attributes).
    case attributes
    /// Must come from `!Env NAME`: a literal value in the file is an error.
    case secret
    /// The single identifier of an object of the named model (e.g. a group's name).
    case reference(model: String)
    /// A list of such identifiers.
    case referenceList(model: String)
    /// The single identifier of an object of any of the named models (an application's
    /// provider: `oauth2-provider` or `saml-provider`, whose names are unique across kinds).
    case anyReference(models: [String])
    /// A duration such as `hours=1` or `days=30;hours=12` (weeks, days, hours, minutes, seconds).
    case duration
    /// A list of mappings, each with exactly the given fields.
    case listOf([FieldSpec])
    /// A string holding an expression (Docs/expressions.md), checked by parsing it.
    case expression

    public var description: String {
        switch self {
        case .string: return "a string"
        case .url: return "a URL"
        case .bool: return "true or false"
        case .int: return "an integer"
        case .choice(let values): return "one of " + values.joined(separator: ", ")
        case .stringList: return "a list of strings"
        case .attributes: return "a mapping of scalars or lists"
        case .secret: return "!Env NAME"
        case .reference(let model): return "the name of a \(model)"
        case .referenceList(let model): return "a list of \(model) names"
        case .anyReference(let models): return "the name of a " + models.joined(separator: " or ")
        case .duration: return "a duration like hours=1 or days=30"
        case .listOf: return "a list of mappings"
        case .expression: return "an expression"
        }
    }
}

/// One field of a model.
public struct FieldSpec: Sendable, Hashable {
    public let name: String
    public let type: FieldType
    /// Needed when the entry creates the object (state present or created and the object does not exist yet).
    public let requiredOnCreate: Bool

    public init(_ name: String, _ type: FieldType, requiredOnCreate: Bool = false) {
        self.name = name
        self.type = type
        self.requiredOnCreate = requiredOnCreate
    }
}

/// A rule across several fields of one entry: returns (field, message) for each problem.
public typealias EntryCheck = @Sendable (_ attrs: [String: FieldValue]) -> [(field: String, message: String)]

/// What a model accepts.
public struct ModelSpec: Sendable {
    public let name: String
    /// Identifier fields; all strings, all required.
    public let identifiers: [String]
    public let fields: [FieldSpec]
    /// Whether the store applies this model today. Models that are only validated are accepted by
    /// `validate` and planned, but nothing writes them yet.
    public let isApplied: Bool
    public let checks: [EntryCheck]

    public init(name: String, identifiers: [String], fields: [FieldSpec], isApplied: Bool, checks: [EntryCheck] = []) {
        self.name = name
        self.identifiers = identifiers
        self.fields = fields
        self.isApplied = isApplied
        self.checks = checks
    }

    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }
}

/// The models a blueprint may name. Later issues register theirs (`oauth-source`, policies, stages…).
public struct ModelRegistry: Sendable {
    public private(set) var models: [String: ModelSpec] = [:]

    public init(_ specs: [ModelSpec] = []) {
        for spec in specs { register(spec) }
    }

    public mutating func register(_ spec: ModelSpec) { models[spec.name] = spec }

    public func spec(for model: String) -> ModelSpec? { models[model] }

    /// `group`, `user`, and the OAuth provider's `scope-mapping`, `oauth2-provider` and `application`; policies' `policy`; SCIM's `scim-source`; federation's `oauth-source`.
    public static let standard = ModelRegistry([.group, .user, .scopeMapping, .oauth2Provider, .samlProvider, .policy, .application,
                                                .scimSource, .oauthSource])

    /// The provider models: an application names one of them, and their names are unique
    /// across these models (one `providers` table).
    public static let providerModels = ["oauth2-provider", "saml-provider"]
}

extension ModelSpec {
    public static let group = ModelSpec(
        name: "group", identifiers: ["name"],
        fields: [
            FieldSpec("parent", .reference(model: "group")),
            FieldSpec("attributes", .attributes),
            FieldSpec("is_superuser", .bool),
        ],
        isApplied: true)

    public static let user = ModelSpec(
        name: "user", identifiers: ["username"],
        fields: [
            FieldSpec("email", .string),
            FieldSpec("name", .string),
            FieldSpec("password", .secret),
            FieldSpec("groups", .referenceList(model: "group")),
            FieldSpec("attributes", .attributes),
            FieldSpec("is_active", .bool),
            FieldSpec("is_superuser", .bool),
        ],
        isApplied: true)

    /// A SCIM 2.0 endpoint at `/source/scim/<slug>/v2/` (Entra ID provisioning). The token is
    /// stored hashed; `gatehouse scim token SLUG` issues one instead when the blueprint has none.
    public static let scimSource = ModelSpec(
        name: "scim-source", identifiers: ["slug"],
        fields: [
            FieldSpec("name", .string, requiredOnCreate: true),
            FieldSpec("token", .secret),
            FieldSpec("purge_on_delete", .bool),
        ],
        isApplied: true)

    public static let scopeMapping = ModelSpec(
        name: "scope-mapping", identifiers: ["name"],
        fields: [
            FieldSpec("scope_name", .string, requiredOnCreate: true),
            FieldSpec("description", .string),
            FieldSpec("expression", .expression, requiredOnCreate: true),
        ],
        isApplied: true)

    public static let oauth2Provider = ModelSpec(
        name: "oauth2-provider", identifiers: ["name"],
        fields: [
            FieldSpec("client_type", .choice(["confidential", "public"]), requiredOnCreate: true),
            FieldSpec("client_id", .string, requiredOnCreate: true),
            FieldSpec("client_secret", .secret),
            FieldSpec("redirect_uris", .listOf([
                FieldSpec("matching_mode", .choice(["strict", "regex"]), requiredOnCreate: true),
                FieldSpec("url", .string, requiredOnCreate: true),
            ]), requiredOnCreate: true),
            FieldSpec("signing_alg", .choice(["RS256", "ES256"])),
            FieldSpec("scopes", .stringList),
            FieldSpec("sub_mode", .choice(["hashed_user_id", "user_username", "user_email", "user_uuid"])),
            FieldSpec("consent_mode", .choice(["implicit", "once", "always"])),
            FieldSpec("access_code_validity", .duration),
            FieldSpec("access_token_validity", .duration),
            FieldSpec("refresh_token_validity", .duration),
            FieldSpec("allow_plain_pkce", .bool),
            // The user client_credentials tokens are issued for; created when missing (svc-<client_id>).
            FieldSpec("service_account", .string),
            // oauth-source slugs whose JWTs this provider accepts as client assertions (machine-to-machine).
            FieldSpec("jwt_federation_sources", .referenceList(model: "oauth-source")),
            // The upstream applications (Entra app ids: the assertion's azp/appid) allowed to act as this client.
            FieldSpec("jwt_federation_subjects", .stringList),
        ],
        isApplied: true,
        checks: [{ attrs in
            if attrs["client_type"] == .string("public"), attrs["client_secret"] != nil {
                return [("attrs.client_secret", "a public client has no secret (it uses PKCE)")]
            }
            if case .list(let sources)? = attrs["jwt_federation_sources"], !sources.isEmpty {
                guard case .list(let subjects)? = attrs["jwt_federation_subjects"], !subjects.isEmpty else {
                    return [("attrs.jwt_federation_subjects", "name the upstream application ids (azp/appid) allowed to use jwt_federation_sources")]
                }
            }
            if attrs["client_type"] == .string("confidential"), attrs["client_secret"] == nil {
                return [("attrs.client_secret", "a confidential client needs a secret (client_secret: !Env NAME)")]
            }
            return []
        }])

    public static let application = ModelSpec(
        name: "application", identifiers: ["slug"],
        fields: [
            FieldSpec("name", .string, requiredOnCreate: true),
            // A provider of any kind (provider names are unique across kinds).
            FieldSpec("provider", .anyReference(models: ModelRegistry.providerModels)),
            FieldSpec("launch_url", .url),
            FieldSpec("groups", .referenceList(model: "group")),
            // Bound policies, run in list order (Docs/policies.md); combined by policy_engine_mode.
            FieldSpec("policies", .listOf([
                FieldSpec("policy", .reference(model: "policy"), requiredOnCreate: true),
                FieldSpec("negate", .bool),
                FieldSpec("failure_result", .bool),
            ])),
            FieldSpec("policy_engine_mode", .choice(["any", "all"])),
            // Step-up: a verified MFA within mfa_window (default minutes=30) before tokens are issued.
            FieldSpec("sensitive", .bool),
            FieldSpec("mfa_window", .duration),
            // Whether an upstream amr of mfa (Entra ID) counts as the verification (default true).
            FieldSpec("upstream_mfa", .bool),
            FieldSpec("attributes", .attributes),
        ],
        isApplied: true)

    /// An access policy (Docs/policies.md). `kind` says which other fields it needs.
    public static let policy = ModelSpec(
        name: "policy", identifiers: ["name"],
        fields: [
            FieldSpec("kind", .choice(Policy.kindNames), requiredOnCreate: true),
            FieldSpec("expression", .expression),
            FieldSpec("group", .reference(model: "group")),
            FieldSpec("networks", .stringList),
            FieldSpec("start", .string),
            FieldSpec("end", .string),
            FieldSpec("utc_offset_minutes", .int),
            FieldSpec("weekdays", .stringList),
            FieldSpec("max_failures", .int),
        ],
        isApplied: true,
        checks: [{ attrs in
            guard case .string(let kind)? = attrs["kind"] else { return [] }
            var problems: [(field: String, message: String)] = []
            let needed: [String] = switch kind {
            case "expression": ["expression"]
            case "group-membership": ["group"]
            case "ip-network": ["networks"]
            case "time-window": ["start", "end"]
            case "reputation": ["max_failures"]
            default: []
            }
            for field in needed where attrs[field] == nil {
                problems.append(("attrs.\(field)", "\(kind == "expression" ? "an" : "a") \(kind) policy needs \(field)"))
            }
            let known = Set(["kind"] + needed).union(kind == "time-window" ? ["utc_offset_minutes", "weekdays"] : [])
            for field in attrs.keys.sorted() where !known.contains(field) {
                problems.append(("attrs.\(field)", "is not used by \(kind == "expression" ? "an" : "a") \(kind) policy"))
            }
            if case .list(let networks)? = attrs["networks"] {
                for case .string(let cidr) in networks where !Policy.isCIDR(cidr) {
                    problems.append(("attrs.networks", "\(cidr) is not a CIDR block like 10.0.0.0/8"))
                }
            }
            for field in ["start", "end"] {
                if case .string(let text)? = attrs[field], Policy.minuteOfDay(text) == nil {
                    problems.append(("attrs.\(field)", "must be HH:MM, not \(text)"))
                }
            }
            if case .list(let days)? = attrs["weekdays"] {
                for case .string(let day) in days where !["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(day) {
                    problems.append(("attrs.weekdays", "\(day) is not one of mon, tue, wed, thu, fri, sat, sun"))
                }
            }
            if case .int(let n)? = attrs["max_failures"], n <= 0 {
                problems.append(("attrs.max_failures", "must be positive"))
            }
            return problems
        }])
}

extension ModelSpec {
    /// An upstream identity source (Docs/sources/): Entra ID, Google, Okta or any OIDC issuer.
    public static let oauthSource = ModelSpec(
        name: "oauth-source", identifiers: ["slug"],
        fields: [
            FieldSpec("name", .string, requiredOnCreate: true),
            FieldSpec("provider_type", .choice(["entra-id", "google", "okta", "openid-connect"]), requiredOnCreate: true),
            FieldSpec("client_id", .string, requiredOnCreate: true),
            FieldSpec("client_secret", .secret, requiredOnCreate: true),
            // Entra ID: the directory (tenant) id, or common / organizations for a multi-tenant app.
            FieldSpec("tenant", .string),
            FieldSpec("allowed_tenants", .stringList),
            // Okta / openid-connect: the issuer whose /.well-known/openid-configuration is read.
            FieldSpec("issuer", .url),
            // Entra ID: login and Graph hosts (defaults: login.microsoftonline.com, graph.microsoft.com).
            FieldSpec("authority", .url),
            FieldSpec("graph_url", .url),
            // Google: only this Workspace domain.
            FieldSpec("hosted_domain", .string),
            FieldSpec("additional_scopes", .stringList),
            FieldSpec("user_matching_mode", .choice(["identifier", "email_link", "email_deny", "username_link", "username_deny"])),
            // The SCIM source that provisions this source's people (externalId = object id).
            FieldSpec("scim_source", .string),
            FieldSpec("enrollment", .bool),
            FieldSpec("group_sync", .bool),
            FieldSpec("attribute_mapping", .expression),
            FieldSpec("group_mapping", .expression),
            FieldSpec("button_label", .string),
            FieldSpec("icon", .string),
            // redirect: the sign-in page sends the browser straight upstream (no local password page).
            FieldSpec("login_mode", .choice(["button", "redirect"])),
            FieldSpec("enabled", .bool),
        ],
        isApplied: true,
        checks: [{ attrs in
            switch attrs["provider_type"] {
            case .string("okta")?, .string("openid-connect")?:
                if attrs["issuer"] == nil { return [("attrs.issuer", "okta and openid-connect sources need an issuer URL")] }
            default:
                break
            }
            return []
        }])
}
