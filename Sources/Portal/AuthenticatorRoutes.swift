import FoundationEssentials
import Flows
import HTTP
import JSON
import Store
import Web

/// The signed-in user's own authenticators (JSON, authentik-like paths):
///
/// - `GET /api/v3/authenticators/`: TOTP devices (id, name, created, last used) and how many
///   recovery codes are left. Secrets never leave the server.
/// - `PATCH /api/v3/authenticators/totp/<id>/` `{"name": "…"}`: rename.
/// - `DELETE /api/v3/authenticators/totp/<id>/`: remove.
///
/// Changing devices needs an MFA verification of this session within the last 30 minutes
/// (a stolen cookie alone cannot remove the second factor); otherwise 403 with `step_up`,
/// the validation flow to pass first. CSRF: as the flow executor (JSON body, same origin).
struct AuthenticatorRoutes {
    let services: LoginServices

    static let listPath = "/api/v3/authenticators/"
    static let devicePath = "/api/v3/authenticators/totp/:id/"
    static let keyPath = "/api/v3/authenticators/webauthn/:id/"

    func register(on group: RouteGroup) {
        group.get(Self.listPath) { request in try list(request) }
        group.patch(Self.devicePath) { request in try rename(request) }
        group.delete(Self.devicePath) { request in try remove(request) }
        group.patch(Self.keyPath) { request in try rename(request, webAuthn: true) }
        group.delete(Self.keyPath) { request in try remove(request, webAuthn: true) }
    }

    func list(_ request: Request) throws -> Response {
        let (user, _, store) = try signedIn(request)
        let devices = try store.totpDevices(ofUser: user.id).filter(\.confirmed).map { device -> JSONObject in
            var item = JSONObject()
            item["pk"] = .string(device.id)
            item["name"] = .string(device.name)
            item["type"] = .string("totp")
            item["created"] = .string(device.createdAt.iso8601)
            item["last_used"] = device.lastUsedAt.map { .string($0.iso8601) } ?? .null
            return item
        }
        let keys = try store.webAuthnDevices(ofUser: user.id).map { key -> JSONObject in
            var item = JSONObject()
            item["pk"] = .string(key.id)
            item["name"] = .string(key.name)
            item["type"] = .string("webauthn")
            item["created"] = .string(key.createdAt.iso8601)
            item["last_used"] = key.lastUsedAt.map { .string($0.iso8601) } ?? .null
            return item
        }
        var body = JSONObject()
        body["totp"] = .array(devices.map(JSONValue.object))
        body["webauthn"] = .array(keys.map(JSONValue.object))
        body["recovery_codes_left"] = .int(try store.recoveryCodeCount(userID: user.id))
        return Self.json(.ok, body)
    }

    struct RenameBody: Decodable { var name: String? }

    func rename(_ request: Request, webAuthn: Bool = false) throws -> Response {
        try FlowExecutorRoutes.checkSameOrigin(request)
        let (user, session, store) = try signedIn(request)
        if let refused = try needsStepUp(session, store) { return refused }
        let name = (try request.json(RenameBody.self).name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { return Self.error(.badRequest, "name must be 1 to 100 characters") }
        let id = request.parameter("id") ?? ""
        let renamed = webAuthn ? try store.renameWebAuthnDevice(id: id, userID: user.id, name: name)
            : try store.renameTOTPDevice(id: id, userID: user.id, name: name)
        guard renamed else {
            return Self.error(.notFound, "no such device")
        }
        audit(request, user, "mfa_device_renamed")
        return try list(request)
    }

    func remove(_ request: Request, webAuthn: Bool = false) throws -> Response {
        try FlowExecutorRoutes.checkSameOrigin(request)
        let (user, session, store) = try signedIn(request)
        if let refused = try needsStepUp(session, store) { return refused }
        let id = request.parameter("id") ?? ""
        let removed = webAuthn ? try store.deleteWebAuthnDevice(id: id, userID: user.id)
            : try store.deleteTOTPDevice(id: id, userID: user.id)
        guard removed else {
            return Self.error(.notFound, "no such device")
        }
        audit(request, user, "mfa_device_removed")
        return Response(status: .noContent, headers: ["Cache-Control": "no-store"], body: [])
    }

    // MARK: -

    private func signedIn(_ request: Request) throws -> (User, Session, any AuthenticatorStore) {
        guard let current = try services.resolver.current(request), let user = current.user else {
            throw WebError.forbidden
        }
        guard let store = services.authenticators else { throw WebError.notFound }
        return (user, current.session, store)
    }

    private func needsStepUp(_ session: Session, _ store: any AuthenticatorStore) throws -> Response? {
        if let mfa = try store.sessionMFA(sessionIDHash: session.idHash),
           mfa.verifiedAt.adding(seconds: Int64(FlowExecutor.authenticatorChangeWindowSeconds)) > Timestamp.now() {
            return nil
        }
        var body = JSONObject()
        body["detail"] = .string("Verify your second factor first.")
        body["step_up"] = .string("/if/flow/\(Flow.mfaValidation.slug)/")
        return Self.json(.forbidden, body)
    }

    private func audit(_ request: Request, _ user: User, _ action: String) {
        _ = try? services.events.appendEvent(NewAuditEvent(actorUserID: user.id, action: action, clientIP: request.clientIP,
                                                           outcome: "success",
                                                           context: JSONText(["device": .string(request.parameter("id") ?? "")])))
    }

    static func json(_ status: HTTPStatus, _ body: JSONObject) -> Response {
        Response(status: status, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                 body: JSONValue.object(body).bytes(.insertionOrder))
    }

    static func error(_ status: HTTPStatus, _ detail: String) -> Response {
        var body = JSONObject()
        body["detail"] = .string(detail)
        return json(status, body)
    }
}
