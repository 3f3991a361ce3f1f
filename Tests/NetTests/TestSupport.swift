import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import Net

/// One accepted connection of the test server: blocking socket, optionally TLS.
final class TestConnection {
    let fd: Int32
    let tls: TLSSession?

    init(fd: Int32, tls: TLSSession?) {
        self.fd = fd
        self.tls = tls
    }

    /// Up to `max` bytes; nil on EOF, error or the socket's receive timeout.
    func read(_ max: Int = 4096) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        if let tls {
            let r = buffer.withUnsafeMutableBytes { tls.read(into: $0) }
            if case .bytes(let n) = r, n > 0 { return Array(buffer[0..<n]) }
            return nil
        }
        let n = recv(fd, &buffer, max, 0)
        return n > 0 ? Array(buffer[0..<n]) : nil
    }

    /// False once the peer is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            if let tls {
                let r = bytes.withUnsafeBytes { tls.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                guard case .bytes(let n) = r else { return false }
                offset += n
            } else {
                let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return false }
                offset += n
            }
        }
        return true
    }

    @discardableResult
    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Reads one request: head up to CRLFCRLF plus a Content-Length body.
    func readRequest() -> [UInt8]? {
        var data: [UInt8] = []
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = read() else { return data.isEmpty ? nil : data }
            data += chunk
            if data.count >= 4 {
                for i in 0...(data.count - 4) where Array(data[i..<(i + 4)]) == separator {
                    headEnd = i + 4
                    break
                }
            }
        }
        let head = String(decoding: data[0..<headEnd!], as: UTF8.self).lowercased()
        var length = 0
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        while data.count < headEnd! + length {
            guard let chunk = read() else { break }
            data += chunk
        }
        return data
    }
}

/// A tiny blocking server on 127.0.0.1, port 0, serving connections one at a time on a
/// background thread. The handler gets each connection (TLS already negotiated when a
/// context is given); the server closes it afterwards.
final class TestServer: @unchecked Sendable {
    typealias Handler = @Sendable (TestConnection) -> Void

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false
    private var _requests: [[UInt8]] = []
    private var _tlsErrors: [String] = []
    private var _alpn: [String?] = []
    private let finished = DispatchSemaphore(value: 0)

    var requests: [[UInt8]] { lock.withLock { _requests } }
    var tlsErrors: [String] { lock.withLock { _tlsErrors } }
    var negotiatedProtocols: [String?] { lock.withLock { _alpn } }

    func record(_ request: [UInt8]) { lock.withLock { _requests.append(request) } }

    init(tls: TLSContext? = nil, handler: @escaping Handler) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw TestError("bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in
            self.serve(tls: tls, handler: handler)
            self.finished.signal()
        }
        thread.start()
    }

    private func serve(tls: TLSContext?, handler: Handler) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            // Bound every blocking read so a broken test cannot hang the server thread.
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var session: TLSSession?
            if let tls {
                do {
                    let s = try TLSSession(context: tls, fd: fd, accept: true)
                    let result = s.handshake()
                    if result == .bytes(0) {
                        session = s
                        lock.withLock { _alpn.append(s.negotiatedProtocol) }
                    } else {
                        lock.withLock { _tlsErrors.append("\(result)") }
                    }
                } catch {
                    lock.withLock { _tlsErrors.append(error.message) }
                }
                if session == nil {
                    close(fd)
                    continue
                }
            }
            handler(TestConnection(fd: fd, tls: session))
            session?.shutdown()
            close(fd)
        }
    }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        _ = finished.wait(timeout: .now() + 10)
        close(listener)
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A throwaway PKI made with the openssl command line: a CA, a server certificate for
/// `localhost` and 127.0.0.1, and one for `other.test` only, all signed by the CA.
struct TestPKI: Sendable {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    var serverCert: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var otherCert: String { directory + "/other.pem" }
    var otherKey: String { directory + "/other.key" }

    static let shared: Result<TestPKI, TestError> = Result { () throws(TestError) in try generate() }

    static func openssl() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(dir)/openssl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func generate() throws(TestError) -> TestPKI {
        guard let openssl = openssl() else { throw TestError("openssl command not found") }
        let dir = NSTemporaryDirectory() + "gatehouse-tls-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
                .write(toFile: dir + "/server.ext", atomically: true, encoding: .utf8)
            try "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:other.test\n"
                .write(toFile: dir + "/other.ext", atomically: true, encoding: .utf8)
        } catch {
            throw TestError("cannot prepare \(dir): \(error)")
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try run(openssl, ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                 "-subj", "/CN=Gatehouse Test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: dir)
        for name in ["server", "other"] {
            try run(openssl, ["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr",
                     "-subj", name == "server" ? "/CN=localhost" : "/CN=other.test"], in: dir)
            try run(openssl, ["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                     "-CAcreateserial", "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext"], in: dir)
        }
        return TestPKI(directory: dir)
    }

    private static func run(_ tool: String, _ arguments: [String], in dir: String) throws(TestError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw TestError("cannot run openssl: \(error)") }
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestError("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
    }
}
