#if canImport(Glibc)
import GatehouseTesting
import Glibc
#endif
import Foundation
import Net
import XCTest

/// What the integration tests need from the environment Deploy/test.sh sets up.
struct IntegrationEnvironment {
    let binary: String
    let databaseURL: String
    let redisURL: String

    /// The binary alone (tests that never reach a database).
    static func binary() throws -> String {
        try TestEnvironment.binary()
    }

    /// The binary plus a live PostgreSQL and Redis.
    static func live() throws -> IntegrationEnvironment {
        IntegrationEnvironment(binary: try binary(), databaseURL: try TestEnvironment.databaseURL(),
                               redisURL: try TestEnvironment.redisURL())
    }
}

/// 64 random hex characters: a fresh `GATEHOUSE_SECRET_KEY` per run.
func generateSecretKey() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in
        let byte = UInt8.random(in: 0...255, using: &generator)
        return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
    }.joined()
}

/// The master key of servers started against the shared test database.
let sharedSecretKey = generateSecretKey()

/// A database for this test process's servers (made on first use): what they store, such as
/// signing keys sealed under `sharedSecretKey`, never meets a server of an earlier run.
private let runDatabaseLock = NSLock()
nonisolated(unsafe) private var runDatabaseValue: LoginScratchDatabase?
func runDatabase(_ env: IntegrationEnvironment) throws -> LoginScratchDatabase {
    runDatabaseLock.lock()
    defer { runDatabaseLock.unlock() }
    if let runDatabaseValue { return runDatabaseValue }
    let made = try LoginScratchDatabase(adminURL: env.databaseURL)
    runDatabaseValue = made
    return made
}

/// A port on 127.0.0.1 that was free a moment ago: bind port 0, read it, close.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw IntegrationError("socket failed") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw IntegrationError("bind to 127.0.0.1:0 failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

struct IntegrationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One `gatehouse` child process with its stdout and stderr in files (a pipe nobody reads
/// could fill up and block the server). `stop()` kills it if it still runs.
final class GatehouseChild: @unchecked Sendable {
    let process = Process()
    let port: Int
    let secretKey: String
    let directory: String
    var stdoutPath: String { directory + "/stdout" }
    var stderrPath: String { directory + "/stderr" }

    /// Starts `gatehouse <arguments>` with exactly `environment` (plus PATH).
    init(binary: String, arguments: [String], environment: [String: String], port: Int, secretKey: String) throws {
        self.port = port
        self.secretKey = secretKey
        directory = NSTemporaryDirectory() + "gatehouse-integ-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: directory + "/stdout", contents: nil)
        _ = FileManager.default.createFile(atPath: directory + "/stderr", contents: nil)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = environment
        env["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: directory + "/stdout")
        process.standardError = FileHandle(forWritingAtPath: directory + "/stderr")
        try process.run()
    }

    /// `gatehouse serve` on 127.0.0.1:<free port> against the test database and Redis.
    /// `overrides` replace or add keys; a value of "" removes the key.
    static func serve(_ env: IntegrationEnvironment, port: Int? = nil, overrides: [String: String] = [:]) throws -> GatehouseChild {
        let port = try port ?? freePort()
        // One master key for every server of this test run: they share the test database,
        // whose signing keys are sealed under the key of the first server that started.
        let key = sharedSecretKey
        var environment = [
            "GATEHOUSE_LISTEN": "127.0.0.1:\(port)",
            "GATEHOUSE_EXTERNAL_URL": "http://127.0.0.1:\(port)",
            // The run's own database, unless the test brings one.
            "GATEHOUSE_DATABASE_URL": overrides["GATEHOUSE_DATABASE_URL"] != nil ? "" : try runDatabase(env).url,
            "GATEHOUSE_REDIS_URL": env.redisURL,
            "GATEHOUSE_SECRET_KEY": key,
            "GATEHOUSE_LOG_FORMAT": "json",
        ]
        for (name, value) in overrides { environment[name] = value.isEmpty ? nil : value }
        // Servers of one database (the nodes of one test) share a Redis database of their own,
        // emptied when the first of them starts: the login throttle counts failures per client
        // address, and every test connects from 127.0.0.1, so shared counters would let one
        // test's wrong passwords lock out the next test's sign-ins.
        if let redis = environment["GATEHOUSE_REDIS_URL"], overrides["GATEHOUSE_REDIS_URL"] == nil,
           let database = environment["GATEHOUSE_DATABASE_URL"] {
            environment["GATEHOUSE_REDIS_URL"] = try RedisScratch.database(for: database, base: redis)
        }
        return try GatehouseChild(binary: env.binary, arguments: ["serve"], environment: environment, port: port, secretKey: key)
    }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    func signal(_ number: Int32) { kill(pid, number) }

    /// Waits up to `timeout` seconds for the process to end; true if it did.
    @discardableResult
    func waitForExit(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return false }
        process.waitUntilExit()
        return true
    }

    /// True when the process exited (not killed by a signal) with status 0.
    var exitedCleanly: Bool {
        !process.isRunning && process.terminationReason == .exit && process.terminationStatus == 0
    }

    var exitDescription: String {
        if process.isRunning { return "still running" }
        return process.terminationReason == .exit ? "exit status \(process.terminationStatus)"
                                                  : "killed by signal \(process.terminationStatus)"
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Polls `url` until it answers 200, the process dies, or `timeout` passes.
    func waitUntilLive(scheme: String = "http", caFile: String? = nil, timeout: Double = 15) throws {
        let url = "\(scheme)://127.0.0.1:\(port)/-/health/live/"
        let deadline = Date().addingTimeInterval(timeout)
        var last = "no attempt"
        while Date() < deadline {
            guard process.isRunning else {
                throw IntegrationError("gatehouse exited (\(exitDescription)) before \(url) answered; stderr:\n\(stderr)")
            }
            if let status = try? simpleGet(url, caFile: caFile), status == 200 { return }
            last = "not yet"
            usleep(50_000)
        }
        throw IntegrationError("\(url) did not answer 200 within \(Int(timeout)) s (\(last)); stderr:\n\(stderr)")
    }

    /// Kills the process if it still runs, waits for it and removes its files.
    func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A GET over a blocking socket (plain) or Net's client (TLS), returning the status.
private func simpleGet(_ url: String, caFile: String?) throws -> Int {
    if url.hasPrefix("https://") {
        return try httpsStatus(url, caFile: caFile)
    }
    guard let portText = url.split(separator: ":").last?.split(separator: "/").first, let port = Int(portText) else {
        throw IntegrationError("bad url \(url)")
    }
    let client = try RawClient(port: port, timeout: 2)
    client.send("GET /-/health/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    guard let response = client.readResponses(1).first else { throw IntegrationError("no response") }
    return RawClient.status(of: response)
}

private func httpsStatus(_ url: String, caFile: String?) throws -> Int {
    let client = try HTTPClient(options: .init(connectTimeout: .seconds(1), totalTimeout: .seconds(3), caFile: caFile))
    return try client.get(url).status.code
}

/// A parsed response as text: status, headers (names lower-cased), body.
struct RawResponse {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: String

    init?(_ text: String) {
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        status = RawClient.status(of: lines[0])
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        body = String(text[split.upperBound...])
    }

    func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
}

/// A blocking TCP client for tests: sends exact bytes, reads what comes back.
/// (Copied from NetTests/RawClient.swift: test targets cannot import each other.)
final class RawClient {
    let fd: Int32

    init(port: Int, host: String = "127.0.0.1", timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &sa.sin_addr)
        let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc != 0 {
            let e = errno
            Glibc.close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: e) ?? .EIO)
        }
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// What one `recv` returns; nil when the peer closed or the receive timeout passed.
    func readSome() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    /// Reads until the peer closes or the receive timeout passes. `closed` says which.
    func readAll() -> (text: String, closed: Bool) {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { data.append(contentsOf: buffer[0..<n]); continue }
            let closed = n == 0 || errno == ECONNRESET
            return (String(decoding: data, as: UTF8.self), closed)
        }
    }

    /// Reads until `count` complete responses with Content-Length bodies have arrived.
    func readResponses(_ count: Int) -> [String] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var responses: [String] = []
        while responses.count < count {
            while let r = RawClient.splitResponse(&data) { responses.append(r) }
            if responses.count >= count { break }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return responses
    }

    /// Pops one complete response (head + Content-Length body) off the front of `data`.
    static func splitResponse(_ data: inout [UInt8]) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.lowerBound]
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let headBytes = text[..<headEnd.upperBound].utf8.count
        guard data.count >= headBytes + length else { return nil }
        let response = String(decoding: data[0..<(headBytes + length)], as: UTF8.self)
        data.removeFirst(headBytes + length)
        return response
    }

    static func status(of response: String) -> Int {
        let parts = response.split(separator: " ", maxSplits: 2)
        return parts.count > 1 ? Int(parts[1]) ?? -1 : -1
    }
}

/// A throwaway PKI made with the openssl command line: a CA and a server certificate for
/// `localhost` and 127.0.0.1 signed by it. (After NetTests/TestSupport.swift.)
struct TestPKI {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    var serverCert: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    static func generate() throws -> TestPKI {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let openssl = (path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"])
            .map({ $0 + "/openssl" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestPrecondition("openssl is not installed (Debian package openssl; Deploy/test.sh installs it)")
        }
        let dir = NSTemporaryDirectory() + "gatehouse-integ-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
            .write(toFile: dir + "/server.ext", atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try run(openssl, ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                 "-subj", "/CN=Gatehouse Integration CA",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: dir)
        try run(openssl, ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], in: dir)
        try run(openssl, ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"], in: dir)
        return TestPKI(directory: dir)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    private static func run(_ tool: String, _ arguments: [String], in dir: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw IntegrationError("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
    }
}


/// A Redis database (1–15) per PostgreSQL database of the tests, flushed on first use.
enum RedisScratch {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var assigned: [String: String] = [:]
    nonisolated(unsafe) private static var next = 0

    static func database(for databaseURL: String, base: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let url = assigned[databaseURL] { return url }
        next = next % 15 + 1
        guard let schemeEnd = base.range(of: "://") else { throw TestPrecondition("GATEHOUSE_TEST_REDIS_URL is not a URL: \(base)") }
        let authority = base[schemeEnd.upperBound...].prefix { $0 != "/" }
        let url = base[..<schemeEnd.upperBound] + authority + "/\(next)"
        try flush(host: String(authority.split(separator: "@").last ?? authority), index: next)
        assigned[databaseURL] = String(url)
        return String(url)
    }

    /// `SELECT index` then `FLUSHDB` over RESP, waiting for both answers.
    private static func flush(host: String, index: Int) throws {
        let parts = host.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw TestPrecondition("no host:port in the Redis URL: \(host)") }
        let client = try RawClient(port: port, timeout: 5)
        let select = "\(index)"
        client.send("*2\r\n$6\r\nSELECT\r\n$\(select.utf8.count)\r\n\(select)\r\n*1\r\n$7\r\nFLUSHDB\r\n")
        var answer = ""
        let deadline = Date().addingTimeInterval(5)
        while answer.components(separatedBy: "\r\n").filter({ $0 == "+OK" }).count < 2 && Date() < deadline {
            guard let chunk = client.readSome() else { break }
            answer += chunk
        }
        guard answer.components(separatedBy: "\r\n").filter({ $0 == "+OK" }).count == 2 else {
            throw TestPrecondition("Redis did not flush database \(index): \(answer)")
        }
    }
}
