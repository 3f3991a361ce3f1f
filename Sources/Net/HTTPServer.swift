import Dispatch
import HTTP
import Logging

/// HTTP/1.1 server: the listener, driving one `HTTPConnectionStateMachine` per connection.
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
    private let listener: Listener<HTTPConnectionStateMachine>

    public init(configuration: Configuration, logger: Logger, responder: @escaping HTTPResponder) {
        self.configuration = configuration
        let machine = HTTPConnectionStateMachine.Configuration(limits: configuration.limits,
                                                               headerTimeout: configuration.headerTimeout,
                                                               bodyTimeout: configuration.bodyTimeout,
                                                               idleTimeout: configuration.idleTimeout,
                                                               writeTimeout: configuration.writeTimeout)
        listener = Listener(configuration: .init(addresses: configuration.addresses,
                                                 maxConnections: configuration.maxConnections,
                                                 tls: configuration.tls),
                            logger: logger,
                            makeMachine: { HTTPConnectionStateMachine(configuration: machine) },
                            responder: responder)
    }

    public func start() throws { try listener.start() }
    public var boundPorts: [Int] { listener.boundPorts }
    public var openConnections: Int { listener.openConnections }

    /// Stops accepting, lets in-flight requests finish (their responses say `Connection: close`),
    /// closes idle keep-alive connections, and waits up to `timeout` seconds.
    @discardableResult
    public func shutdown(timeout: Double = 10) -> Bool {
        listener.shutdown(timeout: timeout)
    }
}
