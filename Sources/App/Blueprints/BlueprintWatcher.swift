#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Dispatch
import Logging

/// Re-applies `GATEHOUSE_BLUEPRINTS_DIR` when a blueprint file in it changes, is added or is
/// removed, while the server runs. It polls file sizes and modification times (every 2 s by
/// default): simple, works on every filesystem (inotify misses changes on network mounts and
/// in some container volumes), and costs a few `stat` calls.
///
/// A change applies the whole directory in one transaction, as at start-up; applying is
/// idempotent, so unchanged files plan as unchanged. A bad file is rejected whole, logged with
/// its error lines, and the server keeps running on the previous state; it is tried again
/// when the files change again.
final class BlueprintWatcher: @unchecked Sendable {  // the timer is only touched at init and stop
    private let directory: String
    private let databaseURL: DatabaseURL
    private let environment: [String: String]
    private let sealer: SecretSealer?
    private let logger: Logger
    private let queue = DispatchQueue(label: "gatehouse.blueprint-watcher")
    private let timer: DispatchSourceTimer
    private let lastSeen: Locked<[String: FileStamp]>

    struct FileStamp: Equatable, Sendable {
        let size: Int64
        let modifiedNanoseconds: Int64
    }

    init(directory: String, databaseURL: DatabaseURL, environment: [String: String], sealer: SecretSealer? = nil,
         logger: Logger, interval: Double = 2) {
        self.directory = directory
        self.databaseURL = databaseURL
        self.environment = environment
        self.sealer = sealer
        self.logger = logger
        lastSeen = Locked(BlueprintWatcher.stamps(under: directory))
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(200))
        timer.setEventHandler { [weak self] in self?.check() }
        timer.resume()
    }

    func stop() { timer.cancel() }

    private func check() {
        let now = BlueprintWatcher.stamps(under: directory)
        let changed = lastSeen.withLock { last -> Bool in
            defer { last = now }
            return last != now
        }
        guard changed else { return }
        logger.info("blueprint files changed; applying", metadata: ["directory": "\(directory)"])
        do {
            try BlueprintStartup.apply(directory: directory, databaseURL: databaseURL, environment: environment,
                                       sealer: sealer, logger: logger)
        } catch {
            error.lines.forEach { logger.error("\($0)") }
            logger.error("blueprint \(error.file) rejected; nothing was applied; still running on the previous state")
        }
    }

    /// Size and modification time of every blueprint file under `directory` (empty if unreadable).
    static func stamps(under directory: String) -> [String: FileStamp] {
        guard let files = try? BlueprintApplier.blueprintFiles(under: directory) else { return [:] }
        var result: [String: FileStamp] = [:]
        for file in files {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            result[file] = FileStamp(size: Int64(info.st_size),
                                     modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        }
        return result
    }
}
