import XCTest
import HTTP
import Logging
import Synchronization
@testable import Web

let testKey = [UInt8](repeating: 7, count: 32)

func makeApp(trusted: [String] = [], branding: Branding = Branding(companyName: "Acme"),
             logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) throws -> WebApplication {
    let config = WebConfig(externalURL: "https://id.example.com", trustedProxies: try TrustedProxies(trusted),
                           branding: branding, serverKey: testKey, logger: logger)
    return try WebApplication(config: config)
}

extension WebApplication {
    func send(_ method: HTTPMethod = .get, _ target: String, headers: HTTPHeaders = [:], body: String = "",
              peer: String = "203.0.113.9", tls: Bool = false) -> HTTPResponse {
        var h = headers
        if !h.contains("Host") { h.add("Host", "id.example.com") }
        let request = HTTPRequest(method: method, target: target, headers: h, body: Array(body.utf8))
        return responder(request, ConnectionInfo(remoteAddress: peer, remotePort: 40000, localPort: 8080, isTLS: tls))
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    var setCookies: [String] { headers.values("Set-Cookie") }
}

/// Captures log entries for assertions.
final class CapturedLogs: Sendable {
    struct Entry: Sendable { let level: Logger.Level; let message: String; let metadata: [String: String] }
    let entries = Mutex<[Entry]>([])
    var all: [Entry] { entries.withLock { $0 } }

    func makeLogger() -> Logger {
        Logger(label: "captured") { _ in Handler(sink: self) }
    }

    struct Handler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
                 source: String, file: String, function: String, line: UInt) {
            var m: [String: String] = [:]
            for (k, v) in (metadata ?? [:]) { m[k] = "\(v)" }
            let entry = Entry(level: level, message: "\(message)", metadata: m)
            sink.entries.withLock { $0.append(entry) }
        }
    }
}

struct Boom: Error { let secret = "db password is hunter2" }
