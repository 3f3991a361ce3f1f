import Logging
import XCTest
@testable import App

final class LoggingTests: XCTestCase {
    /// A sink that keeps lines in memory.
    final class Capture: Sendable {
        let lines = Locked<[String]>([])
        var sink: LogSink {
            LogSink { bytes in self.lines.withLock { $0.append(String(decoding: bytes.dropLast(), as: UTF8.self)) } }
        }
        var all: [String] { lines.withLock { $0 } }
    }

    func json(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func testJSONLine() throws {
        let capture = Capture()
        var logger = Logger(label: "gatehouse.test") { label in
            GatehouseLogging.makeHandler(label: label, level: .debug, format: .json, sink: capture.sink)
        }
        logger[metadataKey: "request_id"] = "r-123"
        logger.info("user \"alice\" signed in\nnext", metadata: [
            "user": .stringConvertible(42),
            "client": .dictionary(["id": "app", "kind": "oidc"]),
            "scopes": .array(["openid", "email"]),
            "msg": "collides",
        ])
        logger.trace("not shown at debug")
        XCTAssertEqual(capture.all.count, 1)
        let line = capture.all[0]
        XCTAssertFalse(line.contains("\n"))
        XCTAssertTrue(line.hasPrefix("{\"ts\":\""), line)
        let object = try json(line)
        XCTAssertEqual(object["level"] as? String, "info")
        XCTAssertEqual(object["msg"] as? String, "user \"alice\" signed in\nnext")
        XCTAssertEqual(object["logger"] as? String, "gatehouse.test")
        XCTAssertEqual(object["request_id"] as? String, "r-123")
        XCTAssertEqual(object["user"] as? String, "42")
        XCTAssertEqual(object["client.id"] as? String, "app")
        XCTAssertEqual(object["client.kind"] as? String, "oidc")
        XCTAssertEqual(object["scopes"] as? [String], ["openid", "email"])
        XCTAssertEqual(object["md_msg"] as? String, "collides")
        let timestamp = try XCTUnwrap(object["ts"] as? String)
        XCTAssertNotNil(timestamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression), timestamp)
    }

    func testTimestampFormat() {
        XCTAssertEqual(LogTimestamp.format(seconds: 0, milliseconds: 7), "1970-01-01T00:00:00.007Z")
        XCTAssertEqual(LogTimestamp.format(seconds: 1_767_323_045, milliseconds: 678), "2026-01-02T03:04:05.678Z")
    }

    func testControlCharactersEscaped() throws {
        var out = ""
        appendJSONString("a\u{1}b\u{7f}\u{2028}é", to: &out)
        XCTAssertEqual(out, "\"a\\u0001b\\u007f\\u2028é\"")
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(out.utf8), options: .fragmentsAllowed) as? String, "a\u{1}b\u{7f}\u{2028}é")
    }

    func testTextLine() {
        let capture = Capture()
        var logger = Logger(label: "gatehouse") { label in
            GatehouseLogging.makeHandler(label: label, level: .info, format: .text, sink: capture.sink)
        }
        logger[metadataKey: "request_id"] = "r-9"
        logger.warning("disk low", metadata: ["path": "/var/lib/x y"])
        logger.debug("hidden")
        XCTAssertEqual(capture.all.count, 1)
        let line = capture.all[0]
        XCTAssertTrue(line.hasSuffix(" warning  gatehouse: disk low path=\"/var/lib/x y\" request_id=r-9"), line)
    }

    func testConcurrentWritesStayWhole() throws {
        let capture = Capture()
        let logger = Logger(label: "gatehouse") { label in
            GatehouseLogging.makeHandler(label: label, level: .info, format: .json, sink: capture.sink)
        }
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for index in 0..<200 { logger.info("line", metadata: ["worker": "\(worker)", "index": "\(index)"]) }
        }
        XCTAssertEqual(capture.all.count, 1600)
        for line in capture.all { XCTAssertNoThrow(try json(line)) }
    }
}
