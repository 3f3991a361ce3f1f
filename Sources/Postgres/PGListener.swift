#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
internal import CPostgres

/// One dedicated connection that LISTENs on channels and reports what arrives, on a thread of
/// its own, for as long as it runs: it reconnects (with backoff) when the connection fails.
///
/// The thread waits with poll() on the connection's socket and on a wake-up pipe (`stop()`),
/// and sends `SELECT 1` after `keepaliveInterval` seconds of quiet so a dead link is noticed.
/// PostgreSQL does not queue notifications for a session that is gone: after `.lost`, the next
/// `.listening` means some may have been missed, and the handler should act as if they came.
public final class PGListener: @unchecked Sendable {
    public enum Event: Sendable, Equatable {
        /// LISTEN is in place (at start, and again after every reconnect).
        case listening
        case notification(channel: String, payload: String)
        /// The connection failed or could not be made; the next attempt is in `retryIn` seconds.
        case lost(reason: String, retryIn: Double)
    }

    public let channels: [String]
    private let url: String
    private let handler: @Sendable (Event) -> Void
    private let minimumBackoff: Double
    private let maximumBackoff: Double
    private let keepaliveInterval: Double
    private let lock = PoolLock()
    private var running = false
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    /// [read, write]; a byte written wakes the thread.
    private var wakePipe: [Int32] = [-1, -1]
    private var thread: pthread_t?

    public init(url: String, channels: [String], minimumBackoff: Double = 0.5, maximumBackoff: Double = 30,
                keepaliveInterval: Double = 30, handler: @escaping @Sendable (Event) -> Void) {
        self.url = url
        self.channels = channels
        self.handler = handler
        self.minimumBackoff = max(0.01, minimumBackoff)
        self.maximumBackoff = max(self.minimumBackoff, maximumBackoff)
        self.keepaliveInterval = max(1, keepaliveInterval)
    }

    deinit {
        for fd in wakePipe where fd >= 0 { closeDescriptor(fd) }
    }

    /// Starts the thread (once; later calls do nothing). Returns at once: connecting happens there.
    public func start() {
        let begin: Bool = lock.withLock {
            guard !running, !stopping else { return false }
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { return false }
            for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            wakePipe = fds
            running = true
            return true
        }
        guard begin else { return }
        DispatchQueue(label: "gatehouse.pg-listener").async { [self] in
            lock.withLock { thread = pthread_self() }
            run()
            finished.signal()
        }
    }

    /// Stops the thread and waits until it has closed its connection (except when called from
    /// the handler, on that thread: then it only asks it to stop).
    public func stop() {
        let (wasRunning, onOwnThread): (Bool, Bool) = lock.withLock {
            let was = running && !stopping
            stopping = true
            return (was, thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false)
        }
        guard wasRunning else { return }
        var byte: UInt8 = 1
        _ = write(wakePipe[1], &byte, 1)
        if !onOwnThread { finished.wait() }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    // MARK: - the thread

    private func run() {
        var backoff = minimumBackoff
        while !isStopping {
            do throws(PGError) {
                let connection = try PGConnection(url: url, connectTimeout: 5, applicationName: "gatehouse-listener")
                defer { connection.close() }
                for channel in channels {
                    // Quoted as an identifier; channel names cannot be parameters.
                    try connection.execute("LISTEN \"" + channel.replacingAll("\"", with: "\"\"") + "\"")
                }
                backoff = minimumBackoff
                handler(.listening)
                try listen(on: connection)
            } catch {
                if isStopping { break }
                handler(.lost(reason: error.description, retryIn: backoff))
                if !sleep(seconds: backoff) { break }
                backoff = min(backoff * 2, maximumBackoff)
            }
        }
    }

    /// Reports notifications until `stop()` (returns) or a failure (throws).
    private func listen(on connection: PGConnection) throws(PGError) {
        let raw = try connection.open()
        while true {
            var descriptors = [pollfd(fd: PQsocket(raw), events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, Int32(keepaliveInterval * 1000))
            if ready < 0 {
                if errno == EINTR { continue }
                throw PGError(kind: .connection, message: "poll failed: errno \(errno)")
            }
            if descriptors[1].revents != 0 { return }
            if ready == 0 {
                try connection.ping(timeout: 5)
            } else if PQconsumeInput(raw) == 0 || PQstatus(raw) != CONNECTION_OK {
                throw connection.lastError(raw)
            }
            while let notification = PQnotifies(raw) {
                let channel = String(cString: notification.pointee.relname)
                let payload = notification.pointee.extra.map { String(cString: $0) } ?? ""
                PQfreemem(notification)
                handler(.notification(channel: channel, payload: payload))
            }
        }
    }

    /// Waits `seconds` or until `stop()`; false when stopping.
    private func sleep(seconds: Double) -> Bool {
        var descriptor = pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(seconds * 1000))
        return !isStopping
    }
}

private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
