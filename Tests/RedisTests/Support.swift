import GatehouseTesting
import Foundation
import Logging
import XCTest
@testable import Redis

/// The shared test Redis (`GATEHOUSE_TEST_REDIS_URL`, set by Deploy/test.sh); skips when unset.
func liveConfiguration() throws -> RedisConfiguration {
    let text = try TestEnvironment.redisURL()
    guard let url = URLComponents(string: text), url.scheme == "redis", let host = url.host else {
        throw TestPrecondition("GATEHOUSE_TEST_REDIS_URL is not a redis:// URL")
    }
    let database = Int(url.path.dropFirst()) ?? 0
    let user = url.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
    let password = url.password.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
    return RedisConfiguration(host: host, port: url.port ?? 6379, username: password == nil ? nil : user,
                              password: password ?? user, database: database)
}

/// A key no other test (or earlier run) uses.
func uniqueKey(_ name: String = #function) -> String {
    "gh-test:\(name.filter(\.isLetter)):\(UInt64.random(in: 0...UInt64.max))"
}

/// A loopback port nothing listens on (bound, read, released).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw TestPrecondition("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = monotonicNow()
    try body()
    return monotonicNow() - start
}

/// Asserts that `body` throws `.unavailable`, and returns how long it took.
@discardableResult
func assertUnavailable<T>(_ body: () throws(RedisError) -> T, file: StaticString = #filePath, line: UInt = #line) -> Double {
    let start = monotonicNow()
    do {
        let value = try body()
        XCTFail("expected .unavailable, got \(value)", file: file, line: line)
    } catch .unavailable {
    } catch {
        XCTFail("expected .unavailable, got \(error)", file: file, line: line)
    }
    return monotonicNow() - start
}

/// Log records kept in memory, to count the breaker's warnings and infos.
final class RecordingLog: @unchecked Sendable {
    private let records = Lock<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        var logger = Logger(label: "redis-test") { _ in Handler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    func count(_ level: Logger.Level) -> Int { records.withLock { $0.filter { $0.level == level }.count } }
    var all: [(level: Logger.Level, message: String)] { records.withLock { $0 } }

    struct Handler: LogHandler {
        let log: RecordingLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.records.withLock { $0.append((event.level, event.message.description)) }
        }
    }
}

/// A private redis-server on a fixed loopback port, for killing and restarting.
final class PrivateRedis {
    let port: Int
    let password: String?
    private let directory: String
    private var process: Process?

    init(port: Int, password: String? = nil) throws {
        self.port = port
        self.password = password
        directory = NSTemporaryDirectory() + "gh-redis-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var configuration: RedisConfiguration {
        RedisConfiguration(host: "127.0.0.1", port: port, password: password)
    }

    func start() throws {
        guard let executable = ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestPrecondition("redis-server is not installed (Debian package redis-server; Deploy/test.sh installs it)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", directory, "--logfile", directory + "/redis.log"]
        if let password { arguments += ["--requirepass", password] }
        process.arguments = arguments
        try process.run()
        self.process = process
        let deadline = monotonicNow() + 10
        while monotonicNow() < deadline {
            if let connection = try? RedisConnection(configuration: configuration),
               (try? connection.command(["PING"])) == .status("PONG") { return }
            usleep(20_000)
        }
        stop()
        XCTFail("redis-server on port \(port) did not come up")
    }

    /// SIGKILL, like a crash: no goodbye to clients.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }
}
