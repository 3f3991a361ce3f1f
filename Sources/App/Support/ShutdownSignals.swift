#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// SIGINT/SIGTERM as an event instead of sudden death: once `install()` has run, the first signal
/// calls every registered handler; a second one exits the process at once (status 130), as an
/// escape hatch when a clean shutdown hangs.
public final class ShutdownSignals: Sendable {
    public static let shared = ShutdownSignals()

    private struct State {
        var installed = false
        var received: Int32?
        var handlers: [@Sendable (Int32) -> Void] = []
        var forcedExitHandlers: [@Sendable () -> Void] = []
        var sources: [any DispatchSourceSignal] = []
    }

    private let state = Locked(State())
    private let queue = DispatchQueue(label: "gatehouse.shutdown-signals")
    private let semaphore = DispatchSemaphore(value: 0)

    private init() {}

    /// Starts catching SIGINT and SIGTERM. Idempotent.
    public func install() {
        state.withLock { state in
            guard !state.installed else { return }
            state.installed = true
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { [weak self] in self?.deliver(number) }
                source.resume()
                state.sources.append(source)
            }
        }
    }

    /// The signal received, if any.
    public var received: Int32? { state.withLock { $0.received } }

    /// Calls `handler` (on a private queue) when a signal arrives; at once if one already has.
    public func onShutdown(_ handler: @escaping @Sendable (Int32) -> Void) {
        let already = state.withLock { state -> Int32? in
            if state.received == nil { state.handlers.append(handler) }
            return state.received
        }
        if let already { queue.async { handler(already) } }
    }

    /// Runs `handler` just before a second signal exits the process: it must only send
    /// signals or write, never wait (e.g. tell child servers to stop so none are left behind).
    public func onForcedExit(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.forcedExitHandlers.append(handler) }
    }

    /// Blocks until a signal arrives or `timeout` seconds pass; returns the signal, if any.
    @discardableResult
    public func wait(timeout: Double? = nil) -> Int32? {
        if let received { return received }
        if let timeout {
            guard semaphore.wait(timeout: .now() + timeout) == .success else { return received }
        } else {
            semaphore.wait()
        }
        semaphore.signal() // let other waiters through too
        return received
    }

    /// Delivers a signal as if it had arrived (for tests and for programmatic shutdown).
    public func trigger(_ number: Int32 = SIGTERM) { queue.async { self.deliver(number) } }

    private func deliver(_ number: Int32) {
        let handlers = state.withLock { state -> [@Sendable (Int32) -> Void]? in
            if state.received != nil { return nil }
            state.received = number
            let handlers = state.handlers
            state.handlers = []
            return handlers
        }
        guard let handlers else {
            let message = "second signal: exiting now\n"
            _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
            state.withLock { $0.forcedExitHandlers }.forEach { $0() }
            _exit(130)
        }
        semaphore.signal()
        handlers.forEach { $0(number) }
    }
}
