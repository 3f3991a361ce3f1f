#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A problem starting or running the development services; `message` is one line for the user.
public struct DevError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A child started with posix_spawn in its own process group (so a terminal's Ctrl-C reaches only
/// gatehouse, which then stops children in order), with default signal handling restored,
/// stdin from /dev/null and stdout+stderr appended to a log file.
final class ChildProcess {
    let pid: pid_t
    let executable: String
    private(set) var exitStatus: Int32?

    init(_ arguments: [String], logFile: String) throws(DevError) {
        precondition(!arguments.isEmpty)
        executable = arguments[0]
        let logDescriptor = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logDescriptor >= 0 else {
            throw DevError("cannot open \(logFile): \(String(cString: strerror(errno)))")
        }
        defer { close(logDescriptor) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, logDescriptor, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // Children (initdb, postgres, redis-server) get our environment minus Gatehouse's own
        // settings: the secret key and database password must not sit in /proc/<pid>/environ.
        let envp: [UnsafeMutablePointer<CChar>?] = ChildProcess.inheritedEnvironment().map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawnp(&child, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw DevError("cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// `NAME=value` entries of this process's environment, without `GATEHOUSE_*`.
    static func inheritedEnvironment() -> [String] {
        var result: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if !text.hasPrefix("GATEHOUSE_") { result.append(text) }
            entry += 1
        }
        return result
    }

    /// Runs a command to completion; throws with the log's last lines if it fails.
    static func run(_ arguments: [String], logFile: String, what: String) throws(DevError) {
        let child = try ChildProcess(arguments, logFile: logFile)
        let status = child.wait()
        guard status == 0 else {
            throw DevError("\(what) failed (exit status \(status)); see \(logFile): \(lastLines(of: logFile))")
        }
    }

    /// Whether it has exited (reaps it if so).
    var hasExited: Bool {
        if exitStatus != nil { return true }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            exitStatus = Self.decode(status)
            return true
        }
        return result < 0
    }

    /// Waits for exit; returns the exit code (128+signal if killed).
    @discardableResult
    func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { exitStatus = -1; return -1 }
        }
        exitStatus = Self.decode(status)
        return exitStatus!
    }

    /// Waits up to `timeout` seconds; true if it exited.
    func wait(timeout: Double) -> Bool {
        let deadline = monotonicSeconds() + timeout
        while !hasExited {
            if monotonicSeconds() >= deadline { return false }
            usleep(50_000)
        }
        return true
    }

    /// SIGTERM, then SIGKILL after `grace` seconds.
    func terminate(grace: Double) {
        guard !hasExited else { return }
        kill(pid, SIGTERM)
        if !wait(timeout: grace) {
            kill(pid, SIGKILL)
            wait()
        }
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}

/// The last few non-empty lines of a log file, joined on one line.
func lastLines(of path: String, count: Int = 3) -> String {
    guard let text = try? readTextFile(path) else { return "(no log)" }
    let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
    return lines.suffix(count).joined(separator: " | ")
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
func freeLoopbackPort() throws(DevError) -> Int {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketDescriptor >= 0 else { throw DevError("cannot create a socket: \(String(cString: strerror(errno)))") }
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw DevError("cannot bind a loopback port: \(String(cString: strerror(errno)))") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketDescriptor, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something already listens on 127.0.0.1:`port`.
func isLoopbackPortInUse(_ port: Int) -> Bool {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socketDescriptor >= 0 else { return false }
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return connected == 0
}
