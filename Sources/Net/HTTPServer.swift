import Dispatch
import HTTP
import Logging
import Synchronization

/// HTTP/1.1 server: the listener plus one `HTTPConnectionHandler` per connection.
public final class HTTPServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var addresses: [ListenAddress]
        public var limits: HTTPLimits
        /// Whole request head must arrive within this many seconds of its first byte (slowloris).
        public var headerTimeout: Double
        /// Whole body must arrive within this many seconds of the head.
        public var bodyTimeout: Double
        /// A keep-alive connection with no request in progress is closed after this.
        public var idleTimeout: Double
        /// Output that makes no progress for this long closes the connection.
        public var writeTimeout: Double
        public var maxConnections: Int
        public var tls: TLSContext?

        public init(addresses: [ListenAddress], limits: HTTPLimits = .default, headerTimeout: Double = 10,
                    bodyTimeout: Double = 30, idleTimeout: Double = 60, writeTimeout: Double = 30,
                    maxConnections: Int = 10_000, tls: TLSContext? = nil) {
            self.addresses = addresses
            self.limits = limits
            self.headerTimeout = headerTimeout
            self.bodyTimeout = bodyTimeout
            self.idleTimeout = idleTimeout
            self.writeTimeout = writeTimeout
            self.maxConnections = maxConnections
            self.tls = tls
        }
    }

    public let configuration: Configuration
    private let listener: Listener
    /// Set at shutdown so answers already being computed say `Connection: close`.
    private let stopping = StopFlag()

    public init(configuration: Configuration, logger: Logger, responder: @escaping HTTPResponder) {
        self.configuration = configuration
        let settings = HTTPConnectionHandler.Settings(configuration: configuration, responder: responder, logger: logger,
                                                      stopping: stopping)
        listener = Listener(configuration: .init(addresses: configuration.addresses,
                                                 maxConnections: configuration.maxConnections,
                                                 writeTimeout: configuration.writeTimeout,
                                                 tls: configuration.tls),
                            logger: logger) { _ in HTTPConnectionHandler(settings: settings) }
    }

    public func start() throws { try listener.start() }
    public var boundPorts: [Int] { listener.boundPorts }
    public var openConnections: Int { listener.openConnections }

    /// Stops accepting, lets in-flight requests finish (their responses say `Connection: close`),
    /// closes idle keep-alive connections, and waits up to `timeout` seconds.
    @discardableResult
    public func shutdown(timeout: Double = 10) -> Bool {
        stopping.set()
        return listener.shutdown(timeout: timeout)
    }
}

/// Speaks HTTP/1.1 on one connection: parse, answer in order, keep alive or close.
final class HTTPConnectionHandler: ConnectionHandler {
    struct Settings: Sendable {
        let configuration: HTTPServer.Configuration
        let responder: HTTPResponder
        let logger: Logger
        let stopping: StopFlag
    }

    private enum Wait { case idle, head, body }

    private let settings: Settings
    private var parser: HTTPRequestParser
    private var waiting: Wait = .head
    private var draining = false
    private var closing = false
    private var date = LocalDate()
    /// Output above this stops us answering further pipelined requests until it drains.
    private static let outputHighWater = 1024 * 1024

    init(settings: Settings) {
        self.settings = settings
        self.parser = HTTPRequestParser(limits: settings.configuration.limits)
    }

    func connectionDidOpen(_ connection: Connection) {
        // Nothing sent yet: the first request head must arrive within the header timeout.
        waiting = .head
        connection.setReadDeadline(after: settings.configuration.headerTimeout)
    }

    func connectionDidRead(_ connection: Connection) { process(connection) }

    func connectionDidDrain(_ connection: Connection) {
        if connection.hasUnreadInput {
            process(connection)
        } else if waiting == .idle && parser.phase == .idle {
            // The idle clock starts once the last answer has left, not while it is still sending.
            connection.setReadDeadline(after: settings.configuration.idleTimeout)
        }
    }

    func connectionDidTimeOut(_ connection: Connection) {
        if connection.pendingOutput > 0 {
            // Still sending earlier answers: a 408 now would land in the middle of them.
            connection.close()
            return
        }
        switch waiting {
        case .idle:
            connection.close()
        case .head, .body:
            fail(connection, HTTPParseError(.requestTimeout, "request not received in time"))
        }
    }

    func connectionPeerDidClose(_ connection: Connection) {
        // A client that half-closes after sending still gets its answers; then we close.
        if connection.pendingOutput == 0 { connection.close() } else { connection.closeAfterFlush() }
    }

    func connectionShouldDrain(_ connection: Connection) {
        draining = true
        if parser.phase == .idle && !connection.hasUnreadInput {
            if connection.pendingOutput == 0 { connection.close() } else { connection.closeAfterFlush() }
        }
    }

    private func process(_ connection: Connection) {
        defer { if !connection.isClosed { connection.compactInbound() } }
        while !closing && !connection.isClosed {
            if connection.pendingOutput > HTTPConnectionHandler.outputHighWater { return }
            switch parser.next(connection.inbound, index: &connection.readerIndex) {
            case .needMore:
                armDeadline(connection)
                return
            case .continueExpected:
                connection.write(HTTPResponseEncoder.continueResponse)
            case .request(let request):
                respond(to: request, on: connection)
            case .failure(let error):
                fail(connection, error)
                return
            }
        }
    }

    private func respond(to request: HTTPRequest, on connection: Connection) {
        let response = settings.responder(request, connection.info)
        let keepAlive = request.keepAlive && !draining && !settings.stopping.isSet && !response.headers.listContains("Connection", token: "close")
        var out: [UInt8] = []
        out.reserveCapacity(256 + response.body.count)
        HTTPResponseEncoder.encode(response, requestMethod: request.method, requestVersion: request.version,
                                   keepAlive: keepAlive, date: date.current(), into: &out)
        connection.write(out)
        if keepAlive {
            waiting = .idle
            if connection.pendingOutput == 0 {
                connection.setReadDeadline(after: settings.configuration.idleTimeout)
            } else {
                // A slow reader is bounded by the write timeout; the idle clock starts on drain.
                connection.clearReadDeadline()
            }
        } else {
            closing = true
            connection.clearReadDeadline()
            connection.closeAfterFlush()
        }
    }

    private func fail(_ connection: Connection, _ error: HTTPParseError) {
        closing = true
        var out: [UInt8] = []
        HTTPResponseEncoder.encodeParseError(error, date: date.current(), into: &out)
        connection.write(out)
        connection.closeAfterFlush()
    }

    /// Chooses the deadline for what we are waiting on; a deadline is not extended by
    /// further bytes of the same head or body, so trickling bytes doesn't buy time.
    private func armDeadline(_ connection: Connection) {
        switch parser.phase {
        case .idle:
            if connection.hasUnreadInput, waiting != .head {
                waiting = .head
                connection.setReadDeadline(after: settings.configuration.headerTimeout)
            }
        case .head:
            if waiting != .head {
                waiting = .head
                connection.setReadDeadline(after: settings.configuration.headerTimeout)
            }
        case .body:
            if waiting != .body {
                waiting = .body
                connection.setReadDeadline(after: settings.configuration.bodyTimeout)
            }
        }
    }
}

/// A one-way flag shared by every connection of a server.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
