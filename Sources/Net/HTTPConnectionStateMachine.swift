import HTTP

/// HTTP/1.1 on one connection, as a value: parse, answer in order, keep alive or close.
/// No I/O: `Connection` feeds it events and carries out the actions it returns, and the
/// tests drive it directly (`HTTPConnectionStateMachineTests`).
///
/// - Requests are answered one at a time, in order (pipelining): the next is parsed only once
///   the previous answer was handed to the socket, and not while more than
///   `outputHighWater` bytes of answers wait for a client that doesn't read.
/// - `Expect: 100-continue` gets `100 Continue` once, when the body hasn't arrived with the head.
/// - Keep-alive follows the request (`Connection: close`, HTTP/1.0 without `keep-alive`),
///   the response (its own `Connection: close`) and shutdown.
/// - The header timeout is armed when a request head starts (or the connection opens) and is
///   not extended as its bytes trickle in (slowloris); then the body timeout, likewise; the
///   idle timeout once the last answer has left. A request timeout is answered 408.
/// - A parse error is answered with its status (400, 408, 413, 414, 431, …), then a lingering
///   close; nothing after it on the wire is read as a request.
struct HTTPConnectionStateMachine: ConnectionStateMachine {
    typealias Request = HTTPRequest
    typealias Response = HTTPResponse

    struct Configuration: Sendable {
        var limits: HTTPLimits
        /// Whole request head must arrive within this many seconds of its first byte.
        var headerTimeout: Double
        /// Whole body must arrive within this many seconds of the head.
        var bodyTimeout: Double
        /// A keep-alive connection with no request in progress is closed after this.
        var idleTimeout: Double
        /// Output that makes no progress for this long closes the connection.
        var writeTimeout: Double
        /// Queued output above this stops us answering further pipelined requests until it drains.
        var outputHighWater = 1024 * 1024

        init(limits: HTTPLimits = .default, headerTimeout: Double, bodyTimeout: Double, idleTimeout: Double,
             writeTimeout: Double) {
            self.limits = limits
            self.headerTimeout = headerTimeout
            self.bodyTimeout = bodyTimeout
            self.idleTimeout = idleTimeout
            self.writeTimeout = writeTimeout
        }
    }

    private enum State {
        /// Reading the next request (or waiting for room to answer it).
        case reading
        /// A request was handed out with `.respond`; waiting for `responseReady`.
        case responding(Exchange)
        /// A `.write` was handed out; waiting for `writeCompleted`, then this.
        case writing(AfterWrite)
        /// A close was asked for (after an error, a final answer, shutdown or the peer's EOF):
        /// nothing more is read as a request.
        case closing
        /// Closed at once: nothing more happens.
        case closed
    }

    /// What the answer to a request depends on.
    private struct Exchange {
        var method: HTTPMethod
        var version: HTTPVersion
        var keepAlive: Bool
    }

    private enum AfterWrite {
        /// `100 Continue`: read on.
        case interim
        /// An answer on a connection that stays open: wait for the next request.
        case keepAlive
        /// An answer that ends the connection.
        case final
        /// An error answer (parse error, 408); the request's deadline stays armed until the
        /// lingering close replaces it.
        case error
    }

    /// What the input deadline currently waits for.
    private enum Wait {
        case idle, head, body

        var deadline: ConnectionDeadline {
            switch self {
            case .idle: return .idle
            case .head: return .header
            case .body: return .body
            }
        }
    }

    var input = InboundBuffer()
    private let configuration: Configuration
    private var state: State = .reading
    private var wait: Wait = .head
    private var parser: HTTPRequestParser
    private var output: OutputFlow
    /// Shutdown began: the next answer says `Connection: close`.
    private var draining = false
    /// The peer closed while a request was being answered.
    private var peerHasClosed = false
    private var date: LocalDate

    init(configuration: Configuration, date: LocalDate = LocalDate()) {
        self.configuration = configuration
        self.parser = HTTPRequestParser(limits: configuration.limits)
        self.output = OutputFlow(writeTimeout: configuration.writeTimeout)
        self.date = date
    }

    // MARK: events

    mutating func opened(into actions: inout [Action]) {
        // Nothing sent yet: the first request head must arrive within the header timeout.
        wait = .head
        actions.append(.armDeadline(.header, after: configuration.headerTimeout))
    }

    mutating func bytesReceived(into actions: inout [Action]) {
        guard case .reading = state else { return }
        readNext(&actions)
    }

    mutating func responseReady(_ response: HTTPResponse, into actions: inout [Action]) {
        guard case .responding(let exchange) = state else { return }
        let keepAlive = exchange.keepAlive && !draining && !response.headers.listContains("Connection", token: "close")
        var out: [UInt8] = []
        out.reserveCapacity(256 + response.body.count)
        HTTPResponseEncoder.encode(response, requestMethod: exchange.method, requestVersion: exchange.version,
                                   keepAlive: keepAlive, date: date.current(), into: &out)
        write(out, then: keepAlive ? .keepAlive : .final, &actions)
    }

    mutating func writeCompleted(pendingOutput: Int, into actions: inout [Action]) {
        output.update(pendingOutput: pendingOutput, into: &actions)
        guard case .writing(let next) = state else { return }
        switch next {
        case .interim:
            state = .reading
            readOn(&actions)
        case .keepAlive:
            let armed = wait
            state = .reading
            wait = .idle
            if output.pending == 0 {
                actions.append(.armDeadline(.idle, after: configuration.idleTimeout))
            } else {
                // A slow reader is bounded by the write timeout; the idle clock starts on drain.
                actions.append(.disarmDeadline(armed.deadline))
            }
            readOn(&actions)
        case .final:
            state = .closing
            actions.append(.disarmDeadline(wait.deadline))
            actions.append(.close(.lingering))
        case .error:
            state = .closing
            actions.append(.close(.lingering))
        }
    }

    mutating func outputProgressed(pendingOutput: Int, into actions: inout [Action]) {
        output.update(pendingOutput: pendingOutput, into: &actions)
        guard pendingOutput == 0, case .reading = state else { return }
        if input.hasUnread {
            // Requests held back while the answers were stuck.
            readNext(&actions)
        } else if wait == .idle && parser.phase == .idle {
            // The idle clock starts once the last answer has left, not while it is still sending.
            actions.append(.armDeadline(.idle, after: configuration.idleTimeout))
        }
    }

    mutating func deadlineFired(_ deadline: ConnectionDeadline, into actions: inout [Action]) {
        switch state {
        case .closed:
            return
        case .responding, .writing:
            // The request's own deadline, overtaken by its answer; only stuck output ends it.
            if deadline == .write { closeNow(&actions) }
        case .closing:
            // Still sending the last answer (once it is sent the driver's lingering close
            // owns the clock).
            closeNow(&actions)
        case .reading:
            if deadline == .write || output.pending > 0 {
                // Stuck output; or earlier answers are still being sent and a 408 now would
                // land in the middle of them.
                closeNow(&actions)
                return
            }
            switch wait {
            case .idle:
                closeNow(&actions)
            case .head, .body:
                fail(HTTPParseError(.requestTimeout, "request not received in time"), &actions)
            }
        }
    }

    mutating func peerClosed(into actions: inout [Action]) {
        switch state {
        case .reading:
            closeAfterPeer(&actions)
        case .responding, .writing:
            peerHasClosed = true
        case .closing, .closed:
            return
        }
    }

    mutating func shutdownRequested(into actions: inout [Action]) {
        draining = true
        switch state {
        case .reading:
            // A request under way (or held back) is finished and answered with `Connection: close`.
            guard parser.phase == .idle && !input.hasUnread else { return }
            closeWhenSent(&actions)
        case .closing:
            // Its last answer is out: cut the lingering close short.
            if output.pending == 0 { closeNow(&actions) }
        case .responding, .writing, .closed:
            return
        }
    }

    // MARK: steps

    /// Parses the next request: one step, which continues through the answers to `.write`
    /// and `.respond`. Stops while answers above the high-water mark wait to be sent.
    private mutating func readNext(_ actions: inout [Action]) {
        if output.pending > configuration.outputHighWater {
            input.compact()
            return
        }
        switch parser.next(input.bytes, index: &input.readerIndex) {
        case .needMore:
            armInputDeadline(&actions)
            input.compact()
        case .continueExpected:
            write(HTTPResponseEncoder.continueResponse, then: .interim, &actions)
        case .request(let request):
            state = .responding(Exchange(method: request.method, version: request.version, keepAlive: request.keepAlive))
            actions.append(.respond(request))
        case .failure(let error):
            fail(error, &actions)
        }
    }

    /// Back in `.reading` after a write: on to the next request, unless the peer has gone.
    private mutating func readOn(_ actions: inout [Action]) {
        if peerHasClosed {
            closeAfterPeer(&actions)
        } else {
            readNext(&actions)
        }
    }

    private mutating func write(_ bytes: [UInt8], then next: AfterWrite, _ actions: inout [Action]) {
        output.willWrite(bytes.count)
        state = .writing(next)
        actions.append(.write(bytes))
    }

    private mutating func fail(_ error: HTTPParseError, _ actions: inout [Action]) {
        var out: [UInt8] = []
        HTTPResponseEncoder.encodeParseError(error, date: date.current(), into: &out)
        write(out, then: .error, &actions)
    }

    /// Chooses the deadline for what we are waiting on. A deadline is not extended by further
    /// bytes of the same head or body, so trickling bytes doesn't buy time.
    private mutating func armInputDeadline(_ actions: inout [Action]) {
        switch parser.phase {
        case .idle:
            // Only empty lines (or half of one) so far: a request is starting.
            if input.hasUnread, wait != .head { arm(.head, &actions) }
        case .head:
            if wait != .head { arm(.head, &actions) }
        case .body:
            if wait != .body { arm(.body, &actions) }
        }
    }

    private mutating func arm(_ next: Wait, _ actions: inout [Action]) {
        wait = next
        let seconds = next == .head ? configuration.headerTimeout : configuration.bodyTimeout
        actions.append(.armDeadline(next.deadline, after: seconds))
    }

    /// A client that half-closes after sending still gets its answers; then we close.
    private mutating func closeAfterPeer(_ actions: inout [Action]) {
        closeWhenSent(&actions)
    }

    private mutating func closeWhenSent(_ actions: inout [Action]) {
        if output.pending == 0 {
            closeNow(&actions)
        } else {
            state = .closing
            actions.append(.close(.lingering))
        }
    }

    private mutating func closeNow(_ actions: inout [Action]) {
        state = .closed
        actions.append(.close(.immediately))
    }
}
