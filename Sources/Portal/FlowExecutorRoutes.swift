import Crypto
import FoundationEssentials
import Flows
import HTTP
import JSON
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
                item["string"] = .string(error.message)
                item["code"] = .string(error.code)
                if byField[error.field] == nil { order.append(error.field) }
                byField[error.field, default: []].append(item)
            }
            var all = JSONObject()
            for field in order { all[field] = .array(byField[field]!.map(JSONValue.object)) }
            object["response_errors"] = .object(all)
        }
        var response = Response(status: .ok, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                                body: JSONValue.object(object).bytes(.insertionOrder))
        response.setCookies(step.cookies)
        return response
    }

    static func flowInfo(_ flow: Flow) -> JSONObject {
        var info = JSONObject()
        info["title"] = .string(flow.title)
        info["layout"] = .string("stacked")
        info["cancel_url"] = .string("/")
        return info
    }

    /// authentik's identification `sources`: one redirect challenge per enabled upstream source.
    func sourceLinks(next: String) -> [JSONObject] {
        (services.sources?.enabledSources() ?? []).map { source in
            var redirect = JSONObject()
            redirect["type"] = .string("redirect")
            redirect["component"] = .string("xak-flow-redirect")
            redirect["to"] = .string(SourceRoutes.loginLink(slug: source.slug, next: next))
            var item = JSONObject()
            item["name"] = .string(source.buttonLabel)
            item["slug"] = .string(source.slug)
            item["icon_url"] = .string(source.icon ?? "")
            item["challenge"] = .object(redirect)
            return item
        }
    }

    static func challengeJSON(_ challenge: Challenge, flow: Flow, sources: [JSONObject] = []) -> JSONObject {
        var object = JSONObject()
        switch challenge {
        case .identification(let fields, _):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["user_fields"] = .strings(fields.map(\.rawValue))
            object["password_fields"] = .bool(false)
            object["primary_action"] = .string("Log in")
            object["sources"] = .array(sources.map(JSONValue.object))
            object["show_source_labels"] = .bool(false)
        case .password(let pendingUser, _):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["pending_user"] = .string(pendingUser)
            object["pending_user_avatar"] = .string("")
        case .authenticatorValidate(let classes, _, let webAuthnOptions):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["device_challenges"] = .array(classes.map { deviceClass -> JSONObject in
                var item = JSONObject()
                item["device_class"] = .string(deviceClass)
                item["device_uid"] = .string("")
                item["challenge"] = deviceClass == "webauthn" ? webAuthnOptions ?? .object([:]) : .object([:])
                return item
            }.map(JSONValue.object))
            object["configuration_stages"] = .array([])
        case .totpSetup(let configURL, let secret, _):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["config_url"] = .string(configURL)
            object["secret"] = .string(secret)
        case .webAuthnSetup(let options, _):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["registration"] = options
        case .prompt(let fields, let values, _):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["fields"] = .array(fields.enumerated().map { index, field -> JSONObject in
                var item = JSONObject()
                item["field_key"] = .string(field.key)
                item["label"] = .string(field.label)
                item["type"] = .string(field.kind.rawValue)
                item["required"] = .bool(field.required)
                item["placeholder"] = .string(field.placeholder)
                item["initial_value"] = .string(values[field.key] ?? "")
                item["order"] = .int(index)
                return item
            }.map(JSONValue.object))
        case .consent(let message, _):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["header_text"] = .string(message)
        case .recoveryCodes(let codes):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["codes"] = .strings(codes)
        case .accessDenied(let message):
            object["type"] = .string("native")
            object["component"] = .string(challenge.component)
            object["flow_info"] = .object(flowInfo(flow))
            object["error_message"] = .string(message)
        case .redirect(let to):
            object["type"] = .string("redirect")
            object["component"] = .string(challenge.component)
            object["to"] = .string(to)
        }
        return object
    }
}
