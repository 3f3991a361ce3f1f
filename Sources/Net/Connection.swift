#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP
import Synchronization

/// One accepted socket, driving one protocol state machine: the driver. It owns the socket,
/// the transport (plain or TLS), the read and write Dispatch sources, the outbound buffer and
/// two atomic deadlines; it tells the machine what happened and carries out the actions the
/// machine returns. Every decision about the protocol is the machine's; what is left here is
/// what any protocol needs the same way: TLS's wish to read before it can write (or the other
/// way round), the cap on unconsumed input, and the mechanics of a lingering close.
///
/// All state is confined to `queue`; the listener's sweeper only reads the atomic deadlines.
public final class Connection<Machine: ConnectionStateMachine>: @unchecked Sendable {
    public typealias Responder = @Sendable (Machine.Request, ConnectionInfo) -> Machine.Response

    public let id: UInt64
    public let info: ConnectionInfo
    public let queue: DispatchQueue

    private var machine: Machine
    /// Where an event puts the actions it asks for; `run()` carries them out. One list for the
    /// connection's life, so an event allocates nothing.
    private var actions: [Machine.Action] = []
    private let responder: Responder
    /// Set once the server is shutting down: the machine hears `shutdownRequested` before a
    /// response computed after that, so the response can say it closes.
    private let stopping: StopFlag

    let fd: Int32
    let transport: Transport
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var readPaused = true       // sources start suspended
    /// The machine's wish (`.pauseReading`/`.resumeReading`).
    private var machineWantsInput = true
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

    weak var listener: Listener<Machine>?

    /// Uptime in nanoseconds after which the input deadline fires; 0 means none.
    let readDeadline = Atomic<UInt64>(0)
    /// Which input deadline `readDeadline` holds.
    private var readDeadlineKind = ConnectionDeadline.idle
    /// Set while output is stuck behind a full socket; 0 means none.
    let writeDeadline = Atomic<UInt64>(0)

    init(id: UInt64, fd: Int32, transport: Transport, info: ConnectionInfo, machine: Machine,
         responder: @escaping Responder, stopping: StopFlag, targetQueue: DispatchQueue) {
        self.id = id
        self.fd = fd
        self.transport = transport
        self.info = info
        self.machine = machine
        self.responder = responder
        self.stopping = stopping
        // The loop queue itself: one less queue level per socket event than a per-connection
        // queue targeting it, with the same guarantee (one connection's work never runs concurrently).
        self.queue = targetQueue
    }

    /// Creates the sources and starts reading. Call once.
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
            machine.opened(into: &actions)
            run()
            guard !isClosed else { return }
            updateReading()
        }
    }

    // MARK: carrying out actions

    /// Carries out the actions in `actions`, in order, and those the answers to `.write` and
    /// `.respond` add, until the machine waits for the next event.
    private func run() {
        // Worked on as a local (no exclusivity check per access), and handed back empty so
        // its storage is reused. Nothing reached from here raises an event of its own, so
        // `actions` stays empty meanwhile.
        var list: [Machine.Action] = []
        swap(&list, &actions)
        var next = 0
        while next < list.count && !isClosed {
            // Moved out, not copied: a payload-free stand-in takes its place in the list.
            var action = Machine.Action.pauseReading
            swap(&action, &list[next])
            next += 1
            switch consume action {
            case .write(let bytes):
                write(bytes)
                if !isClosed { machine.writeCompleted(pendingOutput: pendingOutput, into: &list) }
            case .respond(let request):
                let response = responder(request, info)
                if stopping.isSet { machine.shutdownRequested(into: &list) }
                machine.responseReady(response, into: &list)
            case .armDeadline(let deadline, let seconds):
                let at = MonotonicClock.now() &+ UInt64(seconds * 1e9)
                if deadline.isInput {
                    readDeadlineKind = deadline
                    readDeadline.store(at, ordering: .relaxed)
                } else {
                    writeDeadline.store(at, ordering: .relaxed)
                }
            case .disarmDeadline(let deadline):
                if deadline.isInput {
                    readDeadline.store(0, ordering: .relaxed)
                } else {
                    writeDeadline.store(0, ordering: .relaxed)
                }
            case .pauseReading:
                machineWantsInput = false
                updateReading()
            case .resumeReading:
                machineWantsInput = true
                updateReading()
            case .close(.immediately):
                close()
            case .close(.lingering):
                closeAfterFlush()
            }
        }
        list.removeAll(keepingCapacity: true)
        assert(actions.isEmpty, "an event was raised while actions were carried out")
        swap(&list, &actions)
    }

    // MARK: deadlines

    /// Called by the listener's sweeper on `queue` when a deadline may have passed.
    func checkDeadlines() {
        guard !isClosed else { return }
        let now = MonotonicClock.now()
        let w = writeDeadline.load(ordering: .relaxed)
        if w != 0 && w <= now {
            writeDeadline.store(0, ordering: .relaxed)
            machine.deadlineFired(.write, into: &actions)
            run()
            return
        }
        let r = readDeadline.load(ordering: .relaxed)
        if r != 0 && r <= now {
            readDeadline.store(0, ordering: .relaxed)
            if lingering {
                close()
            } else {
                machine.deadlineFired(readDeadlineKind, into: &actions)
                run()
            }
        }
    }

    /// The server is shutting down.
    func shutdownRequested() {
        guard !isClosed else { return }
        machine.shutdownRequested(into: &actions)
        run()
    }

    // MARK: reading

    private func handleReadable() {
        guard !isClosed else { return }
        if writeWantsRead {
            writeWantsRead = false
            flushFromEvent()
            if isClosed { return }
        }
        var received = 0
        var failed = false
        reading: while true {
            if machine.input.unreadCount >= ConnectionLimits.maxInbound { break }
            let result: TransportResult = withUnsafeTemporaryAllocation(byteCount: ConnectionLimits.readChunk, alignment: 16) { scratch in
                let r = transport.read(into: scratch)
                if case .bytes(let n) = r, !lingering {
                    machine.input.append(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                }
                return r
            }
            switch result {
            case .bytes(let n):
                received += n
                // A short read means the socket is drained; skip the extra EAGAIN round trip.
                if n < ConnectionLimits.readChunk && transport.bufferedBytes == 0 { break reading }
            case .wantRead:
                break reading
            case .wantWrite:
                // TLS needs to write before it can read further: wait for writability.
                readWantsWrite = true
                activateWriteSource()
                break reading
            case .closed:
                peerClosed = true
                updateReading()
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
        if received > 0 {
            machine.bytesReceived(into: &actions)
            run()
        }
        if peerClosed && !isClosed {
            machine.peerClosed(into: &actions)
            run()
        }
        // A machine that lets this much input pile up unconsumed is cut off.
        if machine.input.unreadCount >= ConnectionLimits.maxInbound && !isClosed { close() }
    }

    /// Reading runs while the machine wants input, while TLS must read before it can write, and
    /// during a lingering close; never after the peer closed.
    private func updateReading() {
        guard let rs = readSource else { return }
        let wanted = !peerClosed && (machineWantsInput || writeWantsRead || lingering)
        if wanted && readPaused {
            readPaused = false
            rs.resume()
        } else if !wanted && !readPaused {
            readPaused = true
            rs.suspend()
        }
    }

    // MARK: writing

    /// Bytes queued but not yet accepted by the socket.
    var pendingOutput: Int { outbound.count - outboundIndex }

    /// Queues bytes and writes as much as the socket takes now.
    private func write(_ bytes: [UInt8]) {
        guard !isClosed, !bytes.isEmpty else { return }
        if outboundIndex == outbound.count {
            outbound.removeAll(keepingCapacity: outbound.capacity <= 256 * 1024)
            outboundIndex = 0
        }
        outbound.append(contentsOf: bytes)
        if !writeActive {
            flush()
            if !isClosed && pendingOutput == 0 && closeWhenFlushed { beginLingeringClose() }
        }
    }

    /// Sends everything queued after the socket had been full, then lingers or tells the machine.
    private func closeAfterFlush() {
        guard !isClosed else { return }
        closeWhenFlushed = true
        if pendingOutput == 0 && !writeActive { beginLingeringClose() }
    }

    private func handleWritable() {
        guard !isClosed else { return }
        let retryRead = readWantsWrite
        readWantsWrite = false
        flushFromEvent()
        // The read that waited for this writability (TLS) runs again now.
        if !isClosed && (retryRead || (pendingOutput == 0 && transport.bufferedBytes > 0)) { handleReadable() }
    }

    /// A socket event let queued output move: send more, tell the machine, and begin the
    /// lingering close if one waits for the output to be sent.
    private func flushFromEvent() {
        let before = pendingOutput
        flush()
        if isClosed { return }
        if pendingOutput == 0 || pendingOutput < before {
            machine.outputProgressed(pendingOutput: pendingOutput, into: &actions)
            run()
        }
        if !isClosed && closeWhenFlushed && pendingOutput == 0 { beginLingeringClose() }
    }

    /// Writes until the socket is full or the output is sent.
    private func flush() {
        while outboundIndex < outbound.count {
            let result = outbound.withUnsafeBytes { all in
                transport.write(UnsafeRawBufferPointer(rebasing: all[outboundIndex...]))
            }
            switch result {
            case .bytes(let n):
                outboundIndex += n
            case .wantWrite:
                writeWantsRead = false
                activateWriteSource()
                updateReading()
                return
            case .wantRead:
                // TLS must read before this write can go on: wait for readability, not writability.
                writeWantsRead = true
                deactivateWriteSource()
                updateReading()
                return
            case .closed, .failed:
                close()
                return
            }
        }
        deactivateWriteSource()
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
        writeDeadline.store(0, ordering: .relaxed)
        transport.shutdown()
        if peerClosed {
            close()
            return
        }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        machine.input.removeAll()
        readDeadline.store(MonotonicClock.now() &+ ConnectionLimits.lingerNanoseconds, ordering: .relaxed)
        updateReading()
    }

    /// Closes at once. Safe to call more than once.
    func close() {
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
        machine.input.removeAll()
        outbound = []
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

/// Limits every connection shares, whatever its protocol.
enum ConnectionLimits {
    /// Largest unconsumed input kept; a machine that lets more pile up is cut off.
    static let maxInbound = 4 * 1024 * 1024
    static let readChunk = 32 * 1024
    /// How long a lingering close reads and drops what the peer still sends.
    static let lingerNanoseconds: UInt64 = 2_000_000_000
}

enum MonotonicClock {
    /// Uptime in nanoseconds.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}
