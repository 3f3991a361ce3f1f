#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import CGatehouseShims
import HTTP
import Logging
import Synchronization

/// Accepts connections on one or more addresses; each gets its own `Machine`, driven by a
/// `Connection`. Protocol-agnostic: HTTP uses it now, the LDAP port will too.
public final class Listener<Machine: ConnectionStateMachine>: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var addresses: [ListenAddress]
        /// Most connections open at once; past it we stop accepting and the kernel backlog waits.
        public var maxConnections: Int
        /// When set, every connection speaks TLS.
        public var tls: TLSContext?
        /// Number of serial queues connections are spread over.
        public var loopCount: Int

        public init(addresses: [ListenAddress], maxConnections: Int = 10_000, tls: TLSContext? = nil,
                    loopCount: Int = 16) {
            self.loopCount = loopCount
            self.addresses = addresses
            self.maxConnections = maxConnections
            self.tls = tls
        }
    }

    private struct Socket {
        let fd: Int32
        let address: ListenAddress
        let port: Int
        let source: DispatchSourceRead
    }

    public let configuration: Configuration
    private let makeMachine: @Sendable () -> Machine
    private let responder: Connection<Machine>.Responder
    private let logger: Logger
    /// Set when shutdown begins, before any connection hears of it.
    private let stopping = StopFlag()
    private let acceptQueue = DispatchQueue(label: "gatehouse.accept")
    /// Serial queues that connections are spread over. Events for connections on one loop are
    /// drained in a batch by one thread, which avoids a thread wake-up per socket event.
    private let loops: [DispatchQueue]
    private var sockets: [Socket] = []          // acceptQueue
    private var acceptPaused = false            // acceptQueue
    private var stopped = false                 // acceptQueue
    private let registry = Mutex<[UInt64: Connection<Machine>]>([:])
    private let nextID = Atomic<UInt64>(1)
    private var sweeper: DispatchSourceTimer?

    /// - Parameters:
    ///   - makeMachine: a fresh state machine for each accepted connection.
    ///   - responder: answers each `.respond` a machine hands out, on the connection's queue.
    public init(configuration: Configuration, logger: Logger, makeMachine: @escaping @Sendable () -> Machine,
                responder: @escaping Connection<Machine>.Responder) {
        self.configuration = configuration
        self.logger = logger
        self.makeMachine = makeMachine
        self.responder = responder
        loops = (0..<max(1, configuration.loopCount)).map { DispatchQueue(label: "gatehouse.loop.\($0)") }
    }

    /// Ports actually bound, in the order of `configuration.addresses` (useful with port 0).
    public private(set) var boundPorts: [Int] = []

    public var openConnections: Int { registry.withLock { $0.count } }

    /// Binds every address and starts accepting. Throws if any address can't be bound.
    public func start() throws {
        var opened: [(Int32, ListenAddress, Int)] = []
        do {
            for address in configuration.addresses {
                let (fd, port) = try Sockets.listen(on: address)
                opened.append((fd, address, port))
            }
        } catch {
            for (fd, _, _) in opened { Glibc.close(fd) }
            throw error
        }
        boundPorts = opened.map { $0.2 }
        acceptQueue.sync {
            for (fd, address, port) in opened {
                let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
                source.setEventHandler { [unowned self] in self.acceptAll(fd) }
                source.setCancelHandler { Glibc.close(fd) }
                sockets.append(Socket(fd: fd, address: address, port: port, source: source))
                source.resume()
            }
        }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250), leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in self?.sweep() }
        timer.resume()
        sweeper = timer
    }

    private func acceptAll(_ listenFD: Int32) {
        while !stopped {
            if openConnections >= configuration.maxConnections {
                pauseAccepting()
                return
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    gh_accept_nonblocking(listenFD, $0, &length)
                }
            }
            if fd < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors: back off instead of spinning on a readable listen socket.
                    logger.warning("accept paused", metadata: ["error": "\(String(cString: strerror(errno)))"])
                    pauseAccepting()
                    acceptQueue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in resumeAccepting() }
                    return
                default:
                    logger.error("accept failed", metadata: ["error": "\(String(cString: strerror(errno)))"])
                    return
                }
            }
            Sockets.setNoDelay(fd)
            let peer = Sockets.describe(storage)
            let isTLS = configuration.tls != nil
            let info = ConnectionInfo(remoteAddress: peer.host, remotePort: peer.port,
                                      localPort: Sockets.localPort(fd), isTLS: isTLS)
            let transport: Transport
            if let tls = configuration.tls {
                do {
                    transport = try TLSTransport(context: tls, fd: fd)
                } catch {
                    logger.warning("TLS session setup failed", metadata: ["error": "\(error)"])
                    Glibc.close(fd)
                    continue
                }
            } else {
                transport = PlainTransport(fd: fd)
            }
            let id = nextID.add(1, ordering: .relaxed).oldValue
            let connection = Connection(id: id, fd: fd, transport: transport, info: info, machine: makeMachine(),
                                        responder: responder, stopping: stopping,
                                        targetQueue: loops[Int(id % UInt64(loops.count))])
            connection.listener = self
            registry.withLock { $0[id] = connection }
            connection.start()
        }
    }

    private func pauseAccepting() {
        guard !acceptPaused, !stopped else { return }
        acceptPaused = true
        for s in sockets { s.source.suspend() }
    }

    private func resumeAccepting() {
        guard acceptPaused, !stopped else { return }
        acceptPaused = false
        for s in sockets { s.source.resume() }
    }

    /// Called by a connection as it closes.
    func connectionClosed(_ connection: Connection<Machine>) {
        let remaining = registry.withLock { r -> Int in
            r[connection.id] = nil
            return r.count
        }
        if remaining < configuration.maxConnections {
            acceptQueue.async { [self] in
                if acceptPaused && openConnections < configuration.maxConnections { resumeAccepting() }
            }
        }
    }

    private func sweep() {
        let now = MonotonicClock.now()
        let due = registry.withLock { r in
            r.values.filter {
                let rd = $0.readDeadline.load(ordering: .relaxed)
                let wd = $0.writeDeadline.load(ordering: .relaxed)
                return (rd != 0 && rd <= now) || (wd != 0 && wd <= now)
            }
        }
        for connection in due {
            connection.queue.async { connection.checkDeadlines() }
        }
    }

    /// Stops accepting: the listening sockets are closed, so new connections are refused.
    public func stopAccepting() {
        acceptQueue.sync {
            guard !stopped else { return }
            if acceptPaused {
                for s in sockets { s.source.resume() }
                acceptPaused = false
            }
            stopped = true
            for s in sockets { s.source.cancel() }
            sockets.removeAll()
        }
    }

    /// Graceful shutdown: stop accepting, let each connection finish what is in flight, and
    /// wait up to `timeout` seconds for all to close; the rest are closed hard.
    /// Returns true when every connection finished on its own.
    @discardableResult
    public func shutdown(timeout: Double) -> Bool {
        // First, so an answer already being computed learns of it (and says it closes).
        stopping.set()
        stopAccepting()
        for connection in registry.withLock({ Array($0.values) }) {
            connection.queue.async { connection.shutdownRequested() }
        }
        let deadline = MonotonicClock.now() &+ UInt64(timeout * 1e9)
        while openConnections > 0 && MonotonicClock.now() < deadline {
            usleep(10_000)
        }
        let clean = openConnections == 0
        if !clean {
            // Close the rest hard. Async: a handler stuck in a database call must not hold
            // shutdown past its bound; one more short wait lets the closes run.
            for connection in registry.withLock({ Array($0.values) }) {
                connection.queue.async { connection.close() }
            }
            let grace = MonotonicClock.now() &+ 500_000_000
            while openConnections > 0 && MonotonicClock.now() < grace { usleep(10_000) }
        }
        sweeper?.cancel()
        sweeper = nil
        return clean
    }
}

/// A one-way flag shared by every connection of a listener.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
