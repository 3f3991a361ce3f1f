#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP
import Synchronization

/// One accepted socket: its buffers, its Dispatch sources and its deadlines. All state is
/// confined to `queue`; the listener's sweeper only reads the atomic deadlines.
public final class Connection: @unchecked Sendable {
    public let id: UInt64
    public let info: ConnectionInfo
    public let queue: DispatchQueue

    /// Received bytes not yet consumed by the handler start at `readerIndex`.
    public var inbound: [UInt8] = []
    public var readerIndex = 0

    let fd: Int32
    let transport: Transport
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var readPaused = true       // sources start suspended
    private var writeActive = false
    private var outbound: [UInt8] = []
    private var outboundIndex = 0
    private var closeWhenFlushed = false
    /// TLS: a read stopped because the session must write first (handshake or key update).
    private var readWantsWrite = false
    /// TLS: a write stopped because the session must read first.
    private var writeWantsRead = false
    private var lingering = false
    private var cancelledSources = 0
    public private(set) var isClosed = false
    public private(set) var peerClosed = false

    var handler: ConnectionHandler?
    weak var listener: Listener?

    /// Uptime in nanoseconds after which the handler's read deadline fires; 0 means none.
    let readDeadline = Atomic<UInt64>(0)
    /// Set while output is stuck behind a full socket; 0 means none.
    let writeDeadline = Atomic<UInt64>(0)
    let writeTimeout: Double

    /// Largest unconsumed input kept; a handler that lets more pile up is cut off.
    static let maxInbound = 4 * 1024 * 1024
    static let readChunk = 32 * 1024

    init(id: UInt64, fd: Int32, transport: Transport, info: ConnectionInfo, writeTimeout: Double, targetQueue: DispatchQueue) {
        self.id = id
        self.fd = fd
        self.transport = transport
        self.info = info
        self.writeTimeout = writeTimeout
        // The loop queue itself: one less queue level per socket event than a per-connection
        // queue targeting it, with the same guarantee (one connection's work never runs concurrently).
        self.queue = targetQueue
    }

    /// Creates the sources and starts reading. Call once, after `handler` is set.
    func start() {
        queue.async { [self] in
            let rs = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            let ws = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
            rs.setEventHandler { [unowned self] in self.handleReadable() }
            ws.setEventHandler { [unowned self] in self.handleWritable() }
            rs.setCancelHandler { [self] in self.sourceCancelled() }
            ws.setCancelHandler { [self] in self.sourceCancelled() }
            readSource = rs
            writeSource = ws
            handler?.connectionDidOpen(self)
            guard !isClosed else { return }
            resumeReading()
        }
    }

    // MARK: deadlines

    /// Sets the handler's read deadline `seconds` from now (replacing any earlier one).
    public func setReadDeadline(after seconds: Double) {
        readDeadline.store(Connection.now() &+ UInt64(seconds * 1e9), ordering: .relaxed)
    }

    public func clearReadDeadline() { readDeadline.store(0, ordering: .relaxed) }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Called by the listener's sweeper on `queue` when a deadline may have passed.
    func checkDeadlines() {
        guard !isClosed else { return }
        let now = Connection.now()
        let w = writeDeadline.load(ordering: .relaxed)
        if w != 0 && w <= now {
            close()
            return
        }
        let r = readDeadline.load(ordering: .relaxed)
        if r != 0 && r <= now {
            readDeadline.store(0, ordering: .relaxed)
            if lingering { close() } else { handler?.connectionDidTimeOut(self) }
        }
    }

    // MARK: reading

    private func handleReadable() {
        guard !isClosed else { return }
        if writeWantsRead {
            writeWantsRead = false
            flush(fromEvent: true)
            if isClosed { return }
        }
        var received = 0
        var failed = false
        reading: while true {
            if inbound.count - readerIndex >= Connection.maxInbound { break }
            let result: TransportResult = withUnsafeTemporaryAllocation(byteCount: Connection.readChunk, alignment: 16) { scratch in
                let r = transport.read(into: scratch)
                if case .bytes(let n) = r, !lingering {
                    inbound.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                }
                return r
            }
            switch result {
            case .bytes(let n):
                received += n
                // A short read means the socket is drained; skip the extra EAGAIN round trip.
                if n < Connection.readChunk && transport.bufferedBytes == 0 { break reading }
            case .wantRead:
                break reading
            case .wantWrite:
                // TLS needs to write before it can read further: wait for writability.
                readWantsWrite = true
                activateWriteSource()
                break reading
            case .closed:
                peerClosed = true
                pauseReading()
                break reading
            case .failed:
                failed = true
                break reading
            }
        }
        if failed {
            close()
            return
        }
        if lingering {
            if peerClosed { close() }
            return
        }
        if received > 0 { handler?.connectionDidRead(self) }
        if peerClosed && !isClosed { handler?.connectionPeerDidClose(self) }
        if inbound.count - readerIndex >= Connection.maxInbound && !isClosed { close() }
    }

    /// Drops consumed input so the buffer doesn't grow without bound.
    public func compactInbound() {
        if readerIndex == 0 { return }
        if readerIndex >= inbound.count {
            inbound.removeAll(keepingCapacity: inbound.capacity <= 64 * 1024)
            readerIndex = 0
        } else if readerIndex >= 16 * 1024 {
            inbound.removeFirst(readerIndex)
            readerIndex = 0
        }
    }

    public var hasUnreadInput: Bool { readerIndex < inbound.count }

    private func pauseReading() {
        guard !readPaused, let rs = readSource else { return }
        rs.suspend()
        readPaused = true
    }

    private func resumeReading() {
        guard readPaused, !peerClosed, let rs = readSource else { return }
        readPaused = false
        rs.resume()
    }

    // MARK: writing

    /// Bytes queued but not yet accepted by the socket.
    public var pendingOutput: Int { outbound.count - outboundIndex }

    /// Queues bytes and writes as much as the socket takes now. While output is stuck the
    /// connection stops reading, so a client that doesn't read can't make us buffer without bound.
    public func write(_ bytes: [UInt8]) {
        guard !isClosed, !bytes.isEmpty else { return }
        if outboundIndex == outbound.count {
            outbound.removeAll(keepingCapacity: outbound.capacity <= 256 * 1024)
            outboundIndex = 0
        }
        outbound.append(contentsOf: bytes)
        if !writeActive { flush(fromEvent: false) }
    }

    /// Closes once everything queued has been written (a lingering close: our side is shut
    /// for writing and the peer's leftovers are read and dropped briefly, so a client that
    /// is still sending sees our response instead of a reset).
    public func closeAfterFlush() {
        guard !isClosed else { return }
        closeWhenFlushed = true
        if pendingOutput == 0 && !writeActive { beginLingeringClose() }
    }

    private func handleWritable() {
        guard !isClosed else { return }
        let retryRead = readWantsWrite
        readWantsWrite = false
        flush(fromEvent: true)
        // The read that waited for this writability (TLS) runs again now.
        if !isClosed && (retryRead || (pendingOutput == 0 && transport.bufferedBytes > 0)) { handleReadable() }
    }

    private func flush(fromEvent: Bool) {
        while outboundIndex < outbound.count {
            let result = outbound.withUnsafeBytes { all in
                transport.write(UnsafeRawBufferPointer(rebasing: all[outboundIndex...]))
            }
            switch result {
            case .bytes(let n):
                outboundIndex += n
                if writeDeadline.load(ordering: .relaxed) != 0 {
                    writeDeadline.store(Connection.now() &+ UInt64(writeTimeout * 1e9), ordering: .relaxed)
                }
            case .wantWrite:
                if writeDeadline.load(ordering: .relaxed) == 0 {
                    writeDeadline.store(Connection.now() &+ UInt64(writeTimeout * 1e9), ordering: .relaxed)
                }
                pauseReading()
                activateWriteSource()
                return
            case .wantRead:
                // TLS must read before this write can go on: wait for readability, not writability.
                if writeDeadline.load(ordering: .relaxed) == 0 {
                    writeDeadline.store(Connection.now() &+ UInt64(writeTimeout * 1e9), ordering: .relaxed)
                }
                writeWantsRead = true
                deactivateWriteSource()
                resumeReading()
                return
            case .closed, .failed:
                close()
                return
            }
        }
        writeDeadline.store(0, ordering: .relaxed)
        deactivateWriteSource()
        if closeWhenFlushed {
            beginLingeringClose()
            return
        }
        if fromEvent {
            resumeReading()
            handler?.connectionDidDrain(self)
        }
    }

    private func activateWriteSource() {
        guard !writeActive, let ws = writeSource else { return }
        writeActive = true
        ws.resume()
    }

    private func deactivateWriteSource() {
        guard writeActive, let ws = writeSource else { return }
        writeActive = false
        ws.suspend()
    }

    // MARK: closing

    private func beginLingeringClose() {
        guard !isClosed, !lingering else { return }
        lingering = true
        transport.shutdown()
        if peerClosed {
            close()
            return
        }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        inbound = []
        readerIndex = 0
        readDeadline.store(Connection.now() &+ 2_000_000_000, ordering: .relaxed)
        resumeReading()
    }

    /// Closes at once. Safe to call more than once.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        readDeadline.store(0, ordering: .relaxed)
        writeDeadline.store(0, ordering: .relaxed)
        if !lingering { transport.shutdown() }
        if let rs = readSource, let ws = writeSource {
            // A suspended source must be resumed before cancel for its cancel handler to run.
            if readPaused { readPaused = false; rs.resume() }
            if !writeActive { writeActive = true; ws.resume() }
            rs.cancel()
            ws.cancel()
        } else {
            Glibc.close(fd)
        }
        inbound = []
        outbound = []
        let h = handler
        handler = nil
        _ = h
        listener?.connectionClosed(self)
    }

    private func sourceCancelled() {
        cancelledSources += 1
        if cancelledSources == 2 {
            Glibc.close(fd)
            readSource = nil
            writeSource = nil
        }
    }
}
