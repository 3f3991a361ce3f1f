import Crypto
import Foundation
import HTTP
import Logging
import SCIM
import Store
import Synchronization
import Web
import XCTest

/// The SCIM provider on an in-process web application over the in-memory store: two sources
/// (`entra`, and `purging` with `purge_on_delete`), requests sent straight to the responder.
final class SCIMHarness: Sendable {
    let store = InMemoryProvisioningStore()
    let app: WebApplication
    /// Users whose cached sessions the provider asked to void, in order.
    let deactivated = Recorded<UserID>()
    /// Store failures the provider logged.
    let logged = Recorded<String>()

    static let token = "entra-token-" + String(repeating: "x", count: 32)
    static let otherToken = "purging-token-" + String(repeating: "y", count: 32)
    static let origin = "https://id.example.com"
    static let base = origin + "/source/scim/entra/v2"

    init() throws {
        try store.addSource(slug: "entra", tokenSHA256: Digest.sha256(Self.token), purgeOnDelete: false, enabled: true)
        try store.addSource(slug: "purging", tokenSHA256: Digest.sha256(Self.otherToken), purgeOnDelete: true, enabled: true)
        let config = WebConfig(externalURL: Self.origin, trustedProxies: try TrustedProxies([]),
                               branding: Branding(companyName: "Acme"), serverKey: [UInt8](repeating: 7, count: 32),
                               logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        app = try WebApplication(config: config)
        let (deactivated, logged) = (self.deactivated, self.logged)
        SCIMProvider(store: store, log: { message, metadata in logged.append("\(message) \(metadata)") },
                     userDeactivated: { user in deactivated.append(user) })
            .register(root: app.root)
    }

    /// Sends a request under `/source/scim/<source>/v2`; `token: nil` sends no Authorization.
    func send(_ method: HTTPMethod, _ path: String, _ body: String? = nil, token: String? = SCIMHarness.token,
              source: String = "entra", contentType: String = "application/scim+json") -> HTTPResponse {
        send(method, path, body: body.map { Array($0.utf8) } ?? [], token: token, source: source, contentType: contentType)
    }

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8], token: String? = SCIMHarness.token,
              source: String = "entra", contentType: String = "application/scim+json") -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Host", "id.example.com")
        if let token { headers.add("Authorization", "Bearer " + token) }
        if !body.isEmpty { headers.add("Content-Type", contentType) }
        let request = HTTPRequest(method: method, target: "/source/scim/\(source)/v2" + path, headers: headers, body: body)
        return app.responder(request, ConnectionInfo(remoteAddress: "203.0.113.9", remotePort: 40000, localPort: 8080, isTLS: true))
    }

    /// POSTs a resource and returns its id (failing the test unless it was created).
    func create(_ path: String, _ body: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let response = send(.post, path, body)
        XCTAssertEqual(response.status.code, 201, response.text, file: file, line: line)
        return try XCTUnwrap(response.json["id"]?.stringValue, response.text, file: file, line: line)
    }

    var deactivations: [UserID] { deactivated.all }
}

/// What a callback was called with, in order, from any thread.
final class Recorded<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: JSONValue] { JSONValue.parse(body)?.objectValue ?? [:] }
    var resources: [[String: JSONValue]] { json["Resources"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
}

/// Asserts the SCIM error shape: status, `application/scim+json`, the error schema, `scimType`.
func assertSCIMError(_ response: HTTPResponse, _ status: Int, _ scimType: String?, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(response.status.code, status, response.text, file: file, line: line)
    XCTAssertEqual(response.headers["Content-Type"], "application/scim+json", file: file, line: line)
    XCTAssertEqual(response.json["schemas"], [.string(SCIMError.schema)], file: file, line: line)
    XCTAssertEqual(response.json["status"], .string(String(status)), file: file, line: line)
    XCTAssertEqual(response.json["scimType"]?.stringValue, scimType, file: file, line: line)
}
