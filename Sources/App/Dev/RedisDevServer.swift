#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

/// A private redis-server child bound to 127.0.0.1 on a remembered port, with its data (RDB
/// snapshots, `appendonly no`) in the dev folder. Stopped with SIGTERM, which makes Redis save.
final class RedisDevServer {
    private let folder: DevFolder
    private let logger: Logger
    private let executable: String
    private var child: ChildProcess?
    private(set) var port = 0

    init(folder: DevFolder, logger: Logger) throws(DevError) {
        self.folder = folder
        self.logger = logger
        guard let executable = findOnPath("redis-server") else {
            throw DevError("redis-server not found on PATH: install postgresql and redis-server, or set GATEHOUSE_DATABASE_URL/GATEHOUSE_REDIS_URL")
        }
        self.executable = executable
    }

    var url: RedisURL { RedisURL(host: "127.0.0.1", port: port, database: 0) }

    func start() throws(DevError) {
        try makeDirectories(folder.redisDirectory, mode: 0o700)
        stopLeftover()
        port = try folder.port(file: folder.redisPortFile) { logger.warning("\($0)") }
        logger.info("starting Redis", metadata: ["port": "\(port)"])
        child = try ChildProcess([
            executable, "--bind", "127.0.0.1", "--port", String(port), "--protected-mode", "yes",
            "--daemonize", "no", "--appendonly", "no", "--dir", folder.redisDirectory,
            "--pidfile", folder.redisPidFile, "--logfile", "",
        ], logFile: folder.logDirectory + "/redis.log")
        let deadline = monotonicSeconds() + 30
        while true {
            if child?.hasExited ?? true {
                throw DevError("redis-server exited at start-up; see \(folder.logDirectory)/redis.log: \(lastLines(of: folder.logDirectory + "/redis.log"))")
            }
            if RedisProbe(url: url, timeout: 1).check() == .ok { return }
            if monotonicSeconds() > deadline {
                stop()
                throw DevError("redis-server did not answer PING within 30 s; see \(folder.logDirectory)/redis.log")
            }
            usleep(100_000)
        }
    }

    /// Whether the child has died on its own.
    var hasExited: Bool { child?.hasExited ?? false }

    func stop() {
        guard let child else { return }
        logger.info("stopping Redis")
        child.terminate(grace: 30)
        self.child = nil
    }

    /// A redis-server left running by an earlier run that was killed hard.
    private func stopLeftover() {
        guard let text = try? readTextFile(folder.redisPidFile), let pid = pid_t(text.trimmingWhitespace()), pid > 1,
              let command = try? readTextFile("/proc/\(pid)/cmdline"), command.contains("redis-server") else { return }
        logger.warning("Redis from an earlier run is still running in this folder; stopping it first", metadata: ["pid": "\(pid)"])
        kill(pid, SIGTERM)
        let deadline = monotonicSeconds() + 30
        while kill(pid, 0) == 0 && monotonicSeconds() < deadline { usleep(100_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }
}
