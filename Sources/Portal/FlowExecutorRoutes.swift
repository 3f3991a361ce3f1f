import Crypto
import FoundationEssentials
import Flows
import HTTP
import Store
import Web

/// authentik's JSON flow executor: `GET/POST /api/v3/flows/executor/<flow-slug>/`.
///
/// GET answers the current challenge (creating a pre-login session, and its cookie, when
/// the browser has none); POST takes the response to it and answers the next challenge,
/// with `response_errors` on errors, or `xak-flow-redirect` once the flow is done (setting
/// the session cookie).
///
/// CSRF: this API is authenticated by the session cookie, so a cross-site page must not be
/// able to drive it. A POST must be `Content-Type: application/json` (a cross-site form or
/// a "simple" fetch cannot send that without a CORS preflight, which we never grant), its
/// `Origin`, when present, must be our external origin, and `Sec-Fetch-Site`, when present,
/// must not be `cross-site`. The invalidation (logout) flow only runs on POST, so a GET
/// (an image tag, a link) cannot log anyone out.
struct FlowExecutorRoutes {
    let services: LoginServices

    static let path = "/api/v3/flows/executor/:slug/"

    func register(on group: RouteGroup) {
        group.get(Self.path) { request in try get(request) }
        group.post(Self.path) { request in try post(request) }
    }

    struct Body: Decodable {
        var component: String?
        var uid_field: String?
        var password: String?
        var code: String?
        /// A new WebAuthn credential (`ak-stage-authenticator-webauthn`).
        var response: PublicKeyCredential?
        /// A WebAuthn assertion (`ak-stage-authenticator-validate`).
        var webauthn: PublicKeyCredential?
        /// `ak-stage-consent`.
        var accept: Bool?
    }

    /// Every string member of the body (the prompt stage's answers are keyed by field).
    struct StringMembers: Decodable {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        var values: [String: String] = [:]
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys.prefix(64) {
                if let value = try? container.decode(String.self, forKey: key) { values[key.stringValue] = String(value.prefix(4096)) }
            }
        }
    }

    /// `PublicKeyCredential.toJSON()`: binary members base64url.
    struct PublicKeyCredential: Decodable {
        struct Response: Decodable {
            var clientDataJSON: String?
            var attestationObject: String?
            var authenticatorData: String?
            var signature: String?
        }
        var rawId: String?
        var response: Response?

        static func bytes(_ text: String?) -> [UInt8] {
            guard let text else { return [] }
            return Base64URL.decode(String(text.prefix(65_536).filter { $0 != "=" })) ?? []
        }

        var registration: FlowInput {
            .webAuthnRegistration(clientDataJSON: Self.bytes(response?.clientDataJSON),
                                  attestationObject: Self.bytes(response?.attestationObject))
        }

        var assertion: FlowInput {
            .webAuthnAssertion(credentialID: Self.bytes(rawId), clientDataJSON: Self.bytes(response?.clientDataJSON),
                               authenticatorData: Self.bytes(response?.authenticatorData),
                               signature: Self.bytes(response?.signature))
        }
    }

    func get(_ request: Request) throws -> Response {
        let slug = request.parameter("slug") ?? ""
        guard let flow = services.executor.flows[slug] else { throw WebError.notFound }
        if flow.designation == .invalidation { throw WebError.methodNotAllowed([.post]) }
        return try respond(FlowStep.run(services, request, slug: slug, input: .none))
    }

    func post(_ request: Request) throws -> Response {
        let slug = request.parameter("slug") ?? ""
        guard services.executor.flows[slug] != nil else { throw WebError.notFound }
        try Self.checkSameOrigin(request)
        let body = try request.json(Body.self)
        let input: FlowInput
        switch body.component {
        case "ak-stage-identification": input = .identification(uid: body.uid_field ?? "")
        case "ak-stage-password": input = .password(body.password ?? "")
        case "ak-stage-authenticator-validate": input = body.webauthn?.assertion ?? .authenticatorCode(body.code ?? "")
        case "ak-stage-authenticator-totp": input = .totpSetupCode(body.code ?? "")
        case "ak-stage-authenticator-webauthn": input = body.response?.registration ?? .none
        case "ak-stage-prompt": input = .prompt(try request.json(StringMembers.self).values)
        case "ak-stage-consent": input = .consent(accepted: body.accept == true)
        default: input = .none
        }
        return try respond(FlowStep.run(services, request, slug: slug, input: input))
    }

    static func checkSameOrigin(_ request: Request) throws {
        if let origin = request.headers["Origin"] {
            guard origin.trimmingOWS().lowercased() == request.context.externalOrigin else { throw WebError.csrfFailed }
        }
        if let site = request.headers["Sec-Fetch-Site"]?.trimmingOWS().lowercased(), site == "cross-site" {
            throw WebError.csrfFailed
        }
    }

    func respond(_ step: FlowStep) throws -> Response {
        var object = Self.challengeJSON(step.outcome.challenge, flow: step.flow, sources: sourceLinks(next: step.plan.next))
        let errors = step.outcome.errors
        if !errors.isEmpty {
            var byField: [String: [JSONObject]] = [:]
            var order: [String] = []
            for error in errors {
                var item = JSONObject()
                item.set("string", error.message)
                item.set("code", error.code)
                if byField[error.field] == nil { order.append(error.field) }
                byField[error.field, default: []].append(item)
            }
            var all = JSONObject()
            for field in order { all.set(field, byField[field]!) }
            object.set("response_errors", all)
        }
        var response = Response(status: .ok, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                                body: Array(object.text.utf8))
        response.setCookies(step.cookies)
        return response
    }

    static func flowInfo(_ flow: Flow) -> JSONObject {
        var info = JSONObject()
        info.set("title", flow.title)
        info.set("layout", "stacked")
        info.set("cancel_url", "/")
        return info
    }

    /// authentik's identification `sources`: one redirect challenge per enabled upstream source.
    func sourceLinks(next: String) -> [JSONObject] {
        (services.sources?.enabledSources() ?? []).map { source in
            var redirect = JSONObject()
            redirect.set("type", "redirect")
            redirect.set("component", "xak-flow-redirect")
            redirect.set("to", SourceRoutes.loginLink(slug: source.slug, next: next))
            var item = JSONObject()
            item.set("name", source.buttonLabel)
            item.set("slug", source.slug)
            item.set("icon_url", source.icon ?? "")
            item.set("challenge", redirect)
            return item
        }
    }

    static func challengeJSON(_ challenge: Challenge, flow: Flow, sources: [JSONObject] = []) -> JSONObject {
        var object = JSONObject()
        switch challenge {
        case .identification(let fields, _):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("user_fields", strings: fields.map(\.rawValue))
            object.set("password_fields", false)
            object.set("primary_action", "Log in")
            object.set("sources", sources)
            object.set("show_source_labels", false)
        case .password(let pendingUser, _):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("pending_user", pendingUser)
            object.set("pending_user_avatar", "")
        case .authenticatorValidate(let classes, _, let webAuthnOptions):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("device_challenges", classes.map { deviceClass -> JSONObject in
                var item = JSONObject()
                item.set("device_class", deviceClass)
                item.set("device_uid", "")
                item.set("challenge", raw: deviceClass == "webauthn" ? webAuthnOptions?.serialized(.insertionOrder) ?? "{}" : "{}")
                return item
            })
            object.set("configuration_stages", raw: "[]")
        case .totpSetup(let configURL, let secret, _):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("config_url", configURL)
            object.set("secret", secret)
        case .webAuthnSetup(let options, _):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("registration", raw: options.serialized(.insertionOrder))
        case .prompt(let fields, let values, _):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("fields", fields.enumerated().map { index, field -> JSONObject in
                var item = JSONObject()
                item.set("field_key", field.key)
                item.set("label", field.label)
                item.set("type", field.kind.rawValue)
                item.set("required", field.required)
                item.set("placeholder", field.placeholder)
                item.set("initial_value", values[field.key] ?? "")
                item.set("order", raw: String(index))
                return item
            })
        case .consent(let message, _):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("header_text", message)
        case .recoveryCodes(let codes):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("codes", strings: codes)
        case .accessDenied(let message):
            object.set("type", "native")
            object.set("component", challenge.component)
            object.set("flow_info", flowInfo(flow))
            object.set("error_message", message)
        case .redirect(let to):
            object.set("type", "redirect")
            object.set("component", challenge.component)
            object.set("to", to)
        }
        return object
    }
}
